"""``make test``: the tests that need no broker once, then the rest on each broker.

    python tests/run.py [BROKER ...]   (default: system 4.3 cluster; see broker.py)

The cluster runs only the tests marked ``cluster``, the other brokers all the
others. The cluster is started just before its tests, and stopped after them
if this run started it, so that its three nodes never slow the other runs.
Ends with one line per broker, such as ``RabbitMQ 4.3.6: 120 passed``, and
the figures the tests reported (recovery times of the cluster).
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import broker
import clients

TESTS = Path(__file__).resolve().parent


def pytest(selection, env, extra):
    """Run pytest on the tests selected; return (passed, failed, skipped)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        subprocess.run([sys.executable, "-m", "pytest", str(TESTS), "-m", selection,
                        f"--junitxml={report}", *extra], env={**os.environ, **env})
        if not report.exists():
            return 0, 1, 0  # pytest itself failed before running anything
        suite = ET.parse(report).getroot().find("testsuite")
    total, skipped = int(suite.get("tests")), int(suite.get("skipped"))
    failed = int(suite.get("failures")) + int(suite.get("errors"))
    return total - failed - skipped, failed, skipped


def counts(passed, failed, skipped):
    words = [f"{passed} passed"]
    if failed:
        words.append(f"{failed} failed")
    if skipped:
        words.append(f"{skipped} skipped")
    return ", ".join(words)


def ensure(each):
    try:
        return each.ensure()
    except broker.Fail as error:
        sys.exit(f"broker {each.name}: {error}")


def main(names, extra):
    brokers = [broker.named(name) for name in names or ["system", "4.3", "cluster"]]
    for each in brokers:
        if each.name != "cluster":
            ensure(each)
    clients.ensure()
    summary = [("Without a broker", pytest("offline", {}, extra))]
    figures = Path(tempfile.mkdtemp()) / "figures.txt"
    for each in brokers:
        env = {"RABBITMQ": each.name, "AMQP_URL": each.url,
               "TEST_FIGURES": str(figures)}
        if each.name != "cluster":
            result = pytest("not offline and not cluster", env, extra)
            summary.append((f"RabbitMQ {each.version()}", result))
            continue
        started = ensure(each)
        try:
            result = pytest("cluster", env, extra)
            summary.append((f"RabbitMQ {each.version()}, three-node cluster", result))
        finally:
            if started:
                each.stop()
    print()
    if figures.exists():
        print(figures.read_text())
    for label, result in summary:
        print(f"{label}: {counts(*result)}")
    total = [sum(column) for column in zip(*(result for _, result in summary))]
    print(f"total: {total[0]} passed, {total[1]} failed")
    return 1 if total[1] or not total[0] else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    sys.exit(main(args[:split], args[split + 1:]))
