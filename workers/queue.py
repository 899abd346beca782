"""Queue: the producer and the workers share it. It declares the task queue
and where failed tasks end up, sends tasks, and hands them to a worker."""
import pika

import cli

DELIVERY_LIMIT = 3  # redeliveries before a task counts as poison
RETRY_DELAY_MS = 1000  # RabbitMQ 4.3 waits 1 s, then 2 s, 3 s... to retry


class Queue:
    def __init__(self, queue):
        self.queue, self.connection = queue, None  # connect() is called on use

    def connect(self):
        self.connection = pika.BlockingConnection(cli.parameters(self))
        self.channel = self.connection.channel()
        # Quorum: on disk, replicated on a cluster. A task that fails more than
        # DELIVERY_LIMIT times goes to the failed queue, not round for ever.
        self.channel.queue_declare(queue=self.queue, durable=True, arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": f"{self.queue}.failed",
            # At least once: a failed task leaves only once the failed queue
            # has it (RabbitMQ requires reject-publish overflow for this).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            # A failed task comes back after a growing delay, so that what it
            # needs can come back too (RabbitMQ 4.3; 3.x retries at once).
            "x-delayed-retry-type": "failed",
            "x-delayed-retry-min": RETRY_DELAY_MS,
            "x-delayed-retry-max": 10 * RETRY_DELAY_MS,
        })

    def send(self, task):
        cli.connect_if_needed(self)  # first, or again if a quiet spell lost it
        # Persistent: written to disk. Mandatory: a task that reaches no
        # queue is an error here, not silently dropped.
        self.channel.basic_publish(
            exchange="", routing_key=self.queue, body=task.encode(),
            properties=pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)
        print(f"{task} sent", flush=True)

    def receive(self):
        cli.connect_if_needed(self)
        # No auto_ack: a task stays in the queue until the worker acks it.
        self.channel.basic_consume(self.queue, self.callback)
        print(f"Waiting for messages in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.connection and self.connection.is_open:
            self.connection.close()
