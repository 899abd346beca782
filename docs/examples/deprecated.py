#!/usr/bin/env python3
"""Three things older tutorials do, tried on the broker at AMQP_URL.

Run it with ``python deprecated.py`` against RabbitMQ 3.x and 4.x and compare.
Each attempt gets a connection of its own: the broker closes the channel when
it refuses something, and for some refusals the whole connection.
"""
import os

import pika
from pika import exceptions

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")


def transient_queue(channel):
    # Not durable, not exclusive: deprecated since RabbitMQ 4.0, refused by
    # default since 4.3 (Debian's package still permits it).
    channel.queue_declare("deprecated.transient")
    return "accepted"


def global_prefetch(channel):
    # One unacked message for the whole channel, shared by two consumers.
    for queue in ("deprecated.a", "deprecated.b"):
        channel.queue_declare(queue, durable=True)
        channel.basic_publish("", queue, b"task")
    channel.basic_qos(prefetch_count=1, global_qos=True)
    unacked = []
    for queue in ("deprecated.a", "deprecated.b"):
        channel.basic_consume(queue, lambda *delivery: unacked.append(delivery))
    channel.connection.process_data_events(time_limit=1)
    return f"accepted, {len(unacked)} unacked deliveries with a limit of 1"


def other_queue_type(channel):
    # A classic queue of this name exists; this asks for a quorum queue.
    channel.queue_declare("deprecated.classic", durable=True,
                          arguments={"x-queue-type": "quorum"})
    return "accepted"


def connect():
    return pika.BlockingConnection(pika.URLParameters(AMQP_URL))


with connect() as connection:
    connection.channel().queue_declare("deprecated.classic", durable=True)
for attempt in (transient_queue, global_prefetch, other_queue_type):
    with connect() as connection:
        try:
            print(f"{attempt.__name__}: {attempt(connection.channel())}")
        except exceptions.ChannelClosedByBroker as error:
            print(f"{attempt.__name__}: refused, {error.reply_code} {error.reply_text}")
        except exceptions.ConnectionClosedByBroker as error:
            print(f"{attempt.__name__}: refused, connection closed, "
                  f"{error.reply_code} {error.reply_text}")
with connect() as connection:
    channel = connection.channel()
    for queue in ("transient", "a", "b", "classic"):
        channel.queue_delete(f"deprecated.{queue}")
