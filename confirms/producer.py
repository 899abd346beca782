#!/usr/bin/env python3
"""Confirms producer: publish numbered messages to confirms.messages, each
counted only once RabbitMQ has confirmed it.

Run it as "python producer.py --strategy async --count 50000"; without
--strategy it runs the three strategies in turn, on the same count.
"""
import collections
import functools
import itertools
import time

import pika

import cli
import plumbing
from queue import Queue

RETRIES, PAUSE = 3, 0.5  # a nacked message: sent 3 more times, 0.5 s apart
PERSISTENT = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)


class Producer(Queue):
    def __init__(self, strategy, count, size):
        super().__init__(queue="confirms.messages")
        self.strategy, self.count, self.size = strategy, count, size
        # Each message carries its number: its body is one of a kind.
        self.messages = (f"{strategy} {number}" for number in range(count))
        self.again = collections.deque()  # to publish again, before the rest
        self.outstanding, self.tries, self.pausing = {}, collections.Counter(), 0
        self.confirmed, self.refused, self.returned = 0, [], set()
        self.started, self.reconnecting = None, plumbing.Reconnecting()

    @plumbing.called_by_pika
    def ready(self):
        channel = self.channel
        # Confirm mode: the broker numbers what this channel publishes 1, 2,
        # 3... and acks (or nacks) each. outstanding: {number: message}.
        channel.confirm_delivery(self.confirm)
        channel.add_on_return_callback(self.unroutable)
        self.tag, self.outstanding = 0, {}
        self.started = self.started or time.monotonic()
        self.reconnecting.connected()
        self.publish()

    def publish(self):
        # Individually (batches of one) and in batches: nothing more until
        # all that was sent is confirmed. Asynchronously: keep the window full.
        if self.strategy != "async" and self.outstanding:
            return
        while len(self.outstanding) < self.size:
            message = self.again.popleft() if self.again else next(self.messages, None)
            if message is None:
                break
            self.tag += 1
            self.outstanding[self.tag] = message
            self.channel.basic_publish("", self.queue, message.encode(),
                                       PERSISTENT, mandatory=True)
        if not (self.outstanding or self.again or self.pausing):
            self.connection.close()  # every message is confirmed or refused

    @plumbing.called_by_pika
    def confirm(self, frame):
        # An ack (or a nack) with multiple: every message up to this one.
        answer, tag = frame.method, frame.method.delivery_tag
        tags = (list(itertools.takewhile(tag.__ge__, self.outstanding))
                if answer.multiple else [tag])
        for message in map(self.outstanding.pop, tags):
            if isinstance(answer, pika.spec.Basic.Nack):
                self.nacked(message)
            elif message not in self.returned:  # acked, but in no queue
                self.confirmed += 1
        self.publish()

    def nacked(self, message):
        # Refused (the queue is full, say): publish it again later, or give up.
        self.tries[message] += 1
        if self.tries[message] > RETRIES:
            return self.refused.append(message)
        self.pausing += 1
        resend = functools.partial(self.resend, message)
        self.ioloop.call_later(PAUSE, resend)

    def resend(self, message):
        self.pausing -= 1
        self.again.append(message)
        if self.channel.is_open:  # else ready() publishes it, once reconnected
            self.publish()

    @plumbing.called_by_pika
    def unroutable(self, channel, method, properties, body):
        self.returned.add(body.decode())  # mandatory: returned, then acked

    def closed(self, connection, error):
        if self.leaving or self.started is None or not plumbing.lost(error):
            return super().closed(connection, error)
        # Lost, with what the broker had not confirmed: publish that again,
        # first. The broker may have had some of it: those come twice.
        self.again.extendleft(reversed(self.outstanding.values()))
        self.outstanding = {}
        self.ioloop.call_later(self.reconnecting.next_delay(error), self.connect)


def main():
    args = plumbing.arguments(__doc__)
    for strategy in args.strategies:
        with Producer(strategy, args.count, args.sizes[strategy]) as producer:
            with plumbing.stopped(producer):  # Ctrl+C: says how many
                producer.run()
        plumbing.report(producer)


if __name__ == "__main__":
    cli.run(main)
