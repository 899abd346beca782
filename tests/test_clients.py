"""Other clients, written by other people, on the same queues and exchanges:
Debian's amqp-tools and Node's amqplib (installed by tests/tools/clients.py)."""
import shutil
import signal

import pytest

from conftest import AMQP_URL, rabbitmqctl, take, wait_depth
from harness import ROOT, Consumers, Script, bodies, run, until


def amqp_publish(*options, body):
    """amqp-publish, as a reader would type it; body may be any bytes."""
    assert shutil.which("amqp-publish"), "amqp-tools is missing: run make test"
    status, out, errors = run("tests", "amqp-publish", command=[
        "amqp-publish", "-u", AMQP_URL, *options, "-b", body])
    assert (status, out, errors) == (0, [], [])


def amqp_consume(*options, count):
    """amqp-consume printing each body on a line, until count arrived."""
    assert shutil.which("amqp-consume"), "amqp-tools is missing: run make test"
    return Script("tests", "amqp-consume", command=[
        "amqp-consume", "-u", AMQP_URL, *options, "-c", str(count), "--",
        "sh", "-c", "cat; echo"])


def wait_for_binding(exchange, key, timeout=15):
    """Until a queue is bound to exchange with key (amqp-consume says nothing
    when it is ready)."""
    def bound():
        listing = rabbitmqctl("-q", "list_bindings", "source_name", "routing_key")
        return (exchange, key) in [tuple(line.split("\t"))
                                   for line in listing.splitlines()]

    until(bound, timeout, f"a binding of {exchange} with {key}")


def test_amqp_publish_reaches_the_basic_consumer_any_body():
    with Consumers("basic", []) as (consumer,):
        amqp_publish("-r", "basic.greetings", body="from amqp-publish")
        amqp_publish("-r", "basic.greetings", body=b"caf\xe9")
        amqp_publish("-r", "basic.greetings", body="")
        consumer.wait_for("^ received$")
    assert consumer.stdout[1:] == ["from amqp-publish received", "caf\\xe9 received",
                                   " received"]


def test_amqp_publish_persistent_tasks_are_done_and_bad_bytes_dead_lettered():
    with Consumers("workers", ["--seconds", 0]) as (worker,):
        amqp_publish("-p", "-r", "workers.tasks", body="resize photo")
        amqp_publish("-p", "-r", "workers.tasks", body=b"caf\xe9")
        worker.wait_for("^resize photo done$")
        # Not text: a failed task, tried 1 + DELIVERY_LIMIT times, then set aside.
        worker.wait_for("^caf\\\\xe9 failed$", count=4)
    wait_depth("workers.tasks.failed", 1)
    assert take("workers.tasks.failed") == [b"caf\xe9"]


@pytest.mark.parametrize("folder, exchange, key, bindings, receivers", [
    ("pubsub", "pubsub.broadcast", "", [[], []], [0, 1]),
    ("routing", "routing.colors", "blue", [["blue", "sync"], ["red", "sync"]], [0]),
    ("topic", "topic.events", "kern.critical",
     [["kern.*", "sync"], ["app.*", "sync"]], [0]),
])
def test_amqp_publish_reaches_exactly_the_consumers_the_page_promises(
        folder, exchange, key, bindings, receivers):
    with Consumers(folder, *bindings) as consumers:
        amqp_publish("-e", exchange, "-r", key, body="from amqp-publish")
        # Everyone's, and last: once it is there, a stray message would be too.
        amqp_publish("-e", exchange, "-r", "sync", body="sync")
        for consumer in consumers:
            consumer.wait_for("^sync received$")
    for number, consumer in enumerate(consumers):
        expected = ["from amqp-publish received"] if number in receivers else []
        assert consumer.stdout[1:] == [*expected, "sync received"], consumer.label


def test_the_basic_and_workers_producers_reach_amqp_consume():
    for folder, queue, count in (("basic", "basic.greetings", 5),
                                 ("workers", "workers.tasks", 15)):
        status, sent, _ = run(folder, "producer")
        assert status == 0
        with amqp_consume("-q", queue, count=count) as consumer:
            assert consumer.wait(15) == 0
        assert consumer.stdout == bodies(sent, "sent")


@pytest.mark.parametrize("folder, exchange, key, args", [
    # amqp-consume binds only with a key; a fanout exchange ignores it.
    ("pubsub", "pubsub.broadcast", "any", []),
    ("routing", "routing.colors", "blue", ["blue"]),
    ("topic", "topic.events", "kern.*", ["kern.critical"]),
])
def test_exchange_producers_reach_amqp_consume_bound_the_same_way(
        folder, exchange, key, args):
    with amqp_consume("-e", exchange, "-r", key, count=5) as consumer:
        wait_for_binding(exchange, key)
        status, sent, _ = run(folder, "producer", *args)
        assert status == 0
        assert consumer.wait(15) == 0
    assert consumer.stdout == bodies(sent, "sent")


def node(script, *args):
    modules = ROOT / "tests" / "node_modules" / "amqplib"
    assert modules.is_dir(), "amqplib is missing: run make test"
    return ["node", str(ROOT / "tests" / script), *map(str, args)]


def test_an_amqplib_client_gets_answers_from_the_rpc_server():
    with Consumers("rpc", []):
        status, out, errors = run("tests", "node", command=node(
            "rpc_client.js", 10, 90, "ten", 5000))
    assert (status, errors) == (0, [])
    assert out == ['10 {"result": 55}', '90 {"result": 2880067194370816120}',
                   "ten {\"error\": \"'ten' is not a non-negative integer\"}",
                   '5000 {"error": "n must be at most 1000"}']


def test_the_rpc_client_gets_answers_from_an_amqplib_server():
    with Script("tests", "node", command=node("rpc_server.js")) as server:
        server.wait_for("^ready$")
        status, out, _ = run("rpc", "producer", 90)
        assert out[-1] == "fib(90) = 2880067194370816120 received"
        status, _, errors = run("rpc", "producer", 5000)
        assert status == 1
        assert errors == ["producer.py: fib(5000) failed: n must be at most 1000, "
                          "says node"]
        assert server.signal(signal.SIGTERM) == 0
