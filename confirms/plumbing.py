"""The plumbing of this folder: what is not the lesson.

What keeps the SelectConnection of this folder a well-behaved command-line
tool, as cli.py does for the BlockingConnection of the others: a bug in a
method pika calls back ends the script with its traceback, a lost connection
is made again after a growing delay, and the producer's results are one line
each.
"""
import argparse
import contextlib
import functools
import random
import sys
import time

from pika import exceptions
from pika.adapters import select_connection
from pika.adapters.utils import connection_workflow as workflow

import cli

IOLoop = select_connection.IOLoop  # what SelectConnection runs on: one per Queue


def why(failed):
    """Why no node of AMQP_URL took the connection: the last one's error, as
    BlockingConnection raises it (cli.explain says it in one line)."""
    error = failed.exceptions[-1]
    if isinstance(error, workflow.AMQPConnectorSocketConnectError):
        return exceptions.AMQPConnectionError(error)
    if isinstance(error, workflow.AMQPConnectorPhaseErrorBase):
        return error.exception
    return error


def called_by_pika(method):
    """For a method pika calls back. pika would take an exception raised in it
    for a lost connection, and the script would connect and publish again: a
    bug that repeats. Keep it instead and stop the I/O loop: run() raises it."""
    @functools.wraps(method)
    def call(queue, *args):
        if getattr(queue, "bug", None) is None:  # after a bug, nothing more
            try:
                return method(queue, *args)
            except Exception as error:
                queue.bug = error
                queue.ioloop.stop()
    return call


def raise_what_ended(queue):
    """After the I/O loop: a bug in a method pika called, with its traceback;
    or what closed the connection, unless the script closed it."""
    if getattr(queue, "bug", None) is not None:
        raise RuntimeError("a method pika called back raised an exception (the "
                           "traceback above): a bug in this script") from queue.bug
    if not isinstance(queue.error, exceptions.ConnectionClosedByClient):
        raise queue.error


def lost(error):
    """True if connecting again may mend error (the broker away, the network
    down, a handshake cut short); False for a refusal, which it cannot."""
    return isinstance(error, cli.BROKER) and not cli.refused(error) and not (
        isinstance(error, (exceptions.ConnectionBlockedTimeout,
                           exceptions.ConnectionClosedByClient)))


class Reconnecting:
    """The delays before each attempt to connect again, as cli.serve waits
    them (1 s, doubling to 30 s, give or take 20 %) and tells them."""

    def __init__(self):
        self.delay = None

    def next_delay(self, error):
        self.delay = min(2 * self.delay, cli.LAST_DELAY) if self.delay else (
            cli.FIRST_DELAY)
        wait = self.delay * random.uniform(1 - cli.JITTER, 1 + cli.JITTER)
        print(f"{cli.explain(error)}; reconnecting in {wait:.0f} s",
              file=sys.stderr, flush=True)
        return wait

    def connected(self):
        self.delay = None  # the next outage starts over at 1 s


def close(queue, interrupted=False):
    """Close the queue's connection, and turn its I/O loop until it has, so
    that the broker knows the goodbye was meant; then free the loop's own
    sockets. interrupted: Ctrl+C may have cut pika short mid-frame, and a
    goodbye that fails then is no news: the script is on its way out."""
    connection = queue.connection
    if connection and not (connection.is_closed or connection.is_closing):
        with contextlib.suppress(Exception if interrupted
                                 else exceptions.ConnectionWrongStateError):
            connection.close()
            queue.ioloop.start()  # the connection's close callback stops it
    queue.ioloop.close()


HOW = {"individually": "individually", "batches": "in batches",
       "async": "asynchronously"}


def arguments(doc):
    """The producer's command line: the strategies to run, in turn, and the
    count; sizes: how many messages each strategy publishes before it waits."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--strategy", choices=HOW,
                        help="how to wait for confirms (default: each in turn)")
    parser.add_argument("--count", type=positive, default=10_000,
                        help="how many messages to publish (default 10,000)")
    parser.add_argument("--batch-size", type=positive, default=100,
                        help="batches: published before waiting (default 100)")
    parser.add_argument("--window", type=positive, default=1000,
                        help="async: unconfirmed at most (default 1,000)")
    args = parser.parse_args()
    args.strategies = [args.strategy] if args.strategy else list(HOW)
    args.sizes = {"individually": 1, "batches": args.batch_size,
                  "async": args.window}
    return args


def positive(text):
    """An argparse type: a whole number, 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return value


@contextlib.contextmanager
def stopped(producer):
    """On Ctrl+C, say how many messages were confirmed, then stop quietly."""
    try:
        yield
    except KeyboardInterrupt:
        print(f"Stopped: {producer.confirmed:,} of {producer.count:,} messages "
              f"confirmed {HOW[producer.strategy]}", flush=True)
        raise


def report(producer):
    """The producer's result, in one line: on stdout if every message was
    confirmed; otherwise on stderr, and exit status 1."""
    if producer.refused:
        cli.fail(f"RabbitMQ refused {len(producer.refused):,} of "
                 f"{producer.count:,} messages: the queue is full, or too few "
                 "of its nodes are up")
    if producer.returned:
        cli.fail(f"RabbitMQ returned {len(producer.returned):,} of "
                 f"{producer.count:,} messages: no queue took them")
    took = time.monotonic() - producer.started
    print(f"Published and confirmed {producer.confirmed:,} messages "
          f"{HOW[producer.strategy]} in {took * 1000:,.0f} ms: "
          f"{producer.confirmed / took:,.0f} messages/s", flush=True)
