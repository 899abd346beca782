"""Publish/Subscribe: every subscriber gets every message."""
from harness import Consumers, bodies, run


def test_every_subscriber_receives_every_message():
    with Consumers("pubsub", [], [], []) as subscribers:
        status, sent, errors = run("pubsub", "producer")
        assert (status, errors, len(sent)) == (0, [], 5)
        for subscriber in subscribers:
            subscriber.wait_for(" received$", count=5)
    for subscriber in subscribers:
        assert bodies(subscriber.stdout, "received") == bodies(sent, "sent")


def test_publish_with_no_subscriber_is_reported_as_dropped():
    status, out, errors = run("pubsub", "producer")
    assert status == 1 and errors == []
    assert len(out) == 5
    assert all(line.endswith("not delivered: no queue is bound for it") for line in out)


def test_a_subscriber_gets_nothing_published_while_it_was_stopped():
    # Its queue lives only while it runs: stopped, it has no queue to keep
    # messages in, and started again, it gets only what comes next.
    with Consumers("pubsub", []) as (other,):
        with Consumers("pubsub", []):
            pass  # started and stopped
        assert run("pubsub", "producer")[0] == 0  # only other is there
        other.wait_for(" received$", count=5)
        with Consumers("pubsub", []) as (again,):
            status, sent, _ = run("pubsub", "producer")
            assert status == 0
            again.wait_for(" received$", count=5)
            other.wait_for(" received$", count=10)
    assert bodies(again.stdout, "received") == bodies(sent, "sent")
