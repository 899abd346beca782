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
    def __init__(self, offset, bookmark, wanted=None):
        super().__init__(queue="streams.events")
        self.offset, self.bookmark, self.wanted = offset, bookmark, wanted

    def receive(self):
        # After the last event processed, if any; the first time, at --offset.
        last = self.bookmark.last
        self.asked = self.offset if last is None else last + 1
        if self.bookmark.name:
            where = "at --offset" if last is None else f"after offset {last}"
            print(f"Reader {self.bookmark.name} starts {where} "
                  f"(kept in {self.bookmark.path})", flush=True)
        if isinstance(self.asked, int):
            # Asked for an offset past the end, RabbitMQ waits until it is
            # written: the first event appended from now on says where the
            # end is. Prefetch 1: it cancels itself before another comes.
            self.channel.basic_qos(prefetch_count=1)
            self.channel.basic_consume(self.queue, self.ends_at,
                                       arguments={"x-stream-offset": "next"})
        super().receive(self.asked, self.wanted)

    def ends_at(self, channel, method, properties, body):
        channel.basic_cancel(method.consumer_tag)
        channel.basic_ack(method.delivery_tag)
        end = properties.headers["x-stream-offset"]
        if self.asked is not None and end < self.asked:  # nothing read yet
            print(offsets.past_the_end(self.queue, self.asked, end), flush=True)
            for tag in channel.consumer_tags:  # read from the end instead
                channel.basic_cancel(tag)
            self.bookmark.last = self.asked = None
            channel.basic_consume(self.queue, self.callback,
                                  arguments={"x-stream-offset": end})

    def callback(self, channel, method, properties, body):
        headers = properties.headers or {}
        offset = headers["x-stream-offset"]  # where this event is in the stream
        self.asked = None  # reading: no longer past the end
        event = body.decode(errors="backslashreplace")  # any bytes, readably
        with offsets.uninterrupted():  # printed and kept, or neither
            if self.bookmark.last is not None and offset <= self.bookmark.last:
                pass  # read already: a chunk may start before the offset asked
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
