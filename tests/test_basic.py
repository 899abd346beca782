"""Basic: one producer, one queue, one consumer."""
from conftest import depths
from harness import Consumers, run, wait_total


def test_consumer_receives_every_message_in_order():
    with Consumers("basic", []) as (consumer,):
        status, sent, errors = run("basic", "producer")
        assert (status, errors) == (0, [])
        assert len(sent) == 5 and all(line.endswith(" sent") for line in sent)
        received = consumer.wait_for(" received$", count=5)
    assert [line.removesuffix(" received") for line in received] == [
        line.removesuffix(" sent") for line in sent]
    assert sent[0].startswith("0 ") and sent[0].endswith("- Basic - Hello World sent")


def test_exercise_messages_wait_for_the_consumer():
    sent = []
    for _ in range(2):
        status, out, _ = run("basic", "producer")
        assert status == 0
        sent += [line.removesuffix(" sent") for line in out]
    assert depths()["basic.greetings"] == 10
    with Consumers("basic", []) as (consumer,):
        received = consumer.wait_for(" received$", count=10)
    assert [line.removesuffix(" received") for line in received] == sent
    assert depths()["basic.greetings"] == 0


def test_exercise_two_consumers_share_one_queue():
    with Consumers("basic", [], []) as consumers:
        status, out, _ = run("basic", "producer")
        assert status == 0
        received = wait_total(consumers, " received$", 5)
    assert sorted(line.removesuffix(" received") for line in received) == sorted(
        line.removesuffix(" sent") for line in out)
    assert all(len(consumer.stdout) < 6 for consumer in consumers)  # shared
