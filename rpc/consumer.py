#!/usr/bin/env python3
"""RPC server: answer fib(n) requests from the rpc.fibonacci queue.

Run one or more with "python consumer.py": they share the requests, one at
a time each. It consumes requests, so in this tutorial it is the consumer;
"python producer.py 30" is the client that produces them.
"""
import argparse
import json

import pika

import cli
from queue import Queue

MAX_N = 1000  # the largest n a server computes fib(n) for


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def answer(body):
    """The reply to a request body: {"result": fib(n)} or {"error": why}."""
    text = body.decode(errors="replace")
    if not text.isascii() or not text.isdigit():
        return {"error": f"{text[:40]!r} is not a non-negative integer"}
    if int(text) > MAX_N:
        return {"error": f"n must be at most {MAX_N}"}
    return {"result": fib(int(text))}


class Consumer(Queue):
    def __init__(self):
        super().__init__(queue="rpc.fibonacci")

    def connect(self):
        super().connect()
        # Fair dispatch: one request at a time, so servers share a burst.
        self.channel.basic_qos(prefetch_count=1)

    def callback(self, channel, method, properties, body):
        request = f"fib({body.decode(errors='replace')[:40]})"
        print(f"{request} received", flush=True)
        reply = answer(body)
        if properties.reply_to:
            # The reply goes where the client said (reply_to: with direct
            # reply-to, straight to its channel), carrying the client's
            # correlation_id so that it can match reply to request.
            channel.basic_publish(
                exchange="", routing_key=properties.reply_to,
                body=json.dumps(reply).encode(),
                properties=pika.BasicProperties(
                    correlation_id=properties.correlation_id,
                    content_type="application/json"))
        if "error" in reply:
            print(f"{request} refused: {reply['error']}", flush=True)
        else:
            print(f"{request} = {reply['result']} sent", flush=True)
        # Ack only now: a server that dies before this leaves the request
        # in the queue for another server. An error reply is acked too, so a
        # bad request is never retried for ever.
        channel.basic_ack(method.delivery_tag)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    cli.serve(Consumer)


if __name__ == "__main__":
    cli.run(main)
