#!/usr/bin/env python3
"""Routing consumer: print the messages sent with any of the given keys.

Run it with "python consumer.py blue", or "python consumer.py red green"
for both. Messages with other keys never reach it.
"""
import argparse

import cli
from exchange import Exchange
from keys import routing_key


class Consumer(Exchange):
    def __init__(self, keys):
        super().__init__(exchange="routing.colors", exchange_type="direct")
        self.keys = keys

    def connect(self):
        super().connect()
        self.bind(self.keys)

    def bind(self, keys):
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.queue = result.method.queue
        # One binding per key: the exchange gives this queue a message whose
        # routing key equals any of them.
        for key in keys:
            self.channel.queue_bind(queue=self.queue, exchange=self.exchange,
                                    routing_key=key)

    def callback(self, channel, method, properties, body):
        # Any bytes: what is not UTF-8 text is shown escaped, as in caf\xe9.
        print(f"{body.decode(errors='backslashreplace')} received", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("keys", nargs="+", type=routing_key, metavar="KEY",
                        help="routing keys to receive, such as blue")
    keys = parser.parse_args().keys
    with Consumer(keys) as consumer:
        consumer.receive()


if __name__ == "__main__":
    cli.run(main)
