"""Queue: the producer and the consumer of the basic pattern share it.

It connects to RabbitMQ, declares the queue, and sends to it or receives
from it. (Named queue.py after the tutorial: beside it, ``import queue``
finds this file, not the standard library's; give yours another name.)
"""
import pika

import cli


class Queue:
    def __init__(self, queue):
        self.queue, self.connection = queue, None  # connect() is called on use

    def connect(self):
        # One TCP connection to the broker, and a channel inside it: every
        # AMQP command (declare, publish, consume) goes through a channel.
        self.connection = pika.BlockingConnection(cli.parameters(self))
        self.channel = self.connection.channel()
        # Declaring is idempotent: whoever starts first creates the queue.
        # Durable: the queue itself survives a broker restart.
        self.channel.queue_declare(queue=self.queue, durable=True)

    def send(self, message):
        cli.connect_if_needed(self)  # first, or again if a quiet spell lost it
        # The default exchange ("") hands a message to the queue named by
        # its routing key.
        self.channel.basic_publish(exchange="", routing_key=self.queue,
                                   body=message.encode())
        print(f"{message} sent", flush=True)

    def receive(self):
        cli.connect_if_needed(self)
        # pika calls self.callback for each message; auto_ack: the broker
        # forgets a message as soon as it has sent it.
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
