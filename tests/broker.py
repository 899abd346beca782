"""Make sure RabbitMQ answers at AMQP_URL before the tour or the tests.

If it does not and AMQP_URL points at this machine, start the installed
rabbitmq-server, or install Debian's package first when we are root with
apt-get. Otherwise say how to get a broker, and exit 1.
"""
import os
import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pika
from pika import exceptions

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
HOST = urlsplit(AMQP_URL).hostname or "localhost"
WHERE = f"{HOST}:{urlsplit(AMQP_URL).port or 5672}"
HOW = """Install and start RabbitMQ, then try again:
    sudo apt-get install rabbitmq-server && sudo rabbitmq-server -detached
or run it in Docker:
    docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3"""


def answers():
    try:
        pika.BlockingConnection(pika.URLParameters(AMQP_URL)).close()
        return True
    except (exceptions.ProbableAuthenticationError,
            exceptions.ProbableAccessDeniedError) as error:
        sys.exit(f"RabbitMQ at {WHERE} answers but refuses AMQP_URL's "
                 f"user, password or virtual host: {error.args[0]}")
    except exceptions.AMQPConnectionError:
        return False


def command(name):
    """The path of an admin command, also where sbin is not on PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def as_root(*args):
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(prefix + list(args), check=True)


def main():
    if answers():
        print(f"RabbitMQ answers at {WHERE}")
        return
    if HOST not in ("localhost", "127.0.0.1", "::1"):
        sys.exit(f"No RabbitMQ answers at {WHERE}: start it there, or point "
                 "AMQP_URL at a broker that runs.")
    if command("rabbitmq-server") is None:
        if os.geteuid() != 0 or command("apt-get") is None:
            sys.exit(f"No RabbitMQ answers at {WHERE} and none is installed.\n{HOW}")
        print("Installing RabbitMQ from Debian's packages...", flush=True)
        as_root("apt-get", "update", "-qq")
        as_root("apt-get", "install", "-y", "-qq", "rabbitmq-server")
    if not answers():
        print(f"Starting RabbitMQ at {WHERE}...", flush=True)
        as_root(command("rabbitmq-server"), "-detached")
    deadline = time.monotonic() + 120
    while not answers():
        if time.monotonic() > deadline:
            sys.exit(f"RabbitMQ did not answer at {WHERE} within 120 s.\n{HOW}")
        time.sleep(1)  # poll: the broker takes a few seconds to boot
    print(f"RabbitMQ answers at {WHERE}")


if __name__ == "__main__":
    main()
