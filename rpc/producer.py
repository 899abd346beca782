#!/usr/bin/env python3
"""RPC client: ask a server for fib(N) and wait for the answer.

Run "python consumer.py" in another terminal, then: python producer.py 30
With no server running, it gives up after --timeout seconds, and the request
expires with it.
"""
import argparse
import json
import time
import uuid

import pika

import cli
from queue import Queue

REPLY_TO = "amq.rabbitmq.reply-to"  # direct reply-to: no reply queue to declare


def understood(body):
    """The reply as {"result": ...} or {"error": ...}, whatever was sent."""
    try:
        reply = json.loads(body)
    except ValueError:
        reply = None
    if isinstance(reply, dict) and ("result" in reply or "error" in reply):
        return reply
    return {"error": f"the reply is neither a result nor an error: {body[:40]!r}"}


class Producer(Queue):
    def __init__(self):
        super().__init__(queue="rpc.fibonacci")
        self.correlation_id = self.reply = None

    def connect(self):
        super().connect()
        # Publisher confirms: the request is on the broker once sent.
        self.channel.confirm_delivery()
        # Consume from the pseudo-queue before publishing: the broker sends
        # replies straight to this channel, and only while it consumes.
        self.channel.basic_consume(REPLY_TO, self.on_reply, auto_ack=True)

    def on_reply(self, channel, method, properties, body):
        # A late reply to an earlier call has another id: ignored. A duplicate
        # of this call's reply (its request done twice) has this id: taken.
        if properties.correlation_id == self.correlation_id:
            self.reply = understood(body)

    def call(self, n, timeout):
        cli.connect_if_needed(self)  # first, or again if a quiet spell lost it
        self.correlation_id, self.reply = str(uuid.uuid4()), None
        self.channel.basic_publish(
            exchange="", routing_key=self.queue, body=str(n).encode(),
            properties=pika.BasicProperties(
                reply_to=REPLY_TO, correlation_id=self.correlation_id,
                # Nobody waits for the answer after the timeout: let the
                # broker drop the request rather than a server compute it.
                expiration=str(int(timeout * 1000))),
            mandatory=True)
        print(f"fib({n}) sent", flush=True)
        deadline = time.monotonic() + timeout
        while self.reply is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.connection.process_data_events(time_limit=left)
        return self.reply


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, metavar="N", help="a non-negative integer")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="how long to wait for an answer (default 10)")
    args = parser.parse_args()
    if args.n < 0 or args.timeout <= 0:
        parser.error("N must be 0 or more, and --timeout more than 0")
    with Producer() as producer:
        reply = producer.call(args.n, args.timeout)
    if reply is None:
        cli.fail(f"no server answered within {args.timeout:g} s; "
                 "is python consumer.py running?")
    if "error" in reply:
        cli.fail(f"fib({args.n}) failed: {reply['error']}")
    print(f"fib({args.n}) = {reply['result']} received", flush=True)


if __name__ == "__main__":
    cli.run(main)
