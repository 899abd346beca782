"""Queue: the plumbing the workers producer and consumer share.

It connects to the broker named by AMQP_URL, declares the task queue and its
dead-letter queue, sends tasks, and keeps a worker connected. The file is
called queue.py to mirror the tutorial, so for the scripts beside it it hides
the standard library's ``queue`` module: in your own code, give it another
name.
"""
import os
import signal
import ssl
import sys
import time
from urllib.parse import urlsplit

import pika
from pika import exceptions

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
DELIVERY_LIMIT = 3  # redeliveries before a task counts as poison
RECONNECT_DELAYS = (1, 2, 4, 8, 8, 8, 8, 8, 8)  # seconds; then give up


class Queue:
    def __init__(self, queue):
        self.connection = connect()
        self.channel = self.connection.channel()
        # With confirms on, basic_publish returns only once the broker has
        # the message, so "sent" below means the broker took it.
        self.channel.confirm_delivery()
        # A quorum queue keeps its tasks on disk, replicated where there are
        # several nodes. A task that fails DELIVERY_LIMIT times is moved to
        # the dead-letter queue instead of being retried for ever.
        self.channel.queue_declare(queue=f"{queue}.failed", durable=True,
                                   arguments={"x-queue-type": "quorum"})
        self.channel.queue_declare(queue=queue, durable=True, arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": f"{queue}.failed",
        })
        self.queue = queue

    def send(self, task):
        # Persistent: the task survives a broker restart. Mandatory: a task
        # that reaches no queue is an error here, not silently dropped.
        self.channel.basic_publish(
            exchange="", routing_key=self.queue, body=task.encode(),
            properties=pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)
        print(f"{task} sent", flush=True)

    def receive(self):
        # No auto_ack: a task stays in the queue until the worker acks it.
        self.channel.basic_consume(self.queue, self.callback)
        print(f"Waiting for messages in {self.queue}. To exit press CTRL+C",
              flush=True)
        self.channel.start_consuming()
        # It returns only if the broker cancelled us: RabbitMQ 4.3 does when
        # a task outlives the consumer timeout (3.10 closes the channel).
        raise exceptions.ConsumerCancelled()

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
    if isinstance(error, exceptions.NackError):
        return "RabbitMQ refused the task (is the queue full?); it was not sent"
    if isinstance(error, exceptions.UnroutableError):
        return "no queue took the task; it was not sent"
    if timed_out(error):
        return ("RabbitMQ took back a task that outlived its consumer timeout "
                "(30 minutes by default)")
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


def timed_out(error):
    """The broker gave up on an unacked task: 4.3 cancels, 3.10 closes."""
    return isinstance(error, exceptions.ConsumerCancelled) or (
        isinstance(error, exceptions.ChannelClosedByBroker)
        and "acknowledgement" in error.reply_text
        and "timed out" in error.reply_text)


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


def serve(worker):
    """Run worker().receive() and, when a working connection is lost,
    connect again after a growing delay: a restarted broker finds its
    workers back. Errors at the first connect are not retried."""
    delays = None
    while True:
        try:
            with worker() as connected:
                delays = iter(RECONNECT_DELAYS)
                connected.receive()
            return
        except exceptions.AMQPError as error:
            if not (isinstance(error, exceptions.AMQPConnectionError)
                    or timed_out(error)):
                raise
            delay = next(delays, None) if delays else None
            refused = isinstance(error, (exceptions.ProbableAuthenticationError,
                                         exceptions.ProbableAccessDeniedError))
            if delay is None or refused:
                raise
            print(f"{explain(error)}; reconnecting in {delay} s",
                  file=sys.stderr, flush=True)
            time.sleep(delay)
# docs: end-cli
