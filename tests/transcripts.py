"""Write the terminal transcripts that the docs include: ``make transcripts``.

Every transcript comes from a real run: the tour of each pattern, recorded
terminal by terminal, and a few single commands. tests/test_docs.py runs them
again and checks the files still match what the scripts print.
"""
import os
import re
import subprocess
import sys
import threading
from collections import Counter, defaultdict

import tour
from harness import ROOT, Consumers, run

OUT = ROOT / "docs" / "transcripts"
CLOSED = "amqp://guest:guest@localhost:5999/%2F"

# name: (folder, script, arguments, environment, run with the folder's consumer)
SINGLE = {
    "pubsub/no-subscriber": ("pubsub", "producer", [], {}, False),
    "routing/usage": ("routing", "producer", [], {}, False),
    "topic/bad-pattern": ("topic", "consumer", ["kern*"], {}, False),
    "rpc/no-server": ("rpc", "producer", ["30", "--timeout", "2"], {}, False),
    "rpc/too-large": ("rpc", "producer", ["5000"], {}, True),
    "troubleshooting/not-running": (
        "basic", "consumer", [], {"AMQP_URL": CLOSED}, False),
    "troubleshooting/wrong-password": (
        "basic", "consumer", [],
        {"AMQP_URL": "amqp://guest:wrong@localhost:5672/%2F"}, False),
}


def record_tour(name):
    """{terminal: lines} of one pattern's tour."""
    terminals, lock = defaultdict(list), threading.Lock()

    def echo(label, line):
        with lock:
            terminals[label.replace(" ", "-")].append(line)

    tour.PATTERNS[name][0](echo=echo)
    return dict(terminals)


def record_single(name):
    folder, script, args, env, with_consumer = SINGLE[name]
    lines = []
    with Consumers(folder, *([[]] if with_consumer else [])):
        run(folder, script, *args, env=env, echo=lambda _, line: lines.append(line))
    return lines


def normalize(lines):
    """What varies from run to run: times, server-made names, task numbers."""
    result = []
    for line in lines:
        line = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "<time>", line)
        line = re.sub(r"amq\.gen-[\w-]+", "amq.gen-<name>", line)
        result.append(line)
    return Counter(result)


def rabbitmqctl(*args):
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    result = subprocess.run([*sudo, "rabbitmqctl", "-q", *args], check=True,
                            capture_output=True, text=True)
    return [f"$ sudo rabbitmqctl {' '.join(args)}", *result.stdout.splitlines()]


def inspecting():
    """rabbitmqctl's views of the broker, taken while the patterns run."""
    files = {}
    run("basic", "producer")
    files["list_queues"] = rabbitmqctl("list_queues", "name", "messages", "type")
    with Consumers("basic", []) as (consumer,):
        consumer.wait_for(" received$", count=5)
    files["list_exchanges"] = rabbitmqctl("list_exchanges", "name", "type")
    with Consumers("routing", ["blue"], ["red", "green"]):
        files["list_bindings"] = rabbitmqctl(
            "list_bindings", "source_name", "destination_name", "routing_key")
    return files


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main():
    for name in tour.PATTERNS:
        for terminal, lines in record_tour(name).items():
            write(OUT / name / f"{terminal}.txt", lines)
    for name in SINGLE:
        write(OUT / f"{name}.txt", record_single(name))
    for name, lines in inspecting().items():
        write(OUT / "inspecting" / f"{name}.txt", lines)
    print(f"transcripts written to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
