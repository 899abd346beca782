#!/usr/bin/env python3
"""Topic consumer: print the messages whose routing key matches a pattern.

Run it as: python consumer.py 'kern.*'
or, with two patterns: python consumer.py '#.critical' 'kern.#'
* matches exactly one word, # zero or more. Quote the patterns: the shell
expands * and takes # as the start of a comment.
"""
import argparse

import cli
from exchange import Exchange
from keys import binding_pattern


class Consumer(Exchange):
    def __init__(self, patterns):
        super().__init__(exchange="topic.events", exchange_type="topic")
        self.patterns = patterns

    def connect(self):
        super().connect()
        self.bind(self.patterns)

    def bind(self, patterns):
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.queue = result.method.queue
        # A message that matches several patterns still arrives only once:
        # the exchange delivers at most one copy to each queue.
        for pattern in patterns:
            self.channel.queue_bind(queue=self.queue, exchange=self.exchange,
                                    routing_key=pattern)

    def callback(self, channel, method, properties, body):
        # Any bytes: what is not UTF-8 text is shown escaped, as in caf\xe9.
        print(f"{body.decode(errors='backslashreplace')} received", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("patterns", nargs="+", type=binding_pattern,
                        metavar="PATTERN", help="binding patterns, such as kern.*")
    patterns = parser.parse_args().patterns
    with Consumer(patterns) as consumer:
        consumer.receive()


if __name__ == "__main__":
    cli.run(main)
