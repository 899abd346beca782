#!/usr/bin/env python3
"""Streams producer: append events to the streams.events stream.

Run "python producer.py" for five events, or "python producer.py EVENT ...".
Each is printed "sent" once the broker has it. Consumers may start before
or after: the stream keeps the events for every one of them.
"""
import argparse
from datetime import datetime

import cli
from queue import Queue


class Producer(Queue):
    def __init__(self):
        super().__init__(queue="streams.events")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the broker has
        # written the event to the stream.
        self.channel.confirm_delivery()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("events", nargs="*", metavar="EVENT",
                        help="what to send (default: five numbered events)")
    parser.add_argument("--filter", metavar="VALUE",
                        help="send each event with this filter value, for "
                        "consumers that read with --filter")
    args = parser.parse_args()
    now = datetime.now()
    events = args.events or [f"{i} {now} - Streams - Hello World" for i in range(5)]
    with Producer() as producer:
        for event in events:
            producer.send(event, args.filter)


if __name__ == "__main__":
    cli.run(main)
