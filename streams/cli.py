"""The command-line layer: what makes the scripts well-behaved tools.

The lesson is in queue.py and exchange.py; this file is the same in every
pattern folder, so that each folder runs on its own. It reads the broker's
address from AMQP_URL, turns a broker problem into one line on stderr, ends
quietly on Ctrl+C, keeps a long-running consumer connected, and checks
command-line arguments before anything is sent.
"""
import argparse
import os
import random
import re
import signal
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pika
from pika import exceptions

DEFAULT_URL = "amqp://guest:guest@localhost:5672/%2F"
# A service waits for the broker for as long as it takes: 1 s, doubling to
# 30 s, each give or take 20 %, so that many services that lost the same
# broker do not all knock at the same second. Connected for 30 s, it starts
# over at 1 s.
FIRST_DELAY, LAST_DELAY, JITTER = 1, 30, 0.2


class BadURL(Exception):
    """AMQP_URL is not a URL that names a broker."""


def amqp_url():
    return os.environ.get("AMQP_URL", DEFAULT_URL)


def urls():
    """The URLs in AMQP_URL: one, or one per node of a cluster, separated by
    commas."""
    return amqp_url().split(",")


def parameters():
    """pika's connection parameters for AMQP_URL, one per node: pika tries
    them in turn and connects to the first that answers."""
    return [node_parameters(url) for url in urls()]


def node_parameters(text):
    try:
        url = urlsplit(text.strip())
        url.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise BadURL(error) from None
    if url.scheme not in ("amqp", "amqps") or not url.hostname:
        raise BadURL("it must look like amqp://user:password@host:5672/%2F")
    try:
        settings = pika.URLParameters(url.geturl())
    except ValueError as error:  # a query option pika cannot read
        raise BadURL(error) from None
    query = parse_qs(url.query)
    # Give up on a broker that does not answer in 5 seconds, not 15, and on
    # one that blocks our publishes (memory or disk alarm) after 30.
    for option, seconds in (("socket_timeout", 5), ("stack_timeout", 5),
                            ("blocked_connection_timeout", 30)):
        if option not in query:
            setattr(settings, option, seconds)
    return settings


def address(error=None):
    """host:port of the node that error came from, or of every node in
    AMQP_URL: for messages, never with the password."""
    # The connection the error went through is in its traceback: with
    # several nodes, that names the one that was lost.
    trace = getattr(error, "__traceback__", None)
    while trace:
        owner = trace.tb_frame.f_locals.get("self")
        node = getattr(getattr(owner, "_impl", None), "params", None)
        if isinstance(owner, pika.BlockingConnection) and node:
            return f"{node.host}:{node.port}"
        trace = trace.tb_next
    nodes = []
    for text in urls():
        url = urlsplit(text.strip())
        port = url.port or (5671 if url.scheme == "amqps" else 5672)
        nodes.append(f"{url.hostname}:{port}")
    return nodes[0] if len(nodes) == 1 else ", ".join(nodes[:-1]) + " or " + nodes[-1]


def timed_out(error):
    """The broker took back a message held past the consumer timeout and
    closed the channel, as RabbitMQ 3.x does (4.3 cancels the consumer)."""
    return (isinstance(error, exceptions.ChannelClosedByBroker)
            and "acknowledgement" in error.reply_text
            and "timed out" in error.reply_text)


class Cancelled(exceptions.AMQPError):
    """The broker cancelled our consumer; the message says why."""


def cancelled(connected):
    """Why the broker cancelled connected's consumer: its queue is gone, or
    (RabbitMQ 4.3) it held a message longer than the consumer timeout."""
    for _ in range(5):  # a queue being deleted may answer for a moment
        try:
            connected.connection.channel().queue_declare(connected.queue,
                                                         passive=True)
        except exceptions.ChannelClosedByBroker:
            return Cancelled(f"the queue {connected.queue} was deleted; "
                             "declaring it again")
        connected.connection.sleep(0.2)
    return Cancelled(TIMED_OUT)


TIMED_OUT = ("RabbitMQ took back a message held longer than its consumer "
             "timeout (30 minutes by default)")


def explain(error):
    """One line that says what went wrong, or None if it is a bug."""
    if isinstance(error, BadURL):
        return f"AMQP_URL is not a valid broker URL: {error}"
    where = address(error)
    if isinstance(error, exceptions.ProbableAuthenticationError):
        return f"RabbitMQ at {where} refused the user name or password"
    if isinstance(error, exceptions.ProbableAccessDeniedError):
        return f"RabbitMQ at {where} refused the virtual host in AMQP_URL"
    if isinstance(error, exceptions.ConnectionBlockedTimeout):
        return (f"RabbitMQ at {where} blocked publishing for too long: it is "
                "short of memory or disk (see the alarms in: sudo rabbitmqctl status)")
    if isinstance(error, exceptions.ConnectionClosedByBroker):
        return f"RabbitMQ at {where} closed the connection: {error.reply_text}"
    if isinstance(error, exceptions.StreamLostError):
        return f"lost the connection to RabbitMQ at {where}"
    if isinstance(error, exceptions.NackError):
        # Other queues it was routed to may have it (a fanout, say).
        return ("RabbitMQ refused the message: a queue it was routed to is full, "
                "or on a node that is down, so not every queue has it")
    if isinstance(error, exceptions.UnroutableError):
        return "no queue took the message; it was not sent"
    if isinstance(error, Cancelled):
        return str(error)
    if timed_out(error):
        return TIMED_OUT
    if isinstance(error, exceptions.ChannelClosedByBroker):
        older = re.search(r"inequivalent arg .* for queue '([^']+)'", error.reply_text)
        if older:  # from an earlier version of the script, or someone else's
            return (f"RabbitMQ refused: {error.reply_text}; the queue exists with "
                    "other arguments: delete it (sudo rabbitmqctl delete_queue "
                    f"{older[1]}) if nothing in it matters, or use another name")
        return f"RabbitMQ refused: {error.reply_text}"
    if isinstance(error, ssl.SSLError):
        return f"TLS with RabbitMQ at {where} failed: {error.reason}"
    if isinstance(error, exceptions.AMQPConnectionError):
        return (f"cannot reach RabbitMQ at {where}; is it running? "
                "Start it with: sudo rabbitmq-server -detached")
    return None


def redact(message):
    """message without AMQP_URL's password, wherever the URL shows in it."""
    for text in urls():
        try:
            password = urlsplit(text.strip()).password
        except ValueError:  # not a URL: nothing in the message quotes it
            continue
        if password:
            message = message.replace(f":{password}@", ":***@")
    return message


def fail(message):
    """End the script with one line on stderr, named after the script."""
    sys.exit(f"{os.path.basename(sys.argv[0])}: {redact(message)}")


def interrupted(signum, frame):
    """Ctrl+C or SIGTERM: stop. The goodbye to the broker can hang (on a
    blocked connection, or a network gone quiet): after 3 s, go without it.
    A timer thread, not signal.alarm, which Windows does not have."""
    grace = threading.Timer(3, os._exit, [0])
    grace.daemon = True
    grace.start()
    raise KeyboardInterrupt


def run(main):
    """Run main() as a command-line tool: Ctrl+C and SIGTERM end it quietly,
    a broker problem is one line on stderr and exit status 1."""
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        try:
            main()
        except BrokenPipeError:
            # Whoever read our output stopped (consumer.py | head): say nothing.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (BadURL, exceptions.AMQPError, ssl.SSLError) as error:
            message = explain(error)
            if message is None:
                raise
            fail(message)
    except KeyboardInterrupt:
        pass  # also when it comes while an error is being reported


def delays():
    """Seconds to wait before each attempt to connect again."""
    delay = FIRST_DELAY
    while True:
        yield delay * random.uniform(1 - JITTER, 1 + JITTER)
        delay = min(2 * delay, LAST_DELAY)


def serve(consumer):
    """Run consumer().receive() for as long as it takes. When a working
    connection is lost, or the broker cancels the consumer, connect again
    after a growing delay, for as long as the broker is away; failing to
    connect at the start is an error, as for any script."""
    waits = connected_at = None
    while True:
        try:
            with consumer() as connected:
                connected_at = time.monotonic()
                waits = waits or delays()
                connected.receive()
                # receive() returns only if the broker cancelled us.
                raise cancelled(connected)
        except exceptions.AMQPError as error:
            lost = isinstance(error, exceptions.AMQPConnectionError) and not isinstance(
                error, (exceptions.ProbableAuthenticationError,
                        exceptions.ProbableAccessDeniedError))
            if waits is None or not (lost or timed_out(error)
                                     or isinstance(error, Cancelled)):
                raise
            if connected_at and time.monotonic() - connected_at > LAST_DELAY:
                waits = delays()  # it worked for a while: start over at 1 s
            connected_at = None
            delay = next(waits)
            print(f"{explain(error)}; reconnecting in {delay:.0f} s",
                  file=sys.stderr, flush=True)
            time.sleep(delay)


def non_negative(text):
    """An argparse type: a number of seconds, 0 or more."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def routing_key(text):
    """An argparse type: a routing key, at most 255 bytes (empty is one too)."""
    if len(text.encode()) > 255:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than 255 bytes")
    return text


def words(text, what):
    routing_key(text)
    if text and "" in text.split("."):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a {what} is words separated by single dots")
    return text.split(".")


def topic_key(text):
    """An argparse type: a topic routing key, such as kern.critical."""
    if {"*", "#"} & set(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: * and # are for binding patterns, not routing keys")
    words(text, "routing key")
    return text


def binding_pattern(text):
    """An argparse type: a binding pattern, such as kern.* or #.critical."""
    for word in words(text, "binding pattern"):
        # The broker would take "kern*" as the literal word "kern*": say so.
        if word not in ("*", "#") and {"*", "#"} & set(word):
            raise argparse.ArgumentTypeError(
                f"{text!r}: * and # must stand alone between dots, as in kern.*")
    return text
