"""Publisher confirms under faults: the broker away mid-run, a full queue, a
queue gone, the node leading the queue killed. Nothing confirmed is lost.

Not among run.py's script lanes: these stop the broker (marked alone), set
policies, or need the cluster.
"""
import contextlib
import json
import re
import time
from urllib.parse import unquote, urlsplit

import pytest

import failover
from conftest import BROKER, broker_connection, depths, rabbitmqctl, report
from harness import Script
from test_confirms import QUEUE, RESULT, STRATEGIES, drain, number, started_publishing

OUTAGE = 5  # seconds the broker is away


@contextlib.contextmanager
def full(length):
    """confirms.messages refuses what would make it longer than length, in
    the block: a policy in the virtual host of the run."""
    rabbitmqctl("set_policy", "-p", vhost(), "--apply-to", "queues", "test-full",
                f"^{re.escape(QUEUE)}$",
                json.dumps({"max-length": length, "overflow": "reject-publish"}))
    try:
        yield
    finally:
        rabbitmqctl("clear_policy", "-p", vhost(), "test-full")


def refused_line(producer, count):
    """K in the producer's one line "RabbitMQ refused K of N messages..."."""
    assert len(producer.stderr) == 1 and producer.stdout == [], producer.tail()
    refused = re.fullmatch(rf"producer\.py: RabbitMQ refused ([\d,]+) of {count:,} "
                           r"messages: the queue is full, or too few of its "
                           r"nodes are up", producer.stderr[0])
    assert refused, producer.stderr
    return number(refused[1])


@pytest.mark.alone
def test_the_broker_away_mid_run_costs_nothing_and_the_run_goes_on():
    count = 300_000
    with Script("confirms", "producer", "--strategy", "async",
                "--count", count) as producer:
        started_publishing(producer)
        try:
            rabbitmqctl("stop_app")
            time.sleep(OUTAGE)  # the outage itself: no readiness to wait for
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        status = producer.wait(300)
    assert status == 0, producer.tail()
    assert number(RESULT.match(producer.stdout[-1])[1]) == count, producer.stdout
    # It said it lost the broker, and each attempt to reach it again.
    assert producer.stderr and all("reconnecting in" in line
                                   for line in producer.stderr), producer.stderr
    found = drain()
    assert set(found) == {f"async {i}" for i in range(count)}
    twice = sum(found.values()) - count
    report(f"confirms: RabbitMQ {BROKER.version()} away {OUTAGE} s during "
           f"{count:,} asynchronous messages: every one in the queue, {twice:,} "
           "of them twice (published again, unconfirmed when the connection "
           f"went); {len(producer.stderr)} reconnect lines")


def vhost():
    return unquote(urlsplit(BROKER.url.split(",")[0]).path[1:]) or "/"


@pytest.mark.parametrize("strategy, size", [("batches", 50), ("async", 200)])
def test_the_broker_never_holds_more_unconfirmed_than_the_window(strategy, size):
    # More than it can send while rabbitmqctl looks, however slow the machine:
    # the Ctrl+C below ends it.
    with Script("confirms", "producer", "--strategy", strategy, "--count", 3_000_000,
                "--batch-size", 50, "--window", 200) as producer:
        started_publishing(producer)
        seen, deadline = [], time.monotonic() + 120
        # Each look takes about a second; on a busy machine a look may find
        # the window empty: look until one finds it in use, three at least.
        while (len(seen) < 3 or max(seen) <= 1) and time.monotonic() < deadline:
            seen += [int(count) for line in rabbitmqctl(
                "-q", "list_channels", "--no-table-headers", "vhost",
                "messages_unconfirmed").splitlines()
                for where, count in [line.split("\t")] if where == vhost()]
        assert producer.signal() == 0, producer.tail()
    drain()
    # Other channels in the virtual host hold one at most (BlockingConnection).
    assert 1 < max(seen) <= size, seen


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_full_queue_is_counted_refused_and_nothing_else_is_lost(strategy):
    with full(400):
        with Script("confirms", "producer", "--strategy", strategy,
                    "--count", 1000) as producer:
            status = producer.wait(60)
    assert status == 1
    refused = refused_line(producer, 1000)
    # Every message not counted refused is in the queue, once. (A quorum
    # queue's limit is not exact: it may let more than 400 in.)
    found = drain()
    assert len(found) == 1000 - refused and set(found.values()) == {1}
    assert set(found) <= {f"{strategy} {i}" for i in range(1000)}
    assert 0 < refused <= 600


def test_messages_no_queue_takes_are_returned_and_reported():
    # The queue full, so the producer waits to publish its refused messages
    # again; meanwhile the queue is deleted: they reach no queue.
    with full(10):
        # Individually: the queue's limit then holds exactly.
        with Script("confirms", "producer", "--strategy", "individually",
                    "--count", 100) as producer:
            producer.wait_until(lambda: depths().get(QUEUE, (0,))[0] >= 10, 30,
                                "the queue full")
            with broker_connection() as connection:
                connection.channel().queue_delete(QUEUE)
            status = producer.wait(60)
    assert status == 1 and producer.stdout == [], producer.tail()
    if BROKER.version().startswith("3.") and len(producer.stderr) == 2:
        # RabbitMQ 3.x closes the connection instead when a message was on its
        # way to the queue deleted (the page's 3.x box): the producer connects
        # again, declares the queue, and the retries meet the full queue.
        assert producer.stderr[0].endswith("closed the connection: "
                                           "INTERNAL_ERROR; reconnecting in 1 s")
        assert re.fullmatch(r"producer\.py: RabbitMQ refused [\d,]+ of 100 messages: "
                            r"the queue is full, or too few of its nodes are up",
                            producer.stderr[1]), producer.stderr
    else:
        returned = re.fullmatch(r"producer\.py: RabbitMQ returned ([\d,]+) of 100 "
                                r"messages: no queue took them", producer.stderr[-1])
        assert returned and len(producer.stderr) == 1, producer.stderr
        assert 0 < number(returned[1]) <= 90
    with broker_connection() as connection:  # the queue the retries declared
        connection.channel().queue_delete(QUEUE)


@pytest.mark.cluster
@pytest.mark.timeout(1200)
def test_no_confirmed_message_is_lost_when_the_queue_leader_dies():
    count = 100_000
    # The queue must exist to have a leader: the consumer declares it.
    with failover.on(BROKER, BROKER.nodes[0], "confirms", "consumer") as first:
        first.ready()
    leader = BROKER.leader(QUEUE)
    with failover.on(BROKER, leader, "confirms", "producer", "--strategy", "async",
                     "--count", count, label="producer") as producer:
        started_publishing(producer)
        with failover.killed(BROKER, leader):
            status = producer.wait(600)
    found = drain()
    report(f"confirms: the leader {leader.node} killed during {count:,} "
           f"asynchronous messages; the producer ended {status}; "
           f"{len(found):,} in the queue, {sum(found.values()) - len(found):,} "
           f"twice; {producer.stdout[-1:]} {producer.stderr[-1:]}")
    if status == 0:
        assert number(RESULT.match(producer.stdout[-1])[1]) == count
        assert set(found) == {f"async {i}" for i in range(count)}
    else:  # refused while the queue had no leader: counted, the rest kept
        assert len(found) >= count - refused_line(producer, count)
    assert set(found) <= {f"async {i}" for i in range(count)}
