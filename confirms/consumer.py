#!/usr/bin/env python3
"""Confirms consumer: print every message that arrives in confirms.messages.

Run it as "python consumer.py" and stop it with Ctrl+C. What the producer
published while it was not running waits in the queue, confirmed.
"""
import argparse

import cli
import plumbing
from queue import Queue


class Consumer(Queue):
    def __init__(self):
        super().__init__(queue="confirms.messages")

    @plumbing.called_by_pika
    def ready(self):
        # auto_ack: the broker forgets a message once it has sent it. This
        # pattern is about the other end: the producer's confirms.
        self.channel.basic_consume(self.queue, self.callback, auto_ack=True,
                              callback=self.consuming)

    @plumbing.called_by_pika
    def consuming(self, frame):
        print(f"Waiting for messages in {self.queue}. To exit press CTRL+C",
              flush=True)

    @plumbing.called_by_pika
    def callback(self, channel, method, properties, body):
        # Any bytes: what is not UTF-8 text is shown escaped, as in caf\xe9.
        print(f"{body.decode(errors='backslashreplace')} received", flush=True)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    with Consumer() as consumer:
        consumer.run()


if __name__ == "__main__":
    cli.run(main)
