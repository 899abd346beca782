"""The plumbing of this folder: what is not the lesson.

What keeps the SelectConnection of this folder a well-behaved command-line
tool, as cli.py does for the BlockingConnection of the others: each
connection goes to the next node of AMQP_URL, a lost one is made again after
a growing delay, and the producer's results are one line each.
"""
import argparse
import builtins
import contextlib
import itertools
import random
import re
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


def unmasked(error):
    """error, unless it is an exception raised in one of our callbacks, which
    pika reports as a lost connection: then a RuntimeError that says so, so
    that the bug ends the script with a traceback, not a broker's message."""
    raised = re.match(r"Stream connection lost: (\w+)\(", str(error))
    if (isinstance(error, exceptions.StreamLostError) and raised
            and not issubclass(getattr(builtins, raised[1], OSError), OSError)):
        return RuntimeError(f"a callback raised {str(error)[24:]}: call "
                            "logging.basicConfig() to see where")
    return error


def lost(error):
    """True if error is a connection lost (or a broker away), which
    connecting again may mend; False for a refusal, which it cannot."""
    error = unmasked(error)
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


def close(connection, interrupted=False):
    """Close connection, and turn its I/O loop until it has, so that the
    broker knows the goodbye was meant; then free the loop's own sockets.
    interrupted: Ctrl+C may have cut pika short mid-frame, and a goodbye that
    fails then is no news: the script is on its way out, quietly."""
    if not (connection.is_closed or connection.is_closing):
        with contextlib.suppress(Exception if interrupted
                                 else exceptions.ConnectionWrongStateError):
            connection.close()  # raises only while opening: no goodbye then
            connection.ioloop.start()  # the connection's close callback stops it
    connection.ioloop.close()


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
