"""Shared fixtures: a broker that answers, and queues left as they were found."""
import os

import pika
import pytest
from pika import exceptions

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")

# Every named queue a pattern declares. A test starts with them empty and
# must leave them empty.
QUEUES = ["basic.greetings", "workers.tasks", "workers.tasks.failed",
          "rpc.fibonacci"]


def broker_connection():
    return pika.BlockingConnection(pika.URLParameters(AMQP_URL))


@pytest.fixture(scope="session", autouse=True)
def broker():
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
def empty_queues():
    depths(purge=True)
    yield
    left = {queue: count for queue, count in depths().items() if count}
    assert not left, f"messages left behind: {left}"
