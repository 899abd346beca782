#!/usr/bin/env python3
"""Confirms producer: publish --count numbered messages to confirms.messages,
each counted only once RabbitMQ has confirmed it.

Run it as "python producer.py --strategy async --count 50000"; without
--strategy it runs the three strategies in turn, on the same count.
"""
import argparse
import collections
import itertools
import time

import pika

import cli
import plumbing
from queue import Queue

RETRIES, PAUSE = 3, 0.5  # a refused (nacked) message: sent 3 more times, 0.5 s apart


class Producer(Queue):
    def __init__(self, strategy, count, size):
        super().__init__(queue="confirms.messages")
        self.strategy, self.count, self.size = strategy, count, size
        self.numbers = iter(range(count))  # each body carries its number
        self.again = collections.deque()  # to send again, before the rest
        self.confirmed, self.refused, self.returned = 0, [], set()
        self.tries, self.pausing = collections.Counter(), 0
        self.outstanding, self.started = {}, None
        self.reconnecting = plumbing.Reconnecting()

    def ready(self, frame):
        # Each connection: a new channel in confirm mode. The broker numbers
        # what it publishes 1, 2, 3...; outstanding: {number: message}.
        self.channel.confirm_delivery(self.confirm)
        self.channel.add_on_return_callback(self.unroutable)
        self.tag, self.outstanding = 0, {}
        self.started = self.started or time.monotonic()
        self.reconnecting.connected()
        self.publish()

    def publish(self):
        # Individually (batches of one) and in batches: nothing more until
        # all that was sent is confirmed. Asynchronously: keep the window full.
        if self.strategy != "async" and self.outstanding:
            return
        while len(self.outstanding) < self.size and (message := self.next()):
            self.tag += 1
            self.outstanding[self.tag] = message
            self.channel.basic_publish(
                "", self.queue, message.encode(), mandatory=True,
                properties=pika.BasicProperties(delivery_mode=2))
        if not (self.outstanding or self.again or self.pausing):
            self.connection.close()  # every message is confirmed or refused

    def next(self):
        if self.again:
            return self.again.popleft()
        number = next(self.numbers, None)
        return None if number is None else f"{self.strategy} {number}"

    def confirm(self, frame):
        # An ack (or a nack) with multiple: every message up to this one.
        answer, tag = frame.method, frame.method.delivery_tag
        tags = (list(itertools.takewhile(tag.__ge__, self.outstanding))
                if answer.multiple else [tag])
        for message in map(self.outstanding.pop, tags):
            if isinstance(answer, pika.spec.Basic.Nack):
                self.nacked(message)
            elif message not in self.returned:  # acked, returned: in no queue
                self.confirmed += 1
        self.publish()

    def nacked(self, message):
        self.tries[message] += 1
        if self.tries[message] > RETRIES:
            self.refused.append(message)
            return
        self.pausing += 1
        self.connection.ioloop.call_later(PAUSE, lambda: self.resend(message))

    def resend(self, message):
        self.pausing -= 1
        self.again.append(message)
        if self.connection.is_open and self.channel.is_open:
            self.publish()

    def unroutable(self, channel, method, properties, body):
        self.returned.add(body.decode())  # its ack follows

    def closed(self, connection, error):
        if not plumbing.lost(error) or self.started is None:
            return super().closed(connection, error)
        # Lost, and with it what the broker had not confirmed: send it again,
        # first. The broker may have had some of it: those come twice.
        self.again.extendleft(reversed(self.outstanding.values()))
        self.outstanding = {}
        connection.ioloop.call_later(self.reconnecting.next_delay(error),
                                     lambda: self.connect(connection.ioloop))


ADVERBS = {"individually": "individually", "batches": "in batches",
           "async": "asynchronously"}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", choices=ADVERBS,
                        help="how to wait for confirms (default: each in turn)")
    parser.add_argument("--count", type=plumbing.positive, default=10_000,
                        help="how many messages to publish (default 10,000)")
    parser.add_argument("--batch-size", type=plumbing.positive, default=100,
                        help="batches: messages published, then confirmed (100)")
    parser.add_argument("--window", type=plumbing.positive, default=1000,
                        help="async: messages unconfirmed at most (default 1,000)")
    args = parser.parse_args()
    sizes = {"individually": 1, "batches": args.batch_size, "async": args.window}
    for strategy in [args.strategy] if args.strategy else ADVERBS:
        with Producer(strategy, args.count, sizes[strategy]) as producer:
            try:
                producer.run()
            except KeyboardInterrupt:
                print(f"Stopped: {producer.confirmed:,} of {args.count:,} "
                      f"messages confirmed {ADVERBS[strategy]}", flush=True)
                raise
        plumbing.report(producer, ADVERBS[strategy])


if __name__ == "__main__":
    cli.run(main)
