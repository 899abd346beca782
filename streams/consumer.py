#!/usr/bin/env python3
"""Streams consumer: print the events of streams.events from a point you choose.

"python consumer.py" reads the events sent from now on; "--offset first"
every event the stream keeps. "--name NAME" makes a reader that remembers:
run again, it goes on after the last event it processed. Ctrl+C to stop.
"""
import argparse
import functools

import cli
import offsets
from queue import Queue


class Consumer(Queue):
    # What cli.serve says when RabbitMQ cancels a reader of a stream that is
    # still there (a stream has no consumer timeout): then it reads on.
    CANCELLED = ("RabbitMQ cancelled the reader: a node of the stream went down, or "
                 "its leader moved")

    def __init__(self, offset, bookmark, wanted=None):
        super().__init__(queue="streams.events")
        self.offset, self.bookmark, self.wanted = offset, bookmark, wanted

    def receive(self):
        # After the last event processed, if any; the first time, at --offset.
        last = self.bookmark.last
        self.asked = self.offset if last is None else last + 1
        self.bookmark.say_where()
        if isinstance(self.asked, int):
            offsets.watch_the_end(self)  # past it, read from there instead
        super().receive(self.asked, self.wanted)

    def callback(self, channel, method, properties, body):
        headers = properties.headers or {}
        offset = headers["x-stream-offset"]  # where this event is in the stream
        self.asked = None  # reading, so not past the end
        event = body.decode(errors="backslashreplace")  # any bytes, readably
        with offsets.uninterrupted():  # printed and kept, or neither
            if self.bookmark.last is not None and offset <= self.bookmark.last:
                pass  # read already (after a change of offset, see offsets.py)
            elif self.wanted and headers.get("x-stream-filter-value") != self.wanted:
                # The broker's filter lets through whole chunks, and RabbitMQ
                # before 3.13 has none: check each event.
                print(f"[{offset}] {event} skipped", flush=True)
            else:
                print(f"[{offset}] {event} received", flush=True)
            self.bookmark.keep(offset)
        channel.basic_ack(method.delivery_tag)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offset", type=offsets.offset, default="next",
                        help="where to start: first, last, next (the default), "
                        "an offset such as 42, or a time ago: 30s, 10m, 2h, 1d")
    parser.add_argument("--name", type=offsets.Bookmark,
                        help="a reader that remembers: keeps the offset of the "
                        "last event it processed in NAME.offset, here")
    parser.add_argument("--filter", metavar="VALUE",
                        help="only the events sent with this filter value")
    args = parser.parse_args()
    bookmark = args.name or offsets.Bookmark()
    cli.serve(functools.partial(Consumer, args.offset, bookmark, args.filter))


if __name__ == "__main__":
    cli.run(main)
