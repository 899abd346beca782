"""Shared fixtures: the broker under test, and queues left as they were found.

Tests marked ``offline`` need no broker: ``make test`` runs them once, and
every other test once on each broker (see run.py and broker.py). Tests marked
``cluster`` run once, on the three-node cluster (cluster.py).
"""
import os
from urllib.parse import urlsplit

import pytest
from pika import exceptions

import broker

BROKER = broker.under_test()
AMQP_URL = BROKER.url
# Where the broker under test listens, for a proxy in front of it.
ADDRESS = (urlsplit(AMQP_URL).hostname, urlsplit(AMQP_URL).port or 5672)
# Where tests write figures for the summary of make test (run.py).
FIGURES = os.environ.get("TEST_FIGURES")

# Every named queue a pattern declares. A test starts with them empty and
# must leave them empty.
QUEUES = ["basic.greetings", "workers.tasks", "workers.tasks.failed",
          "rpc.fibonacci"]


def pytest_configure(config):
    config.addinivalue_line("markers", "offline: needs no broker")
    config.addinivalue_line("markers", "cluster: needs the three-node cluster")


def report(line):
    """A figure for the summary make test prints at its end."""
    print(line)
    if FIGURES:
        with open(FIGURES, "a") as figures:
            figures.write(line + "\n")


def broker_connection():
    return BROKER.connection()


def rabbitmqctl(*args, timeout=120):
    """rabbitmqctl on the broker under test; its stdout."""
    try:
        result = BROKER.ctl(*args, timeout=timeout)
    except broker.Fail as error:
        pytest.fail(str(error))
    assert result.returncode == 0, (
        f"rabbitmqctl {' '.join(args)} failed: these tests control the broker, "
        f"so they need root or password-less sudo: {result.stderr}")
    return result.stdout


def url(**changes):
    """AMQP_URL of the broker under test, with another password or query."""
    return BROKER.url_with(**changes)


@pytest.fixture(scope="session")
def answering():
    try:
        broker_connection().close()
    except exceptions.AMQPConnectionError as error:
        pytest.exit(f"No RabbitMQ answers at AMQP_URL ({error!r}). "
                    "Run `make test`, which starts one.", returncode=1)


def depths(purge=False):
    """{queue: ready messages} for the QUEUES that exist."""
    found = {}
    with broker_connection() as connection:
        for queue in QUEUES:
            channel = connection.channel()
            try:
                frame = channel.queue_declare(queue, passive=True)
            except exceptions.ChannelClosedByBroker:
                continue  # not declared yet
            found[queue] = frame.method.message_count
            if purge:
                channel.queue_purge(queue)
            channel.close()
    return found


@pytest.fixture(autouse=True)
def empty_queues(request):
    if request.node.get_closest_marker("offline"):
        yield
        return
    if request.node.get_closest_marker("cluster") and BROKER.name != "cluster":
        pytest.fail("this test needs the cluster: run it with RABBITMQ=cluster "
                    "(make test does)")
    request.getfixturevalue("answering")
    depths(purge=True)
    yield
    left = {queue: count for queue, count in depths().items() if count}
    assert not left, f"messages left behind: {left}"
