"""The plumbing of this folder: what is not the lesson.

What keeps the SelectConnection of this folder a well-behaved command-line
tool, as cli.py does for the BlockingConnection of the others: each
connection goes to the next node of AMQP_URL, a lost one is made again after
a growing delay, and the producer's results are one line each.
"""
import argparse
import contextlib
import itertools
import random
import sys
import time

from pika import exceptions

import cli

NODES = None  # every node of AMQP_URL, in turn, for ever


def next_node():
    """pika's parameters for the node to connect to now."""
    global NODES
    if NODES is None:
        nodes = cli.parameters()
        NODES = itertools.cycle(nodes)
        next_node.count = len(nodes)
    return next(NODES)


def lost(error):
    """True if error is a connection lost (or a broker away), which
    connecting again may mend; False for a refusal, which it cannot."""
    return isinstance(error, exceptions.AMQPConnectionError) and not isinstance(
        error, (exceptions.ProbableAuthenticationError,
                exceptions.ProbableAccessDeniedError,
                exceptions.ConnectionBlockedTimeout,
                exceptions.ConnectionClosedByClient))


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


def close(connection):
    """Close connection, and turn its I/O loop until it has, so that the
    broker knows the goodbye was meant; then free the loop's own sockets."""
    if not (connection.is_closed or connection.is_closing):
        with contextlib.suppress(exceptions.ConnectionWrongStateError):
            connection.close()  # raises only while opening: no goodbye then
            connection.ioloop.start()  # the connection's close callback stops it
    connection.ioloop.close()


def positive(text):
    """An argparse type: a whole number, 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return value


def report(producer, how):
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
    print(f"Published and confirmed {producer.confirmed:,} messages {how} in "
          f"{took * 1000:,.0f} ms: {producer.confirmed / took:,.0f} messages/s",
          flush=True)
