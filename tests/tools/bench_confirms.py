"""What publisher confirms cost: each strategy of confirms/producer.py
against bare pika publishing the same persistent messages unconfirmed, and
the producer's peak memory with its window full.

bench.py calls run() for each broker it measures; on its own,

    python tests/bench_confirms.py [--docs] [system|4.3|cluster|URL ...]

prints the figures for those brokers (default: the cluster, which bench.py
does not measure); --docs also writes them into docs/bench/figures.rst, as
make bench-docs does.
"""
import os
import re
import statistics
import subprocess
import sys

import pika

import broker
from harness import ROOT

QUEUE = "confirms.messages"
COUNT = {"individually": 2_000, "batches": 20_000, "async": 20_000, "bare": 20_000}
# Bare pika: the same persistent messages, no confirms, timed as the
# producer times itself: from the open channel to the broker having read
# them all (basic_qos is answered only after what came before).
BARE = """import sys, time, pika
connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
channel = connection.channel()
channel.queue_declare("confirms.messages", durable=True,
                      arguments={"x-queue-type": "quorum"})
properties = pika.BasicProperties(delivery_mode=2)
n, start = int(sys.argv[2]), time.monotonic()
for i in range(n):
    channel.basic_publish("", "confirms.messages", f"bare {i}".encode(), properties)
channel.basic_qos()
print(f"{n / (time.monotonic() - start):.0f}")
connection.close()
"""
# The producer, reporting its peak resident memory (kB) as it ends.
PEAK = """import atexit, resource, runpy, sys
atexit.register(lambda: print("peak", resource.getrusage(resource.RUSAGE_SELF)
                .ru_maxrss, file=sys.stderr))
sys.path.insert(0, ".")
sys.argv = ["producer.py", *sys.argv[1:]]
runpy.run_path("producer.py", run_name="__main__")
"""


def purge(url):
    nodes = [pika.URLParameters(each) for each in url.split(",")]
    with pika.BlockingConnection(nodes) as connection:
        connection.channel().queue_purge(QUEUE)


def ours(url, strategy, count=None, *more):
    """messages/s, as the producer's own line says."""
    done = subprocess.run(
        [sys.executable, "producer.py", "--strategy", strategy, "--count",
         str(count or COUNT[strategy]), *more], cwd=ROOT / "confirms",
        capture_output=True, text=True, env={**os.environ, "AMQP_URL": url},
        timeout=600, check=True)
    purge(url)
    return int(re.search(r"([\d,]+) messages/s$", done.stdout)[1].replace(",", ""))


def bare(url):
    done = subprocess.run([sys.executable, "-c", BARE, url.split(",")[0],
                           str(COUNT["bare"])], capture_output=True, text=True,
                          timeout=600, check=True)
    purge(url)
    return int(done.stdout)


def peak(url, window, count=100_000):
    """The producer's peak resident memory in MB, asynchronously."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--strategy", "async", "--count", str(count),
         "--window", str(window)], cwd=ROOT / "confirms", capture_output=True,
        text=True, env={**os.environ, "AMQP_URL": url}, timeout=600, check=True)
    purge(url)
    return int(re.search(r"peak (\d+)", done.stderr)[1]) / 1024


def measure(url, runs):
    """{name: [rate of each run]}: the three strategies and bare pika, in
    turns, so that each ratio compares runs made side by side."""
    ours(url, "async"), bare(url)  # warm up: the queue exists, caches
    rates = {name: [] for name in COUNT}
    for _ in range(runs):
        for name in COUNT:
            rates[name].append(bare(url) if name == "bare" else ours(url, name))
    return rates


# The rows: (what, A, B, goal): A/B, run by run.
ROWS = [("confirms: asynchronously vs bare pika unconfirmed, persistent, "
         "messages/s", "async", "bare", 0.9),
        ("confirms: asynchronously vs individually, messages/s", "async",
         "individually", 20),
        ("confirms: in batches vs individually, messages/s", "batches",
         "individually", 10)]


def figures(url, runs):
    """{(key, what): value}: each strategy's median rate, bare pika's, and
    the producer's peak memory; and the rows' (what, ratios, goal)."""
    rates = measure(url, runs)
    found = {}
    for name, what in (("individually", "individually"),
                       ("batches", "in batches of 100"),
                       ("async", "asynchronously, window 1,000"),
                       ("bare", "bare pika, unconfirmed")):
        found[f"confirms-{name}", f"{what}, messages/s"] = statistics.median(
            rates[name])
    for window in (1_000, 50_000):
        found[f"confirms-peak-{window}", f"producer's peak memory, window "
              f"{window:,}, MB"] = peak(url, window)
    rows = [(what, a, b, sorted(x / y for x, y in zip(rates[a], rates[b])), goal)
            for what, a, b, goal in ROWS]
    return found, rows, rates


def run(version, bench):
    """bench.py's rows and figures for this broker (bench: that module)."""
    found, rows, rates = figures(bench.URL_TEXT, bench.RUNS)
    for what, a, b, ratios, goal in rows:
        result = {"what": what, "a": a, "b": b,
                  "median a": statistics.median(rates[a]),
                  "median b": statistics.median(rates[b]),
                  "ratio": statistics.median(ratios), "low": ratios[0],
                  "high": ratios[-1], "goal": goal, "higher": True,
                  "verdict": bench.verdict(ratios[0], ratios[-1], goal, True)}
        bench.ROWS.setdefault(version, []).append(result)
        print(f"{version}  {what}: {result['ratio']:.2f} "
              f"({result['low']:.2f}-{result['high']:.2f}) {result['verdict']}",
              file=sys.stderr, flush=True)
    bench.FIGURES.setdefault(version, {}).update(found)


def main(args):
    """Measure each broker named; with --docs, write its figures into
    docs/bench/figures.rst as bench.py --docs does (|confirms-async-4.3|)."""
    import bench

    names = [arg for arg in args if arg != "--docs"] or ["cluster"]
    lines = []
    for name in names:
        chosen = broker.named(name)
        chosen.ensure()
        version = chosen.version()
        found, rows, _ = figures(chosen.url, bench.RUNS)
        print(f"RabbitMQ {version} ({chosen.name}), medians of {bench.RUNS} runs:")
        for (key, what), value in found.items():
            print(f"  {what}: {bench.rounded(value)}")
            lines.append(f".. |{key}-{'.'.join(version.split('.')[:2])}| "
                         f"replace:: {bench.rounded(value)}\n")
        for what, _, _, ratios, goal in rows:
            print(f"  {what}: {statistics.median(ratios):.2f} "
                  f"({ratios[0]:.2f}-{ratios[-1]:.2f}), goal {goal:g}: "
                  f"{bench.verdict(ratios[0], ratios[-1], goal, True) or '-'}")
    if "--docs" in args:
        path = bench.OUT / "figures.rst"
        kept = [line for line in path.read_text().splitlines(keepends=True)
                if not line.startswith(".. |confirms-")]
        path.write_text("".join(kept + lines))


if __name__ == "__main__":
    main(sys.argv[1:])
