"""Queue: the RPC client (producer) and server (consumer) share it.

It connects to RabbitMQ, declares the queue the requests go to, and hands
them to a server. (Named queue.py after the tutorial: beside it, ``import
queue`` finds this file, not the standard library's; give yours another
name.)
"""
import pika

import cli


class Queue:
    def __init__(self, queue):
        self.queue, self.connection = queue, None  # connect() is called on use

    def connect(self):
        # One TCP connection to the broker, and a channel inside it.
        self.connection = pika.BlockingConnection(cli.parameters(self))
        self.channel = self.connection.channel()
        # A quorum queue keeps requests safe on disk: a request that a
        # server was working on when it died goes to another server.
        self.channel.queue_declare(queue=self.queue, durable=True,
                                   arguments={"x-queue-type": "quorum"})

    def receive(self):
        cli.connect_if_needed(self)
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
        if self.connection and self.connection.is_open:
            self.connection.close()
