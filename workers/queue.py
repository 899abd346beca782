"""Queue: the producer and the workers share it.

It connects to RabbitMQ, declares the task queue and the queue where failed
tasks end up, sends tasks, and hands them to a worker. (Named queue.py after
the tutorial: beside it, ``import queue`` finds this file, not the standard
library's; give yours another name.)
"""
import pika

import cli

DELIVERY_LIMIT = 3  # redeliveries before a task counts as poison


class Queue:
    def __init__(self, queue):
        self.connection = pika.BlockingConnection(cli.parameters())
        try:
            self.channel = self.connection.channel()
            # Publisher confirms: "sent" means the broker has the task.
            self.channel.confirm_delivery()
            # A quorum queue keeps its tasks on disk, replicated on a
            # cluster. A task that fails DELIVERY_LIMIT times is moved to
            # the dead-letter queue, which the workers declare, instead of
            # being retried for ever.
            self.channel.queue_declare(queue=queue, durable=True, arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": f"{queue}.failed",
                # At least once: a failed task leaves only once the failed
                # queue has it, so a leader change cannot lose it on the way
                # (RabbitMQ requires reject-publish overflow for this).
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            })
        except Exception:
            self.connection.close()  # refused: leave no connection open
            raise
        self.queue = queue

    def send(self, task):
        # Persistent: written to disk. Mandatory: a task that reaches no
        # queue is an error here, not silently dropped.
        self.channel.basic_publish(
            exchange="", routing_key=self.queue, body=task.encode(),
            properties=pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)
        print(f"{task} sent", flush=True)

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
