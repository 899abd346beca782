#!/usr/bin/env python3
"""Routing producer: send five messages with routing key KEY.

Run it with "python producer.py blue". Only consumers bound with that key,
such as "python consumer.py blue", receive them.
"""
import argparse
import sys
from datetime import datetime

import cli
from exchange import Exchange
from keys import routing_key


class Producer(Exchange):
    def __init__(self):
        super().__init__(exchange="routing.colors", exchange_type="direct")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the broker has the
        # message, so "sent" means a queue took it (mandatory, in send).
        self.channel.confirm_delivery()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("key", type=routing_key, metavar="KEY",
                        help="the routing key, such as blue")
    key = parser.parse_args().key
    now = datetime.now()
    with Producer() as producer:
        for i in range(5):
            producer.send(f"{i} {now} - Routing - {key}", routing_key=key)
    if producer.undelivered:
        sys.exit(1)


if __name__ == "__main__":
    cli.run(main)
