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

DEFAULT_URL = "amqp://guest:guest@localhost:5672/%2F"
# A service waits for the broker as long as it takes: 1 s doubling to 30 s, give or
# take 20 % so that services do not all knock at once; 30 s connected, 1 s again.
FIRST_DELAY, LAST_DELAY, JITTER = 1, 30, 0.2
CONNECTION = {}  # the one in use: the node that took it, its heartbeat, last use


class BadURL(Exception):
    """AMQP_URL is not a URL that names a broker."""


def urls():
    """The URLs in AMQP_URL: one, or one per node of a cluster, by commas."""
    return os.environ.get("AMQP_URL", DEFAULT_URL).split(",")


def parameters():
    """pika's parameters for each node in AMQP_URL: it takes the first that answers."""
    CONNECTION.clear()
    return [node_parameters(url) for url in urls()]


def node_parameters(text):
    try:
        url = urlsplit(text.strip())
        url.port  # noqa: B018 - a port that is not a number raises here
        if url.scheme not in ("amqp", "amqps") or not url.hostname or (
                url.username is not None and url.password is None):  # pika fails
            raise ValueError("it must look like amqp://user:password@host:5672/%2F")
        settings = pika.URLParameters(url.geturl())  # or a query pika can't read
    except ValueError as error:
        raise BadURL(error) from None
    # Give up on a broker that does not answer in 5 seconds, not 15, and on
    # one that blocks our publishes (memory or disk alarm) after 30.
    for option, seconds in (("socket_timeout", 5), ("stack_timeout", 5),
                            ("blocked_connection_timeout", 30)):
        if option not in parse_qs(url.query):
            setattr(settings, option, seconds)
    asked, node = settings.heartbeat, f"{settings.host}:{settings.port}"
    def agreed(connection, proposed):  # pika calls it once a node answers
        CONNECTION.update(node=node, heartbeat=proposed if asked is None else asked)
        return CONNECTION["heartbeat"]
    settings.heartbeat = agreed
    return settings


def address():
    """host:port of the node that took our connection, or else of every node."""
    if "node" in CONNECTION:
        return CONNECTION["node"]
    nodes = [f"{url.hostname}:{url.port or (5671 if url.scheme == 'amqps' else 5672)}"
             for url in (urlsplit(text.strip()) for text in urls())]
    return nodes[0] if len(nodes) == 1 else ", ".join(nodes[:-1]) + " or " + nodes[-1]


def connect_if_needed(connected):
    """connected.connect(), at first and again once the broker closed it. It closes
    one silent for two heartbeats (pika answers only while called): look after half."""
    now, connection = time.monotonic(), connected.connection
    quiet = now - CONNECTION.get("used", now) > CONNECTION.get("heartbeat", 60) / 2 > 0
    if connection and connection.is_open and quiet:
        try:
            connection.process_data_events()
        except exceptions.AMQPConnectionError:
            pass  # closed: connect again, below
    if not (connection and connection.is_open and connected.channel.is_open):
        try:
            connected.__exit__()  # what is left of the last connection, if any
            connected.connect()
        except Exception:
            connected.__exit__()  # refused half-way: leave no connection open
            raise
    CONNECTION["used"] = now


def timed_out(error):
    """Before RabbitMQ 4.3: the channel closed over a consumer that timed out."""
    return (isinstance(error, exceptions.ChannelClosedByBroker)
            and "acknowledgement" in error.reply_text
            and "timed out" in error.reply_text)


class Cancelled(exceptions.AMQPError):
    """The broker cancelled our consumer; the message says why."""


TIMED_OUT = ("RabbitMQ took back a message held longer than its consumer "
             "timeout (30 minutes by default)")


def cancelled(connected):
    """Why the broker cancelled our consumer: its queue is gone, or it timed out."""
    for _ in range(5):  # a queue being deleted may answer for a moment
        try:
            connected.connection.channel().queue_declare(connected.queue, passive=True)
        except exceptions.ChannelClosedByBroker:
            return Cancelled(f"the queue {connected.queue} was deleted; "
                             "declaring it again")
        connected.connection.sleep(0.2)
    return Cancelled(TIMED_OUT)


def explain(error):
    """One line that says what went wrong, or None if it is a bug."""
    if isinstance(error, BadURL):
        return f"AMQP_URL is not a valid broker URL: {error}"
    if timed_out(error):
        return TIMED_OUT
    if isinstance(error, exceptions.ChannelClosedByBroker):
        older = re.search(r"inequivalent arg .* for queue '([^']+)'", error.reply_text)
        if older:  # from an earlier version of the script, or someone else's
            return (f"RabbitMQ refused: {error.reply_text}; the queue exists with "
                    "other arguments: delete it (sudo rabbitmqctl delete_queue "
                    f"{older[1]}) if nothing in it matters, or use another name")
        return f"RabbitMQ refused: {error.reply_text}"
    for kind, line in LINES:
        if isinstance(error, kind):
            return line.format(where=address(), error=error, advice=advice())
    return None


LINES = [  # what pika raised, and what to say: the first that fits
    (exceptions.ProbableAuthenticationError,
     "RabbitMQ at {where} refused the user name or password"),
    (exceptions.ProbableAccessDeniedError,
     "RabbitMQ at {where} refused the virtual host in AMQP_URL"),
    (exceptions.ConnectionBlockedTimeout,
     "RabbitMQ at {where} blocked publishing for too long: it is short of memory "
     "or disk (see the alarms in: sudo rabbitmqctl status)"),
    (exceptions.ConnectionClosedByBroker,
     "RabbitMQ at {where} closed the connection: {error.reply_text}"),
    (exceptions.StreamLostError, "lost the connection to RabbitMQ at {where}"),
    (exceptions.NackError, "RabbitMQ refused the message: a queue it was routed "
     "to is full, or on a node that is down, so not every queue has it"),
    (exceptions.UnroutableError, "no queue took the message; it was not sent"),
    (Cancelled, "{error}"),
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
    """Ctrl+C or SIGTERM: stop. The goodbye to the broker can hang (blocked, or
    the network gone): after 3 s, go without. A timer: Windows has no alarm."""
    grace = threading.Timer(3, os._exit, [0])
    grace.daemon = True
    grace.start()
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
        except (BadURL, exceptions.AMQPError, ssl.SSLError, socket.gaierror) as error:
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
        except exceptions.AMQPError as error:
            refused = (exceptions.ProbableAuthenticationError,
                       exceptions.ProbableAccessDeniedError)
            again = (isinstance(error, (exceptions.AMQPConnectionError, Cancelled))
                     and not isinstance(error, refused)) or timed_out(error)
            if delay is None or not again:
                raise
            if connected_at and time.monotonic() - connected_at > LAST_DELAY:
                delay = FIRST_DELAY  # it worked for a while: start over at 1 s
            connected_at, wait = None, delay * random.uniform(1 - JITTER, 1 + JITTER)
            print(f"{explain(error)}; reconnecting in {wait:.0f} s",
                  file=sys.stderr, flush=True)
            time.sleep(wait)
            delay = min(2 * delay, LAST_DELAY)
