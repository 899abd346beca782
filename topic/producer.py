#!/usr/bin/env python3
"""Topic producer: send five messages with routing key ROUTING_KEY.

Run it as: python producer.py kern.critical
Consumers whose patterns match the key, such as python consumer.py 'kern.*',
receive them.
"""
import argparse
import sys
from datetime import datetime

import cli
from exchange import Exchange
from keys import topic_key


class Producer(Exchange):
    def __init__(self):
        super().__init__(exchange="topic.events", exchange_type="topic")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the broker has the
        # message, so "sent" means a queue took it (mandatory, in send).
        self.channel.confirm_delivery()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("key", type=topic_key, metavar="ROUTING_KEY",
                        help="words separated by dots, such as kern.critical")
    key = parser.parse_args().key
    now = datetime.now()
    with Producer() as producer:
        for i in range(5):
            producer.send(f"{i} {now} - Topic - {key}", routing_key=key)
    if producer.undelivered:
        sys.exit(1)


if __name__ == "__main__":
    cli.run(main)
