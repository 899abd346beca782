"""Basic: one producer, one queue, one consumer."""
from harness import ROOT, Consumers, run


def test_consumer_receives_every_message_in_order():
    with Consumers("basic", []) as (consumer,):
        status, sent, errors = run("basic", "producer")
        assert (status, errors) == (0, [])
        assert len(sent) == 5 and all(line.endswith(" sent") for line in sent)
        received = consumer.wait_for(" received$", count=5)
    assert [line.removesuffix(" received") for line in received] == [
        line.removesuffix(" sent") for line in sent]
    assert sent[0].startswith("0 ") and sent[0].endswith("- Basic - Hello World sent")


def test_messages_wait_in_the_queue_for_a_consumer():
    # Run from the repository root this time: python basic/producer.py
    status, _, _ = run("basic", "producer", cwd=ROOT)
    assert status == 0
    with Consumers("basic", []) as (consumer,):
        received = consumer.wait_for(" received$", count=5)
    assert len(received) == 5
