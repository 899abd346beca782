"""Exchange: where producers publish; it copies each message to its queues.

The exchange, not the producer, decides which queues get a message: a fanout
exchange gives every bound queue a copy.
"""
from pika import exceptions

import cli
from queue import Queue


class Exchange(Queue):
    def __init__(self, exchange, exchange_type):
        super().__init__()
        self.exchange, self.exchange_type = exchange, exchange_type
        self.undelivered = 0

    def connect(self):
        super().connect()
        # Durable: the exchange and its type survive a broker restart.
        self.channel.exchange_declare(exchange=self.exchange,
                                      exchange_type=self.exchange_type,
                                      durable=True)

    def send(self, message, routing_key=""):
        """Publish; say "sent" if a queue took it, "not delivered" if none did."""
        cli.connect_if_needed(self)  # first, or again if a quiet spell lost it
        try:
            # mandatory: the broker returns a message no queue is bound for,
            # instead of dropping it without a word.
            self.channel.basic_publish(self.exchange, routing_key,
                                       message.encode(), mandatory=True)
        except exceptions.UnroutableError:
            self.undelivered += 1
            print(f"{message} not delivered: no queue is bound for it",
                  flush=True)
        else:
            print(f"{message} sent", flush=True)
