"""A broker that blocks publishers, a network gone quiet, a host that never
answers, and messages of any size: the scripts keep their promises."""
import os
import signal
import socket
import threading
import time

import pytest

from conftest import ADDRESS, BROKER, broker_connection, rabbitmqctl, take, url
from harness import Consumers, Script, bodies, run, until
from proxy import Proxy


def connections():
    """{client's port: state} of the broker's connections."""
    return dict(line.split("\t") for line in rabbitmqctl(
        "-q", "list_connections", "peer_port", "state").splitlines())


def wait_until_blocked():
    """Until the broker reports a connection blocked by its alarm; its port."""
    return until(lambda: next((port for port, state in connections().items()
                               if state == "blocked"), None),
                 15, "a connection blocked by the alarm")


def wait_until_closed(port):
    """Until the broker has let go of the connection from port: it has read
    all it will ever read from it."""
    until(lambda: port not in connections(), 15, "the blocked connection closed")


@pytest.mark.alone
def test_a_blocked_producer_gives_up_in_one_line_and_what_it_sent_is_queued():
    read, write = os.pipe()
    env = {"AMQP_URL": url(query="blocked_connection_timeout=3")}
    producer = Script("workers", "producer", "--stdin", env=env, stdin=os.fdopen(read))
    with os.fdopen(write, "w") as feed, producer:
        feed.write("before 1\nbefore 2\n")
        feed.flush()
        producer.wait_for("^before 2 sent$")
        with BROKER.memory_alarm():
            feed.write("during\n")
            feed.flush()
            port = wait_until_blocked()
            started = time.monotonic()
            assert producer.wait(30) == 1
            seconds = time.monotonic() - started
            print(f"a blocked producer gave up after {seconds:.1f} s")
    wait_until_closed(port)
    assert len(producer.stderr) == 1, producer.stderr
    assert producer.stderr[0].startswith(
        f"producer.py: RabbitMQ at {ADDRESS[0]}:{ADDRESS[1]} blocked "
        "publishing for too long: it is short of memory or disk")
    assert "rabbitmqctl status" in producer.stderr[0]
    assert bodies(producer.stdout, "sent") == ["before 1", "before 2"]
    # What it called sent is queued; the blocked task was never confirmed,
    # so it may be there too (at least once), but nothing else.
    taken = take("workers.tasks")
    assert taken in ([b"before 1", b"before 2"], [b"before 1", b"before 2", b"during"])


@pytest.mark.alone
def test_consumers_keep_consuming_during_an_alarm():
    assert run("basic", "producer")[0] == 0
    assert run("workers", "producer", "a", "b")[0] == 0
    with BROKER.memory_alarm():  # in force: it waits for the node to say so
        with Consumers("basic", []) as (basic,):
            basic.wait_for(" received$", count=5)
        with Consumers("workers", ["--seconds", 0]) as (worker,):
            worker.wait_for("^[ab] done$", count=2)


@pytest.mark.alone
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_blocked_producer_stops_at_once_on_a_signal(signum):
    with BROKER.memory_alarm():
        with Script("basic", "producer") as producer:
            port = wait_until_blocked()
            started = time.monotonic()
            assert producer.signal(signum) == 0  # 3 s at most, plus a loaded CI
            print(f"stopped {time.monotonic() - started:.1f} s after the signal")
            assert producer.stderr == [] and producer.stdout == []
    wait_until_closed(port)
    # The greeting it was blocked on may still have reached the queue.
    assert len(take("basic.greetings")) <= 1


@pytest.mark.parametrize("script, args", [
    ("basic/consumer", []), ("workers/consumer", []), ("rpc/consumer", []),
    ("pubsub/consumer", []), ("routing/consumer", ["blue"]),
])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_consumer_on_a_network_gone_quiet_stops_on_a_signal(script, args, signum):
    proxy = Proxy(*ADDRESS)
    try:
        with Script(*script.split("/"), *args,
                    env={"AMQP_URL": url(port=proxy.port)}) as consumer:
            consumer.ready()
            proxy.hold()  # the connection stays open; nothing goes through
            assert consumer.signal(signum, timeout=5) == 0
            assert consumer.stderr == []
    finally:
        proxy.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_script_stuck_in_the_handshake_stops_on_a_signal(signum):
    # A host that accepts the TCP connection and never says a word.
    listener = socket.create_server(("127.0.0.1", 0))
    accepted, held = threading.Event(), []
    # Keep the connection (held), or closing it would end the handshake.
    threading.Thread(target=lambda: (held.append(listener.accept()), accepted.set()),
                     daemon=True).start()
    port = listener.getsockname()[1]
    try:
        with Script("basic", "producer", env={
                "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F"}) as producer:
            assert accepted.wait(10)
            assert producer.signal(signum) == 0  # 3 s at most, plus a loaded CI
            assert producer.stderr == []
    finally:
        listener.close()


@pytest.mark.parametrize("size", [0, 10_000_000])
def test_empty_and_big_tasks_go_through_intact(size, tmp_path):
    task = "x" * size
    (tmp_path / "tasks.txt").write_text(task + "\n")
    with Consumers("workers", ["--seconds", 0]) as (worker,):
        with open(tmp_path / "tasks.txt") as tasks:
            status, out, errors = run("workers", "producer", "--stdin", stdin=tasks)
        assert (status, errors) == (0, [])
        assert out == [f"{task} sent"]
        assert worker.wait_for(" done$") == [f"{task} done"]


@pytest.mark.parametrize("size", [0, 10_000_000])
def test_empty_and_big_messages_reach_the_basic_consumer_intact(size):
    with Consumers("basic", []) as (consumer,):
        with broker_connection() as connection:
            connection.channel().basic_publish("", "basic.greetings", b"x" * size)
        assert consumer.wait_for(" received$") == ["x" * size + " received"]


@pytest.mark.alone
def test_a_message_over_the_size_limit_is_one_line(tmp_path):
    with BROKER.max_message_size(1_000_000) as limit:
        (tmp_path / "tasks.txt").write_text("x" * (limit + 1) + "\n")
        with open(tmp_path / "tasks.txt") as tasks:
            status, out, errors = run("workers", "producer", "--stdin", stdin=tasks)
    assert (status, out) == (1, [])
    assert errors == [f"producer.py: RabbitMQ refused: PRECONDITION_FAILED - message "
                      f"size {limit + 1} is larger than configured max size {limit}"]
