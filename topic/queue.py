"""Queue: the connection, and the consuming end of a queue.

It connects to the broker named by AMQP_URL. The consumer declares its own
queue; this class consumes from it. The file is called queue.py to mirror the
tutorial, so for the scripts beside it it hides the standard library's
``queue`` module: in your own code, give it another name.
"""
import os
import signal
import ssl
import sys
from urllib.parse import urlsplit

import pika
from pika import exceptions

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")


class Queue:
    def __init__(self):
        self.connection = connect()
        self.channel = self.connection.channel()
        # With confirms on, basic_publish returns only once the broker has
        # the message, so "sent" means the broker took it.
        self.channel.confirm_delivery()
        self.queue = None  # a consumer declares its own

    def receive(self):
        self.channel.basic_consume(self.queue, self.callback, auto_ack=True)
        print(f"Waiting for messages in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()

    def callback(self, channel, method, properties, body):
        raise NotImplementedError("a consumer defines what to do with a message")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc_info):
        if exc_type is KeyboardInterrupt:
            # A second Ctrl+C must not interrupt the goodbye to the broker.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.connection.close()
        except exceptions.AMQPError:
            pass  # already closed or lost: nothing left to say goodbye to


# docs: begin-cli
def connect():
    if not AMQP_URL.startswith(("amqp://", "amqps://")):
        raise ValueError("it must start with amqp:// or amqps://")
    parameters = pika.URLParameters(AMQP_URL)
    if "timeout" not in AMQP_URL:
        # Give up on a broker that does not answer in 5 seconds, not 15.
        parameters.socket_timeout = parameters.stack_timeout = 5
    return pika.BlockingConnection(parameters)


def broker():
    """host:port of AMQP_URL, for messages: never the password."""
    try:
        url = urlsplit(AMQP_URL)
        return f"{url.hostname}:{url.port or (5671 if url.scheme == 'amqps' else 5672)}"
    except ValueError:
        return "AMQP_URL"


def explain(error):
    """One line that says what went wrong, or None for a bug."""
    if isinstance(error, exceptions.ProbableAuthenticationError):
        return f"RabbitMQ at {broker()} refused the user name or password"
    if isinstance(error, exceptions.ProbableAccessDeniedError):
        return f"RabbitMQ at {broker()} refused the virtual host in AMQP_URL"
    if isinstance(error, exceptions.ConnectionClosedByBroker):
        return f"RabbitMQ at {broker()} closed the connection: {error.reply_text}"
    if isinstance(error, exceptions.StreamLostError):
        return f"lost the connection to RabbitMQ at {broker()}"
    if isinstance(error, exceptions.ChannelClosedByBroker):
        return f"RabbitMQ refused: {error.reply_text}"
    if isinstance(error, ssl.SSLError):
        return f"TLS with RabbitMQ at {broker()} failed: {error.reason}"
    if isinstance(error, (exceptions.AMQPConnectionError, OSError)):
        return (f"cannot reach RabbitMQ at {broker()}; is it running? "
                "Start it with: sudo rabbitmq-server -detached")
    if isinstance(error, ValueError):
        message = f"AMQP_URL is not a valid broker URL: {error}"
        credentials, at, _ = AMQP_URL.rpartition("@")
        password = credentials.rpartition(":")[2] if at else ""
        return message.replace(password, "***") if password else message
    return None


def run(main):
    """Run main() as a command-line tool: Ctrl+C and SIGTERM end it quietly,
    a broker problem is one line on stderr and exit status 1."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        main()
    except KeyboardInterrupt:
        pass
    except Exception as error:
        message = explain(error)
        if message is None:
            raise
        sys.exit(f"{os.path.basename(sys.argv[0])}: {message}")
# docs: end-cli
