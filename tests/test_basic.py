"""Basic: one producer, one queue, one consumer."""
from conftest import depths
from harness import Consumers, bodies, run, wait_total


def test_consumer_receives_every_message_in_order():
    with Consumers("basic", []) as (consumer,):
        status, sent, errors = run("basic", "producer")
        assert (status, errors) == (0, [])
        assert len(sent) == 5 and all(line.endswith(" sent") for line in sent)
        consumer.wait_for(" received$", count=5)
    assert bodies(consumer.stdout, "received") == bodies(sent, "sent")
    assert sent[0].startswith("0 ") and sent[0].endswith("- Basic - Hello World sent")


def test_exercise_messages_wait_for_the_consumer():
    sent = []
    for _ in range(2):
        status, out, _ = run("basic", "producer")
        assert status == 0
        sent += bodies(out, "sent")
    assert depths()["basic.greetings"] == (10, 0)
    with Consumers("basic", []) as (consumer,):
        consumer.wait_for(" received$", count=10)
    assert bodies(consumer.stdout, "received") == sent


def test_exercise_two_consumers_share_one_queue():
    with Consumers("basic", [], []) as consumers:
        status, out, _ = run("basic", "producer")
        assert status == 0
        wait_total(consumers, " received$", 5)
    received = [bodies(consumer.stdout, "received") for consumer in consumers]
    assert sorted(body for each in received for body in each) == sorted(
        bodies(out, "sent"))
    assert all(received), received  # shared: each got some
