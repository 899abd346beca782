"""The tour: every pattern run end to end, as a reader would in several terminals.

Each line is labelled with the terminal it would appear in. Run it with
``make tour``.
"""
import sys
import threading

from harness import Consumers, run, wait_total

LOCK = threading.Lock()  # lines come from one reader thread per terminal


def say(line):
    with LOCK:
        print(line, flush=True)


def producer(folder, *args):
    say(f"[producer] $ python {folder}/producer.py {' '.join(args)}".rstrip())
    status, _, errors = run(folder, "producer", *args, echo=say, label="producer")
    if status != 0:
        sys.exit(f"{folder}/producer.py failed ({status}): {errors}")


def basic():
    with Consumers("basic", [], echo=say) as consumers:
        producer("basic")
        wait_total(consumers, "received$", 5)


def workers():
    with Consumers("workers", [], [], [], echo=say) as consumers:
        producer("workers")
        wait_total(consumers, "done$", 15)


def pubsub():
    with Consumers("pubsub", [], [], [], echo=say) as consumers:
        producer("pubsub")
        wait_total(consumers, "received$", 15)


def routing():
    with Consumers("routing", ["blue"], ["red"], ["red", "green"],
                   echo=say) as consumers:
        for key in ("blue", "red", "green"):
            producer("routing", key)
        wait_total(consumers, "received$", 20)


def topic():
    with Consumers("topic", ["kern.*"], ["#.critical"], echo=say) as consumers:
        for key in ("kern.critical", "kern.info", "app.critical"):
            producer("topic", key)
        wait_total(consumers, "received$", 20)


def rpc():
    with Consumers("rpc", [], [], echo=say) as servers:
        for n in (10, 30):
            producer("rpc", str(n))
        wait_total(servers, "sent$", 2)


PATTERNS = {
    "basic": (basic, "one producer, one queue, one consumer"),
    "workers": (workers, "one queue shared by three workers, one task each at a time"),
    "pubsub": (pubsub, "a fanout exchange: every subscriber gets every message"),
    "routing": (routing, "a direct exchange: each consumer gets the keys it bound"),
    "topic": (topic, "a topic exchange: keys matched against patterns"),
    "rpc": (rpc, "a client asks for fib(n) and two servers share the requests"),
}


def main():
    for name in sys.argv[1:] or PATTERNS:
        tour, what = PATTERNS[name]
        say(f"\n=== {name}: {what} ===")
        try:
            tour()
        except AssertionError as error:
            sys.exit(f"The tour stopped at {name}: {error}")
    say("\nThe tour is over: every pattern ran end to end.")


if __name__ == "__main__":
    main()
