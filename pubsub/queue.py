"""Queue: the connection, and the consuming end of a queue.

Exchange builds on it. The consumer declares a queue of its own and binds it
to the exchange; this class consumes from it. (Named queue.py after the
tutorial: beside it, ``import queue`` finds this file, not the standard
library's; give yours another name.)
"""
import pika

import cli


class Queue:
    def __init__(self):
        self.queue = None  # a consumer declares its own
        self.connection = None  # connect() is called on use

    def connect(self):
        # One TCP connection to the broker, and a channel inside it: every
        # AMQP command goes through a channel.
        self.connection = pika.BlockingConnection(cli.parameters(self))
        self.channel = self.connection.channel()

    def receive(self):
        cli.connect_if_needed(self)  # the consumer declares its queue there
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
        if self.connection and self.connection.is_open:
            self.connection.close()
