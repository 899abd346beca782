"""Where a stream reader starts, and how a named reader keeps its place.

consumer.py's plumbing: --offset read as what x-stream-offset takes, --name
as a Bookmark kept in a file, and reading from the end when asked past it.
"""
import argparse
import contextlib
import os
import re
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:  # a lock the system lets go of when the process ends, even by kill -9
    from fcntl import LOCK_EX, LOCK_NB, flock

    def lock(fd):
        flock(fd, LOCK_EX | LOCK_NB)
except ImportError:  # Windows: lock the file's first byte
    from msvcrt import LK_NBLCK, locking

    def lock(fd):
        locking(fd, LK_NBLCK, 1)

AGO = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# Windows keeps these names for devices, whatever follows the dot.
DEVICES = {"con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt")
                                          for n in range(1, 10))}


def offset(text):
    """An argparse type: first, last, next, an offset, or a time ago (10m)."""
    if text in ("first", "last", "next"):
        return text
    if re.fullmatch(r"[-+]?\d+", text):
        if int(text) < 0:
            raise argparse.ArgumentTypeError(
                f"{text} is negative: offsets count events from 0")
        return int(text)
    if ago := re.fullmatch(r"(\d+)([smhd])", text):
        # A point in time, sent as an AMQP timestamp (whole seconds, UTC).
        return datetime.now(timezone.utc) - timedelta(**{AGO[ago[2]]: int(ago[1])})
    raise argparse.ArgumentTypeError(
        f"{text!r}: use first, last, next, an offset such as 42, or a time "
        "ago such as 30s, 10m, 2h or 1d")


class Bookmark:
    """The offset of the last event processed: in memory, and for a named
    reader in NAME.offset in the current folder too, so that it survives
    the reader. As an argparse type, it checks the name, locks NAME.lock for
    the reader's life (one reader per name) and reads the file."""

    def __init__(self, name=None):
        self.name, self.last, self.path = name, None, None
        if name is None:
            return
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name) or (
                name.lower() in DEVICES):
            raise argparse.ArgumentTypeError(
                f"{name!r}: a name is a word of letters, digits, - and _ "
                "that names a file on every system: NAME.offset")
        self.path, held = Path(f"{name}.offset"), Path(f"{name}.lock")
        try:
            self.held = os.open(held, os.O_RDWR | os.O_CREAT)
        except OSError as error:
            raise argparse.ArgumentTypeError(f"cannot open {held}: {error}") from None
        try:
            lock(self.held)
        except OSError:  # two readers would each print every event
            raise argparse.ArgumentTypeError(
                f"a reader named {name} runs in this folder already (it holds "
                f"{held}): stop it first, or choose another name") from None
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return  # a reader's first run
        except (OSError, UnicodeDecodeError) as error:
            raise argparse.ArgumentTypeError(
                f"cannot read {self.path}: {error}") from None
        if not (text.isascii() and text.isdigit()):
            raise argparse.ArgumentTypeError(
                f"{self.path} holds {text[:20]!r}, not an offset: delete it "
                "to read from --offset again")
        self.last = int(text)

    def say_where(self):
        if self.name:
            where = ("at --offset" if self.last is None
                     else f"after offset {self.last}")
            print(f"Reader {self.name} starts {where} (kept in {self.path})",
                  flush=True)

    def keep(self, offset):
        if self.last is not None and offset <= self.last:
            return  # read already: the bookmark never moves back
        self.last = offset
        if self.path:
            # Written aside, then renamed: a kill leaves the old file or the
            # new one, never half of one.
            aside = self.path.with_name(self.path.name + ".new")
            aside.write_text(f"{offset}\n")
            os.replace(aside, self.path)


@contextlib.contextmanager
def uninterrupted():
    """Hold Ctrl+C and SIGTERM back until the block is done: an event is
    printed and its offset kept, or neither."""
    held = []
    kept = {number: signal.signal(number, lambda *caught: held.append(caught))
            for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
        for number, frame in held[:1]:
            if callable(kept[number]):
                kept[number](number, frame)


def watch_the_end(consumer):
    """Asked for an offset past the end, RabbitMQ waits until it is written.
    Read from the end instead, and say so: the first event appended from now
    on (x-stream-offset "next") says where the end is. Prefetch 1: the
    watcher cancels itself before another event comes."""
    def ends_at(channel, method, properties, body):
        channel.basic_cancel(method.consumer_tag)
        channel.basic_ack(method.delivery_tag)
        end = properties.headers["x-stream-offset"]
        if consumer.asked is not None and end < consumer.asked:  # none read yet
            print(f"Offset {consumer.asked} is past the end of {consumer.queue}: "
                  f"reading from the next event, at offset {end}", flush=True)
            for tag in channel.consumer_tags:  # the reader waiting for it
                channel.basic_cancel(tag)
            consumer.bookmark.last = consumer.asked = None
            channel.basic_consume(consumer.queue, consumer.callback,
                                  arguments={"x-stream-offset": end})

    consumer.channel.basic_qos(prefetch_count=1)
    consumer.channel.basic_consume(consumer.queue, ends_at,
                                   arguments={"x-stream-offset": "next"})

