#!/usr/bin/env python3
"""Pub/Sub consumer: print every message published to pubsub.broadcast.

Run as many as you like with "python consumer.py": each binds a queue of
its own, so each receives every message published while it runs.
"""
import argparse

import cli
from exchange import Exchange


class Consumer(Exchange):
    def __init__(self):
        super().__init__(exchange="pubsub.broadcast", exchange_type="fanout")

    def connect(self):
        super().connect()
        self.bind()

    def bind(self):
        # A queue of our own: the server names it, and it is deleted when we
        # disconnect, so a stopped subscriber leaves nothing to pile up.
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.queue = result.method.queue
        self.channel.queue_bind(queue=self.queue, exchange=self.exchange)

    def callback(self, channel, method, properties, body):
        # Any bytes: what is not UTF-8 text is shown escaped, as in caf\xe9.
        print(f"{body.decode(errors='backslashreplace')} received", flush=True)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    with Consumer() as consumer:
        consumer.receive()


if __name__ == "__main__":
    cli.run(main)
