"""Queue: the RPC client (producer) and server (consumer) share it.

It connects to RabbitMQ, declares the queue the requests go to, and hands
them to a server. (Named queue.py after the tutorial: beside it, ``import
queue`` finds this file, not the standard library's; give yours another
name.)
"""
import pika
from pika import exceptions

import cli


class Queue:
    def __init__(self, queue):
        self.queue = queue
        self.connect()

    def connect(self):
        # One TCP connection to the broker, and a channel inside it.
        self.connection = pika.BlockingConnection(cli.parameters())
        self.confirming = False
        try:
            self.channel = self.connection.channel()
            # A quorum queue keeps requests safe on disk: a request that a
            # server was working on when it died goes to another server.
            self.channel.queue_declare(queue=self.queue, durable=True,
                                       arguments={"x-queue-type": "quorum"})
        except Exception:
            self.connection.close()  # refused: leave no connection open
            raise

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
        # No auto_ack: a request stays in the queue until it is answered.
        self.channel.basic_consume(self.queue, self.callback)
        print(f"Waiting for requests in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()

    def callback(self, channel, method, properties, body):
        raise NotImplementedError("a consumer says what to do with a message")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.connection.is_open:
            self.connection.close()
