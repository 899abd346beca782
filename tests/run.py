"""``make test``: the tests that need no broker once, then the rest on each broker.

    python tests/run.py [BROKER ...] [-- PYTEST-ARGS]
    (default: offline system 4.3 cluster; see broker.py)

Each of these is a lane: one pytest run. ``offline`` runs the tests that
need no broker; the cluster only the tests marked ``cluster``; any other
broker all the others. The cluster is started just before its tests, and
stopped after them if this run started it, so that its three nodes never
slow the other runs. Ends with one line per lane, such as
``RabbitMQ 4.3.6: 120 passed``, and the figures the tests reported
(recovery times of the cluster). A lane whose pytest fails, runs fewer tests
than it collected, or is cut short fails the run, in a line that says so.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import broker
import clients

TESTS = Path(__file__).resolve().parent


def lane(label, selection, env, extra):
    """Run pytest on the tests selected; (label, counts, what went wrong)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "lane.jsonl"
        status = subprocess.run(
            [sys.executable, "-m", "pytest", str(TESTS), "-m", selection, *extra],
            env={**os.environ, **env, "LANE_REPORT": str(report)}).returncode
        facts = ([json.loads(line) for line in report.read_text().splitlines()]
                 if report.exists() else [])
    collected = next((fact["collected"] for fact in facts if "collected" in fact), None)
    ended = next((fact["exitstatus"] for fact in facts if "exitstatus" in fact), None)
    outcomes = {}
    for fact in facts:
        if "test" in fact and outcomes.get(fact["test"]) not in ("failed", "skipped"):
            outcomes[fact["test"]] = fact["outcome"]
    counts = [sum(outcome == kind for outcome in outcomes.values())
              for kind in ("passed", "failed", "skipped")]
    problem = None
    if collected is None:
        problem = f"pytest exited {status} before collecting a test"
    elif ended is None:
        problem = (f"cut short: pytest exited {status} without finishing, "
                   f"after {len(outcomes)} of {collected} tests")
    elif len(outcomes) < collected:
        problem = f"cut short: {len(outcomes)} of {collected} tests ran (exit {status})"
    elif collected == 0:
        problem = "no test selected"
    elif status != 0:
        problem = f"pytest exited {status}"
    return label, counts, problem


def summary(label, counts, problem):
    words = [f"{counts[0]} passed"]
    words += [f"{count} {kind}"
              for count, kind in zip(counts[1:], ("failed", "skipped")) if count]
    return f"{label}: {', '.join(words)}" + (f"; FAILED: {problem}" if problem else "")


def ensure(each):
    try:
        return each.ensure()
    except broker.Fail as error:
        sys.exit(f"broker {each.name}: {error}")


def main(names, extra):
    names = names or ["offline", "system", "4.3", "cluster"]
    brokers = [broker.named(name) for name in names if name != "offline"]
    for each in brokers:
        if each.name != "cluster":
            ensure(each)
    clients.ensure()
    lanes = []
    if "offline" in names:
        lanes.append(lane("Without a broker", "offline", {}, extra))
    figures = Path(tempfile.mkdtemp()) / "figures.txt"
    for each in brokers:
        env = {"RABBITMQ": each.name, "AMQP_URL": each.url,
               "TEST_FIGURES": str(figures)}
        if each.name != "cluster":
            lanes.append(lane(f"RabbitMQ {each.version()}",
                              "not offline and not cluster", env, extra))
            continue
        started = ensure(each)
        try:
            lanes.append(lane(f"RabbitMQ {each.version()}, three-node cluster",
                              "cluster", env, extra))
        finally:
            if started:
                each.stop()
    print()
    if figures.exists():
        print(figures.read_text())
    for result in lanes:
        print(summary(*result))
    total = [sum(column) for column in zip(*(counts for _, counts, _ in lanes))]
    failed = [label for label, counts, problem in lanes if problem or counts[1]]
    print(f"total: {total[0]} passed, {total[1]} failed")
    if failed:
        print(f"make test failed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    sys.exit(main(args[:split], args[split + 1:]))
