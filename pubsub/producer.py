#!/usr/bin/env python3
"""Pub/Sub producer: publish five messages to the pubsub.broadcast exchange.

Run it with "python producer.py" while one or more "python consumer.py"
run in other terminals: each of them gets every message. With no consumer
running, the messages go nowhere, and it says so.
"""
import argparse
import sys
from datetime import datetime

import cli
from exchange import Exchange


class Producer(Exchange):
    def __init__(self):
        super().__init__(exchange="pubsub.broadcast", exchange_type="fanout")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the broker has the
        # message, so "sent" means a queue took it (mandatory, in send).
        self.channel.confirm_delivery()


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    now = datetime.now()
    with Producer() as producer:
        for i in range(5):
            producer.send(f"{i} {now} - Pub/Sub - Hello World")
    if producer.undelivered:
        sys.exit(1)


if __name__ == "__main__":
    cli.run(main)
