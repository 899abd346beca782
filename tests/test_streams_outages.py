"""Streams with the broker changed: a retention policy, a restart, a
cluster's node killed.

Apart from test_streams.py, whose tests run beside others on every Python
and pika: these change the node (marked alone) or need the cluster.
"""
from urllib.parse import unquote, urlsplit

import pytest

import streams_runs
from conftest import AMQP_URL, BROKER, rabbitmqctl, report
from harness import Consumers, run, until
from test_streams import STREAM, events, read, reader, send


@pytest.mark.alone
def test_a_named_reader_goes_on_after_a_broker_restart(tmp_path):
    send("before 1", "before 2")
    with reader("--name", "audit", "--offset", "first", cwd=tmp_path) as named:
        read(named, 2)
        try:
            rabbitmqctl("stop_app")
            named.wait_until(lambda: named.stderr, 30, "the reconnect notice")
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        named.ready(timeout=90, count=2)
        send("after 1", "after 2")
        got = read(named, 4)
        assert named.stop() == 0
    assert "reconnecting in" in named.stderr[0]
    # Each time it connected again, it went on after the last event it read.
    starts = [line for line in named.stdout if line.startswith("Reader audit")]
    assert len(starts) >= 2 and set(starts[1:]) == {
        "Reader audit starts after offset 1 (kept in audit.offset)"}, starts
    assert got == [(0, "before 1"), (1, "before 2"), (2, "after 1"), (3, "after 2")]



def vhost():
    return unquote(urlsplit(AMQP_URL.split(",")[0]).path[1:]) or "/"


@pytest.mark.alone  # a policy: conftest checks the node's as a whole
def test_retention_removes_the_oldest_events_and_first_starts_at_the_oldest_kept(
        tmp_path):
    # Small limits, so that a few hundred events pass them. A policy, set
    # before the stream is declared: a segment's size is fixed when it is made.
    limits = '{"max-length-bytes": 20000, "stream-max-segment-size-bytes": 4000}'
    rabbitmqctl("set_policy", "-p", vhost(), "--apply-to", "queues",
                "streams-small", r"^streams\.events$", limits)
    try:
        send("zero")
        # The lesson's own limits, as declared; the policy's, lower, win.
        [row] = [line for line in rabbitmqctl(
            "-q", "list_queues", "-p", vhost(), "name", "type", "arguments"
            ).splitlines() if line.startswith(f"{STREAM}\t")]
        assert row.startswith("streams.events\tstream\t"), row
        assert all(key in row for key in ("x-max-age", "x-max-length-bytes",
                                          "x-stream-max-segment-size-bytes")), row
        with reader("--name", "late", "--offset", "first", cwd=tmp_path) as late:
            read(late, 1)
        sent = send(*[f"event {i}" for i in range(1, 400)])
        until(lambda: streams_runs.first_offset(BROKER) > 1, 30,
              "retention removing old segments")
        oldest = streams_runs.first_offset(BROKER)
        with Consumers("streams", ["--offset", "first"]) as (each,):
            got = read(each, 1)
            each.wait_for(r"^\[\d+\] event 399 received$")
            got = events(each.stdout)
        with reader("--name", "late", cwd=tmp_path) as again:
            again.wait_for(r"^\[\d+\] event 399 received$")
    finally:
        rabbitmqctl("clear_policy", "-p", vhost(), "streams-small")
    # The oldest kept, then all that came after; offsets count the broker's
    # own bookkeeping too (one entry per segment), so they outrun the events.
    kept = [event for _, event in got]
    assert got[0][0] == oldest and kept == sent[-len(kept):] and len(kept) < 300
    assert events(again.stdout) == got
    report(f"streams on RabbitMQ {BROKER.version()}: with 20 kB kept, 400 events "
           f"sent, --offset first started at offset {oldest}")


def stream_replicas():
    """The nodes of the cluster that have the stream online."""
    return next((each["online"] for each in BROKER.queues()
                 if each["name"] == STREAM), [])


@pytest.mark.cluster
@pytest.mark.timeout(600)
def test_a_named_reader_goes_on_when_the_node_of_the_streams_leader_dies(tmp_path):
    import failover  # the cluster's tools

    nodes = BROKER.nodes
    status, _, errors = run("streams", "producer", "first",
                            env={"AMQP_URL": BROKER.url_from(nodes[0])})
    assert status == 0, errors
    until(lambda: len(stream_replicas()) == 3, 60, "three replicas of the stream")
    leader = BROKER.leader(STREAM)
    others = [node for node in nodes if node is not leader]
    named = failover.on(BROKER, leader, "streams", "consumer", "--name", "audit",
                        "--offset", "first", cwd=tmp_path)
    sent = ["first"]

    def send_on(node, events_):
        # Each event until the broker confirms it: a new leader takes a moment.
        for event in events_:
            until(lambda event=event: run("streams", "producer", event, env={
                "AMQP_URL": BROKER.url_from(node)})[0] == 0, 120, f"{event} sent")
            sent.append(event)

    try:
        with named:
            named.ready(timeout=30)
            send_on(others[0], [f"before {i}" for i in range(10)])
            named.wait_for(r"before 9 received$", timeout=30)
            with failover.killed(BROKER, leader):
                send_on(others[0], [f"during {i}" for i in range(10)])
                named.wait_for(r"during 9 received$", timeout=120)
                back = next(moment for line, moment in zip(named.stdout, named.times)
                            if line.endswith("during 0 received"))
            until(lambda: len(stream_replicas()) == 3, 120,
                  "three replicas of the stream again")
            send_on(others[1], [f"after {i}" for i in range(5)])
            named.wait_for(r"after 4 received$", timeout=60)
            assert named.stop() == 0
        lost = failover.lost(named)  # when it said it lost its node
        got = events(named.stdout)
        offsets_read = [offset for offset, _ in got]
        read = [event for _, event in got]
        assert len(set(offsets_read)) == len(offsets_read), "an offset read twice"
        assert set(sent) <= set(read), set(sent) - set(read)
        # In the order sent; an event whose confirm was lost with the node
        # and was sent again may be in the stream twice, at two offsets.
        assert list(dict.fromkeys(read)) == sent, read
        assert any("reconnecting" in line for line in named.stderr), named.stderr
        # A stream has no consumer timeout: a cancel is not called one.
        assert not [line for line in named.stderr if "consumer timeout" in line]
        report(f"streams: the node of the stream's leader ({leader.node}) killed; "
               f"a named reader read the next event {back - lost:.1f} s later; "
               f"{len(sent)} events confirmed, {len(set(sent) - set(read))} missed, "
               f"{len(offsets_read) - len(set(offsets_read))} read twice, "
               f"{len(read) - len(set(read))} in the stream twice (sent again)")
    finally:
        named.kill()
