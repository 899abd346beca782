"""The tour: every pattern run end to end, as a reader would in several terminals.

Each line is labelled with the terminal it would appear in. Run it with
``make tour``.
"""
import sys

from harness import Consumers, run, wait_total


def say(line):
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


PATTERNS = {
    "basic": (basic, "one producer, one queue, one consumer"),
    "workers": (workers, "one queue shared by three workers, one task each at a time"),
}


def main():
    for name in sys.argv[1:] or PATTERNS:
        tour, what = PATTERNS[name]
        say(f"\n=== {name}: {what} ===")
        tour()
    say("\nThe tour is over: every pattern ran end to end.")


if __name__ == "__main__":
    main()
