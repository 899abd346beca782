"""Queue: the stream the producer appends events to and the consumer reads.

Reading a stream removes nothing: any number of consumers read the same
events, each from where it chooses. (``import queue`` beside this file finds
it, not the standard library's module: give yours another name.)
"""
import contextlib

import pika
from pika import exceptions

import cli

# Retention: a week of events, at most 100 MB. A stream is a log kept in
# segment files; the oldest goes, whole, once either limit is passed.
STREAM = {"x-queue-type": "stream", "x-max-age": "7D",
          "x-max-length-bytes": 100_000_000,
          "x-stream-max-segment-size-bytes": 10_000_000}


class Queue:
    def __init__(self, queue):
        self.queue, self.connection = queue, None  # connect() is called on use

    def connect(self):
        # Declaring is idempotent; a stream is always durable, never exclusive.
        self.connection = pika.BlockingConnection(cli.parameters(self))
        self.channel = self.connection.channel()
        self.channel.queue_declare(self.queue, durable=True, arguments=STREAM)

    def send(self, event, filter_value=None):
        # A filter value travels in a header; RabbitMQ 3.13+ indexes it.
        cli.connect_if_needed(self)  # first, or again if a quiet spell lost it
        headers = {"x-stream-filter-value": filter_value} if filter_value else None
        self.channel.basic_publish("", self.queue, event.encode(),
                                   pika.BasicProperties(headers=headers))
        print(f"{event} sent", flush=True)

    def receive(self, offset, filter_value=None):
        # A stream sends nothing without a prefetch and manual acks; an ack
        # makes room for the next event and removes nothing.
        cli.connect_if_needed(self)
        self.channel.basic_qos(prefetch_count=100)
        arguments = {"x-stream-offset": offset}
        if filter_value:
            arguments["x-stream-filter"] = filter_value
        self.channel.basic_consume(self.queue, self.callback, arguments=arguments)
        print(f"Waiting for events in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.connection and self.connection.is_open:
            # RabbitMQ 3.x closes the connection on the unread events pika
            # hands back as it leaves (basic.reject): the stream keeps them.
            with contextlib.suppress(exceptions.ConnectionClosedByBroker):
                self.connection.close()
