"""Queue: the producer and the workers share it.

It connects to RabbitMQ, declares the task queue and the queue where failed
tasks end up, sends tasks, and hands them to a worker. (Named queue.py after
the tutorial: beside it, ``import queue`` finds this file, not the standard
library's; give yours another name.)
"""
import pika
from pika import exceptions

import cli

DELIVERY_LIMIT = 3  # redeliveries before a task counts as poison
RETRY_DELAY_MS = 1000  # RabbitMQ 4.3 waits 1 s, then 2 s, 3 s... to retry


class Queue:
    def __init__(self, queue):
        self.queue = queue
        self.connect()

    def connect(self):
        self.connection = pika.BlockingConnection(cli.parameters())
        self.confirming = False
        try:
            self.channel = self.connection.channel()
            # A quorum queue keeps its tasks on disk, replicated on a
            # cluster. A task that fails DELIVERY_LIMIT times is moved to
            # the dead-letter queue, which the workers declare, instead of
            # being retried for ever.
            self.channel.queue_declare(queue=self.queue, durable=True, arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": f"{self.queue}.failed",
                # At least once: a failed task leaves only once the failed
                # queue has it, so a leader change cannot lose it on the way
                # (RabbitMQ requires reject-publish overflow for this).
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
                # A failed (rejected) task comes back after a growing delay,
                # so that what it needs (a database, an API) has time to
                # come back too. RabbitMQ 4.3 does this; 3.x ignores these
                # arguments and gives the task back at once.
                "x-delayed-retry-type": "failed",
                "x-delayed-retry-min": RETRY_DELAY_MS,
                "x-delayed-retry-max": 10 * RETRY_DELAY_MS,
            })
        except Exception:
            self.connection.close()  # refused: leave no connection open
            raise

    def send(self, task):
        self.ready_to_send()
        # Persistent: written to disk. Mandatory: a task that reaches no
        # queue is an error here, not silently dropped.
        self.channel.basic_publish(
            exchange="", routing_key=self.queue, body=task.encode(),
            properties=pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)
        print(f"{task} sent", flush=True)

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
        # No auto_ack: a task stays in the queue until the worker acks it.
        self.channel.basic_consume(self.queue, self.callback)
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
