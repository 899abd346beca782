"""Queue: the connection, and the consuming end of a queue.

Exchange builds on it. The consumer declares a queue of its own and binds it
to the exchange; this class consumes from it. (Named queue.py after the
tutorial: beside it, ``import queue`` finds this file, not the standard
library's; give yours another name.)
"""
import pika
from pika import exceptions

import cli


class Queue:
    def __init__(self):
        self.queue = None  # a consumer declares its own
        self.connect()

    def connect(self):
        # One TCP connection to the broker, and a channel inside it: every
        # AMQP command goes through a channel.
        self.connection = pika.BlockingConnection(cli.parameters())
        self.confirming = False
        self.channel = self.connection.channel()

    def ready_to_send(self):
        # pika answers the broker's heartbeats only while it is called: a
        # producer kept idle past the heartbeat timeout finds its connection
        # closed. Look before publishing, and connect again if it is (or if
        # the broker was away when it last tried).
        if self.connection.is_open:
            try:
                self.connection.process_data_events()
            except exceptions.AMQPConnectionError:
                pass  # closed: connect again, below
        if not self.connection.is_open:
            self.connect()
        if not self.confirming:
            # Publisher confirms: basic_publish returns once the broker has
            # the message, so "sent" means the broker took it. Turned on by
            # the first send: a consumer, which sends nothing, goes without.
            self.channel.confirm_delivery()
            self.confirming = True

    def receive(self):
        # pika calls self.callback for each message that reaches the queue.
        self.channel.basic_consume(self.queue, self.callback, auto_ack=True)
        print(f"Waiting for messages in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()

    def callback(self, channel, method, properties, body):
        raise NotImplementedError("a consumer says what to do with a message")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.connection.is_open:
            self.connection.close()
