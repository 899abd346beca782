"""A broker that blocks publishers, a network gone quiet, a host that never
answers, and messages of any size: the scripts keep their promises."""
import signal
import socket
import threading
import time

import pytest

from conftest import ADDRESS, BROKER, broker_connection, depths, rabbitmqctl, url
from harness import Consumers, Script, run
from proxy import Proxy


def wait_until_blocked(timeout=15):
    """Until the broker reports a connection blocked by its alarm."""
    deadline = time.monotonic() + timeout
    while "blocked" not in rabbitmqctl("-q", "list_connections", "state").split():
        assert time.monotonic() < deadline, "no connection was blocked"
        time.sleep(0.1)  # poll the broker


def sent(lines):
    return [line.removesuffix(" sent") for line in lines if line.endswith(" sent")]


def test_a_blocked_producer_gives_up_in_one_line_and_loses_nothing():
    env = {"AMQP_URL": url(query="blocked_connection_timeout=3")}
    with BROKER.memory_alarm():
        started = time.monotonic()
        status, out, errors = run("basic", "producer", env=env)
        seconds = time.monotonic() - started
    assert status == 1 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"producer.py: RabbitMQ at {ADDRESS[0]}:{ADDRESS[1]} blocked "
        "publishing for too long: it is short of memory or disk")
    assert "rabbitmqctl status" in errors[0]
    print(f"a blocked producer gave up after {seconds:.1f} s")
    # Every message it called sent is in the queue.
    assert depths(purge=True)["basic.greetings"] >= len(sent(out))


def test_consumers_keep_consuming_during_an_alarm():
    assert run("basic", "producer")[0] == 0
    assert run("workers", "producer", "a", "b")[0] == 0
    with BROKER.memory_alarm():
        with Consumers("basic", []) as (basic,):
            basic.wait_for(" received$", count=5)
        with Consumers("workers", ["--seconds", 0]) as (worker,):
            worker.wait_for("^[ab] done$", count=2)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_blocked_producer_stops_at_once_on_a_signal(signum):
    with BROKER.memory_alarm():
        producer = Script("basic", "producer")
        try:
            wait_until_blocked()
            started = time.monotonic()
            assert producer.signal(signum, timeout=5) == 0
            print(f"stopped {time.monotonic() - started:.1f} s after the signal")
            assert producer.stderr == []
        finally:
            producer.kill()
    depths(purge=True)


@pytest.mark.parametrize("script, args", [
    ("basic/consumer", []), ("workers/consumer", []), ("rpc/consumer", []),
    ("pubsub/consumer", []), ("routing/consumer", ["blue"]),
])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_consumer_on_a_network_gone_quiet_stops_on_a_signal(script, args, signum):
    proxy = Proxy(*ADDRESS)
    consumer = Script(*script.split("/"), *args, env={"AMQP_URL": url(port=proxy.port)})
    try:
        consumer.ready()
        proxy.hold()  # the connection stays open; nothing goes through
        assert consumer.signal(signum, timeout=5) == 0
        assert consumer.stderr == []
    finally:
        consumer.kill()
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
    producer = Script("basic", "producer",
                      env={"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F"})
    try:
        assert accepted.wait(10)
        assert producer.signal(signum, timeout=5) == 0
        assert producer.stderr == []
    finally:
        producer.kill()
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


def test_a_message_over_the_size_limit_is_one_line(tmp_path):
    with BROKER.max_message_size(1_000_000) as limit:
        (tmp_path / "tasks.txt").write_text("x" * (limit + 1) + "\n")
        with open(tmp_path / "tasks.txt") as tasks:
            status, out, errors = run("workers", "producer", "--stdin", stdin=tasks)
    assert (status, out) == (1, [])
    assert errors == [f"producer.py: RabbitMQ refused: PRECONDITION_FAILED - message "
                      f"size {limit + 1} is larger than configured max size {limit}"]
