"""The tour: every pattern run end to end, as a reader would in several terminals.

Each line is labelled with the terminal it would appear in. Run it with
``make tour``.
"""
import os
import sys
import threading

import broker
from harness import Consumers, run, wait_total

LOCK = threading.Lock()  # lines come from one reader thread per terminal


def say(label, line):
    with LOCK:
        print(f"[{label}] {line}" if label else line, flush=True)


# Each pattern's function takes look: called while its consumers still run,
# for a look at the broker from the same run (the transcripts).


def producer(folder, *args, echo=say):
    status, _, errors = run(folder, "producer", *args, echo=echo, label="producer")
    if status != 0:
        sys.exit(f"{folder}/producer.py failed ({status}): {errors}")


def basic(echo=say, look=None):
    with Consumers("basic", [], echo=echo) as consumers:
        producer("basic", echo=echo)
        wait_total(consumers, "received$", 5)
        if look:
            look()


def workers(echo=say, look=None):
    with Consumers("workers", [], [], [], echo=echo) as consumers:
        producer("workers", echo=echo)
        wait_total(consumers, "done$", 15)
        if look:
            look()


def pubsub(echo=say, look=None):
    with Consumers("pubsub", [], [], [], echo=echo) as consumers:
        producer("pubsub", echo=echo)
        wait_total(consumers, "received$", 15)
        if look:
            look()


ROUTING_BINDINGS = (["blue"], ["red"], ["red", "green"])
TOPIC_BINDINGS = (["kern.*"], ["#.critical"])


def routing(echo=say, look=None):
    with Consumers("routing", *ROUTING_BINDINGS, echo=echo) as consumers:
        for key in ("blue", "red", "green"):
            producer("routing", key, echo=echo)
        wait_total(consumers, "received$", 20)
        if look:
            look()


def topic(echo=say, look=None):
    with Consumers("topic", *TOPIC_BINDINGS, echo=echo) as consumers:
        for key in ("kern.critical", "kern.info", "app.critical"):
            producer("topic", key, echo=echo)
        wait_total(consumers, "received$", 20)
        if look:
            look()


def rpc(echo=say, look=None):
    with Consumers("rpc", [], [], echo=echo) as servers:
        for n in (10, 30):
            producer("rpc", str(n), echo=echo)
        wait_total(servers, "sent$", 2)
        if look:
            look()


def confirms(echo=say, look=None):
    with Consumers("confirms", [], echo=echo) as consumers:
        producer("confirms", "--count", "5", echo=echo)
        wait_total(consumers, "received$", 15)


def streams(echo=say, look=None):
    with Consumers("streams", [], [], echo=echo) as readers:
        producer("streams", echo=echo)
        wait_total(readers, "received$", 10)
    # Started after the events were sent, from a minute back: the stream
    # kept them.
    with Consumers("streams", ["--offset", "1m"], echo=echo) as late:
        wait_total(late, "received$", 5)
        if look:
            look()


PATTERNS = {
    "basic": (basic, "one producer, one queue, one consumer"),
    "workers": (workers, "one queue shared by three workers, one task each at a time"),
    "pubsub": (pubsub, "a fanout exchange: every subscriber gets every message"),
    "routing": (routing, "a direct exchange: each consumer gets the keys it bound"),
    "topic": (topic, "a topic exchange: keys matched against patterns"),
    "rpc": (rpc, "a client asks for fib(n) and two servers share the requests"),
    "confirms": (confirms, "publisher confirms: one at a time, in batches, "
                 "and asynchronously"),
    "streams": (streams, "a stream: readers read the same events, from any point"),
}


def main():
    chosen = broker.named(os.environ.get("RABBITMQ") or "system")
    try:
        chosen.ensure()
    except broker.Fail as error:
        sys.exit(f"broker {chosen.name}: {error}")
    os.environ["AMQP_URL"] = chosen.url  # for every script the tour starts
    say(None, f"RabbitMQ {chosen.version()} answers at {broker.where(chosen.url)}")
    for name in sys.argv[1:] or PATTERNS:
        tour, what = PATTERNS[name]
        say(None, f"\n=== {name}: {what} ===")
        try:
            tour()
        except AssertionError as error:
            sys.exit(f"The tour stopped at {name}: {error}")
    say(None, "\nThe tour is over: every pattern ran end to end.")


if __name__ == "__main__":
    main()
