#!/usr/bin/env python3
"""Basic consumer: print every greeting that arrives in basic.greetings.

Run it as "python consumer.py" and stop it with Ctrl+C. Messages sent while
it was not running wait in the queue and arrive when it starts.
"""
import argparse

import cli
from queue import Queue


class Consumer(Queue):
    def __init__(self):
        super().__init__(queue="basic.greetings")

    def callback(self, channel, method, properties, body):
        # Any bytes: what is not UTF-8 text is shown escaped, as in caf\xe9.
        print(f"{body.decode(errors='backslashreplace')} received", flush=True)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    with Consumer() as consumer:
        consumer.receive()


if __name__ == "__main__":
    cli.run(main)
