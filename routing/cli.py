"""The command-line layer, the same file in every folder: AMQP_URL, a broker
problem in one line, Ctrl+C, connections kept. The lesson is in queue.py."""
import contextlib
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pika
from pika import exceptions
from pika.adapters.utils import connection_workflow as workflow

DEFAULT_URL = "amqp://guest:guest@localhost:5672/%2F"
# A service waits for the broker as long as it takes: 1 s doubling to 30 s, give or
# take 20 % so that services do not all knock at once; 30 s connected, 1 s again.
FIRST_DELAY, LAST_DELAY, JITTER = 1, 30, 0.2


class BadURL(Exception):
    """AMQP_URL is not a URL that names a broker."""


# What the broker or the network may raise (else, a bug); what it refuses for good.
BROKER = (BadURL, exceptions.AMQPError, workflow.AMQPConnectorStackTimeout,
          ssl.SSLError, socket.gaierror)
REFUSED = (BadURL, exceptions.ProbableAuthenticationError,
           exceptions.ProbableAccessDeniedError, exceptions.ChannelClosedByBroker)


def urls():
    """The URLs in AMQP_URL: one, or one per node of a cluster, by commas."""
    return os.environ.get("AMQP_URL", DEFAULT_URL).split(",")


def parameters(owner):
    """pika's parameters for each node in AMQP_URL: it takes the first that
    answers. owner.link keeps what that connection agreed, for owner alone."""
    owner.link = {}
    return [node_parameters(url, owner.link) for url in urls()]


def node_parameters(text, link):
    try:
        url = urlsplit(text.strip())
        url.port  # noqa: B018 - a port that is not a number raises here
        if url.scheme not in ("amqp", "amqps") or not url.hostname or (
                url.username is not None and url.password is None):  # pika fails
            raise ValueError("it must look like amqp://user:password@host:5672/%2F")
        settings = pika.URLParameters(url.geturl())  # or a query pika can't read
    except ValueError as error:
        raise BadURL(error) from None
    # Give up on a broker silent for 5 s, not 15; on one blocking us (alarm), at 30.
    for option, seconds in (("socket_timeout", 5), ("stack_timeout", 5),
                            ("blocked_connection_timeout", 30)):
        if option not in parse_qs(url.query):
            setattr(settings, option, seconds)
    asked, node = settings.heartbeat, f"{settings.host}:{settings.port}"
    def agreed(connection, proposed):  # pika calls it once a node answers
        link.update(node=node, heartbeat=proposed if asked is None else asked)
        connection.add_on_close_callback(  # its last error names the node: explain
            lambda _, error: setattr(error, "link", dict(link)))
        return link["heartbeat"]
    settings.heartbeat = agreed
    return settings


def connect_if_needed(connected):
    """connected.connect(), at first and again once the broker closed it. It closes
    one silent for two heartbeats (pika answers only while called): look after half."""
    now, connection = time.monotonic(), connected.connection
    if connection and connection.is_open and (  # quiet for half its heartbeat
            now - connected.link["used"] > connected.link["heartbeat"] / 2 > 0):
        with contextlib.suppress(exceptions.AMQPConnectionError):  # closed: below
            connection.process_data_events()
    if not (connection and connection.is_open and connected.channel.is_open):
        try:
            connected.__exit__()  # what is left of the last connection, if any
            connected.connect()
        except Exception:
            connected.__exit__()  # refused half-way: leave no connection open
            raise
    connected.link["used"] = now


TIMED_OUT = ("RabbitMQ took back a message held longer than its consumer timeout "
             "(30 minutes by default)")
def timed_out(error):
    """Before RabbitMQ 4.3: the channel closed over a consumer that timed out."""
    return isinstance(error, exceptions.ChannelClosedByBroker) and bool(
        re.search("acknowledgement .* timed out", error.reply_text))
def refused(error):
    """A refusal no wait mends: not a consumer timeout, nor a node or stream starting"""
    return isinstance(error, REFUSED) and not (timed_out(error) or getattr(
        error, "reply_code", 0) == 404 or "running replica" in str(error))


def cancelled(connected):
    """Why the broker cancelled us: no queue, or the class's CANCELLED, or a timeout."""
    for _ in range(5):  # a queue being deleted may answer for a moment
        try:
            connected.connection.channel().queue_declare(connected.queue, passive=True)
        except exceptions.ChannelClosedByBroker:
            return exceptions.ConsumerCancelled(
                f"the queue {connected.queue} was deleted; declaring it again")
        connected.connection.sleep(0.2)
    return exceptions.ConsumerCancelled(getattr(connected, "CANCELLED", TIMED_OUT))


def explain(error):
    """One line that says what went wrong (and where), or None if it is a bug."""
    if isinstance(error, BadURL):  # before reading the URLs for their nodes
        return f"AMQP_URL is not a valid broker URL: {error}"
    link = getattr(error, "link", {})
    nodes = [f"{url.hostname}:{url.port or (5671 if url.scheme == 'amqps' else 5672)}"
             for url in (urlsplit(text.strip()) for text in urls())]
    where = link.get("node") or " or ".join(nodes)
    if timed_out(error):
        return TIMED_OUT
    older = isinstance(error, exceptions.ChannelClosedByBroker) and re.search(
        r"inequivalent arg .* for queue '([^']+)'", error.reply_text)
    if older:  # from an earlier version of the script, or someone else's
        return (f"RabbitMQ refused: {error.reply_text}; the queue exists with other "
                f"arguments: delete it (sudo rabbitmqctl delete_queue {older[1]}) "
                "if nothing in it matters, or use another name")
    for kind, line in LINES:
        if isinstance(error, kind):
            return line.format(where=where, error=error, advice=advice(),
                               heartbeat=link.get("heartbeat"))


NOT_AMQP = " (5672 is AMQP, 5671 with TLS; 15672 is the management UI, for a browser)"
LINES = [  # what went wrong (the cause), and what to say: the first that fits
    (exceptions.ProbableAuthenticationError,
     "RabbitMQ at {where} refused the user name or password"),
    (exceptions.ProbableAccessDeniedError,
     "RabbitMQ at {where} refused the virtual host in AMQP_URL"),
    (exceptions.ConnectionBlockedTimeout,
     "RabbitMQ at {where} blocked publishing for too long: it is short of memory "
     "or disk (see the alarms in: sudo rabbitmqctl status)"),
    (exceptions.AMQPHeartbeatTimeout, "RabbitMQ at {where} stopped answering: "
     "nothing came from it for over {heartbeat} s (the heartbeat timeout)"),
    (exceptions.ConnectionClosedByBroker,
     "RabbitMQ at {where} closed the connection: {error.reply_text}"),
    (exceptions.IncompatibleProtocolError,
     "{where} answered, but not in AMQP: check the port in AMQP_URL" + NOT_AMQP),
    (workflow.AMQPConnectorStackTimeout, "{where} took the connection but never "
     "answered: a broker that hangs, or not the AMQP port" + NOT_AMQP),
    ((exceptions.StreamLostError, exceptions.ConnectionWrongStateError),
     "lost the connection to RabbitMQ at {where}"),
    (exceptions.NackError, "RabbitMQ refused the message: a queue it was routed "
     "to is full, or on a node that is down, so not every queue has it"),
    (exceptions.UnroutableError, "no queue took the message; it was not sent"),
    (exceptions.ChannelClosedByBroker, "RabbitMQ refused: {error.reply_text}"),
    (exceptions.ConsumerCancelled, "{error}"),
    (ssl.SSLError, "TLS with RabbitMQ at {where} failed: {error.reason}"),
    (socket.gaierror, "cannot find {where}: check the host name in AMQP_URL"),
    (exceptions.AMQPConnectionError, "cannot reach RabbitMQ at {where}; {advice}"),
]


def advice():
    """What to try when no node answers: start it here, or check the way there."""
    hosts = [urlsplit(text.strip()).hostname for text in urls()]
    if not all(h in ("localhost", "::1") or h.startswith("127.") for h in hosts):
        return "check the host name, the port, and any firewall on the way"
    service = {"darwin": "brew services start rabbitmq", "win32": "net start RabbitMQ"}
    return ("is it running? Start it: docker start rabbitmq (or the README's docker "
            "run line), or, installed as a package: "
            + service.get(sys.platform, "sudo systemctl start rabbitmq-server"))


def fail(message):
    """End the script with one line on stderr, named after it, and no password."""
    for text in urls():
        with contextlib.suppress(ValueError):  # not a URL: nothing quotes it
            if password := urlsplit(text.strip()).password:
                message = message.replace(f":{password}@", ":***@")
    sys.exit(f"{os.path.basename(sys.argv[0])}: {message}")


def interrupted(signum, frame):
    """Ctrl+C or SIGTERM: stop; a hung goodbye ends at 3 s (Windows has no alarm)."""
    threading.Thread(target=lambda: (time.sleep(3), os._exit(0)), daemon=True).start()
    raise KeyboardInterrupt


def run(main):
    """Run main(): Ctrl+C and SIGTERM end it quietly, a broker problem in one line."""
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        try:
            main()
        except BrokenPipeError:  # whoever read our output stopped (| head): quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except BROKER as error:
            if (message := explain(error)) is None:
                raise  # not the broker's doing: a bug, shown as one
            fail(message)
    except KeyboardInterrupt:
        pass  # also when it comes while an error is being reported


def serve(consumer):
    """Run consumer().receive() for as long as it takes: connect again, after a
    growing delay, when the broker cancels it or a working connection is lost."""
    delay = connected_at = None
    while True:
        try:
            with consumer() as connected:
                connect_if_needed(connected)  # at the start, failing is an error
                connected_at, delay = time.monotonic(), delay or FIRST_DELAY
                connected.receive()  # returns only if the broker cancelled us
                raise cancelled(connected)
        except BROKER as error:
            if delay is None or refused(error):
                raise  # at the start, or refused: waiting will not mend it
            if connected_at and time.monotonic() - connected_at > LAST_DELAY:
                delay = FIRST_DELAY  # it worked for a while: start over at 1 s
            connected_at, wait = None, delay * random.uniform(1 - JITTER, 1 + JITTER)
            print(f"{explain(error)}; reconnecting in {wait:.0f} s",
                  file=sys.stderr, flush=True)
            time.sleep(wait)
            delay = min(2 * delay, LAST_DELAY)
