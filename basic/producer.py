#!/usr/bin/env python3
"""Basic producer: send five greetings to the basic.greetings queue.

Run it as "python producer.py"; start "python consumer.py" in another
terminal, before or after, to receive them.
"""
import argparse
from datetime import datetime

import cli
from queue import Queue


class Producer(Queue):
    def __init__(self):
        super().__init__(queue="basic.greetings")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the broker has the
        # message, so "sent" means the broker took it.
        self.channel.confirm_delivery()


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    now = datetime.now()
    with Producer() as producer:
        for i in range(5):
            producer.send(f"{i} {now} - Basic - Hello World")


if __name__ == "__main__":
    cli.run(main)
