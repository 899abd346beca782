"""Exchange: where producers publish; it copies each message to its queues.

The exchange, not the producer, decides which queues get a message: a topic
exchange matches the message's routing key, words separated by dots, against
each queue's binding pattern, where * stands for exactly one word and # for
zero or more.
"""
import argparse

from pika import exceptions

from queue import Queue


class Exchange(Queue):
    def __init__(self, exchange, exchange_type):
        super().__init__()
        self.channel.exchange_declare(exchange=exchange,
                                      exchange_type=exchange_type, durable=True)
        self.exchange = exchange
        self.undelivered = 0

    def send(self, message, routing_key=""):
        """Publish; say "sent" if a queue took it, "not delivered" if none did."""
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


def words(text, what):
    if not text or len(text.encode()) > 255:
        raise argparse.ArgumentTypeError(f"{text!r}: a {what} needs 1 to 255 bytes")
    if "" in text.split("."):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a {what} is words separated by single dots")
    return text.split(".")


def routing_key(text):
    """An argparse type: a key such as kern.critical, with no wildcards."""
    if {"*", "#"} & set(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: * and # are for binding patterns, not routing keys")
    words(text, "routing key")
    return text


def binding_pattern(text):
    """An argparse type: a pattern such as kern.* or #.critical."""
    for word in words(text, "binding pattern"):
        # The broker treats "kern*" as the literal word "kern*": say so.
        if word not in ("*", "#") and {"*", "#"} & set(word):
            raise argparse.ArgumentTypeError(
                f"{text!r}: * and # must stand alone between dots, as in kern.*")
    return text
