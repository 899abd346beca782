"""``make test``: every lane, each one pytest run, and one line for each.

    python tests/run.py [LANE ...] [-- PYTEST-ARGS]

The lanes (default: all of them; naming only brokers, as ``make test
RABBITMQ=system`` does, adds the offline lane, and the script lanes where the
system broker is among them):

* ``offline``: the tests that need no broker.
* ``system``, ``4.3``: every other test, on that broker (broker.py); any
  other name is taken as a broker's URL. ``cluster``: the node-loss tests,
  on a three-node cluster started for them (and stopped after, if this run
  started it).
* ``pythons``: the tests that run the scripts (each pattern end to end,
  Ctrl+C, bad input) on each CPython from 3.9 to 3.13 this machine has.
* ``pika``: the same on the oldest and newest pika requirements.txt admits,
  and on the coming release.
* ``windows``: the scripts' Ctrl+C tests on a Python whose signal module
  lacks what Windows lacks (windows/sitecustomize.py).
* ``noroot``: make test RABBITMQ=system as a user without root, created for
  it (test_noroot.py): named only, as make test RABBITMQ=noroot does, since
  it runs the system broker's lane a second time.

Without root, the tests that need it (they create a user) are left out, in
a line that says so.

The last three run side by side on the system broker, each in a virtual
host of its own, while the cluster's run. Each lane's output goes to a log;
a lane that fails, runs fewer tests than it collected, or is cut short
fails the run, in a line that names it, followed by the end of its log.
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import broker
import clients

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
VENVS = broker.CACHE / "rabbitmq-tutorial" / "venvs"
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# The pika releases to test beside the newest: the oldest admitted, and the
# coming one.
PIKAS = ["1.3.0", "1.5.0rc1"]
SCRIPTS = [f"test_{name}.py" for name in
           ("basic", "workers", "pubsub", "routing", "topic", "rpc", "cli")]
CTRL_C = ["test_cli.py", "test_blocked.py", "test_reliability.py"]
LOGS = Path(tempfile.mkdtemp(prefix="make-test-"))


def lane(label, python, files, selection, env, extra=()):
    """Run pytest; (label, [passed, failed, skipped], what went wrong)."""
    name = re.sub(r"\W+", "-", label).strip("-")
    report, log = LOGS / f"{name}.jsonl", LOGS / f"{name}.log"
    started = time.monotonic()
    with open(log, "w") as output:
        status = subprocess.run(
            [python, "-m", "pytest", *([str(TESTS / file) for file in files]
                                       or [str(TESTS)]),
             "-m", selection, "-p", "no:cacheprovider", *extra],
            env={**os.environ, **env, "LANE_REPORT": str(report)},
            stdout=output, stderr=subprocess.STDOUT).returncode
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
    line = summary(label, counts, problem)
    print(f"{line} ({time.monotonic() - started:.0f} s)", flush=True)
    if problem or counts[1]:
        print("".join(log.read_text().splitlines(keepends=True)[-60:]), flush=True)
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


def interpreter(minor):
    """(path, version) of CPython minor on this machine, or None."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pattern = str(pyenv / f"versions/{minor}.*/bin/python{minor}")
    for path in [*sorted(glob.glob(pattern)), f"python{minor}"]:
        try:
            found = subprocess.run(
                [path, "-c", "import sys; print(sys.version.split()[0])"],
                capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if found.returncode == 0 and found.stdout.startswith(f"{minor}."):
            return path, found.stdout.strip()
    return None


def requirements(pika=None):
    """What the script lanes install: pika (this release, or the range
    requirements.txt admits) and the test runner, as requirements.txt says."""
    lines = [line.split("#")[0].strip() for line in
             (ROOT / "requirements.txt").read_text().splitlines()]
    wanted = [line for line in lines if re.match(r"(pika|pytest)\b", line)]
    return [f"pika=={pika}" if pika and line.startswith("pika") else line
            for line in wanted]


def venv(python, version, packages):
    """A virtual environment for python with packages, made once and kept."""
    key = hashlib.sha256(" ".join(packages).encode()).hexdigest()[:8]
    folder = VENVS / f"python-{version}-{key}"
    if not (folder / ".ready").exists():
        print(f"Making a virtual environment for Python {version} "
              f"({', '.join(packages)})...", flush=True)
        for step in ([python, "-m", "venv", "--clear", str(folder)],
                     [str(folder / "bin/python"), "-m", "pip", "install", "--quiet",
                      "--disable-pip-version-check", *packages]):
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{' '.join(step[:4])}... failed:\n{done.stdout}{done.stderr}")
        (folder / ".ready").touch()
    return str(folder / "bin/python")


def installed_pika(python):
    return subprocess.run([python, "-c", "import pika; print(pika.__version__)"],
                          capture_output=True, text=True, check=True).stdout.strip()


class VirtualHost:
    """A virtual host of its own on the system broker, for a lane that runs
    beside others; without rabbitmqctl, the broker's default one."""

    def __init__(self, system, name):
        self.system, self.name = system, name
        try:
            system.checked("add_vhost", name)
            system.checked("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
            self.url = system.url_with(vhost=name)
        except broker.Fail:
            self.name, self.url = None, system.url

    def close(self):
        if self.name:
            self.system.checked("delete_vhost", self.name)


def side_lanes(names):
    """The script lanes: {python: [labels]}, and the Ctrl+C lane's python.
    A Python and a pika release met in one interpreter run once, under
    both labels."""
    found = {}
    if "pythons" in names:
        for minor in PYTHONS:
            there = interpreter(minor)
            if there is None:
                print(f"Python {minor}: not on this machine, not tested", flush=True)
                continue
            python = (sys.executable if sys.version.split()[0] == there[1]
                      else venv(there[0], there[1], requirements()))
            found.setdefault(python, []).append(f"Python {there[1]}")
    if "pika" in names:
        for release in [None, *PIKAS]:  # None: the newest admitted
            python = sys.executable if release is None else venv(
                sys.executable, sys.version.split()[0], requirements(release))
            found.setdefault(python, []).append(f"pika {installed_pika(python)}")
    return found


def run_side(labels, python, system, extra, files=SCRIPTS, env=None):
    """A lane on the system broker, in a virtual host of its own; its result
    under each of its labels."""
    vhost = VirtualHost(system, "tests-" + re.sub(r"\W+", "-", labels[0]).strip("-"))
    try:
        label, counts, problem = lane(
            labels[0], python, files, "not cluster",
            {"RABBITMQ": "system", "AMQP_URL": vhost.url, **(env or {})}, extra)
    finally:
        vhost.close()
    return [(label, counts, problem), *((other, counts, None) for other in labels[1:])]


def main(names, extra):
    known = ["system", "4.3", "cluster"]
    lanes = ("offline", "pythons", "pika", "windows", "noroot")
    not_root = ""
    if os.geteuid() != 0:
        not_root = " and not root"
        print("Not run without root: the tests that create a user of their own "
              "(test_noroot.py)", flush=True)
    if set(names) <= set(known):  # as make test RABBITMQ=... names them
        names = [*(names or known), "offline",
                 *(["pythons", "pika", "windows"] if "system" in (names or known)
                   else [])]
    brokers = [broker.named(name) for name in names if name not in lanes]
    for each in brokers:
        if each.name != "cluster":
            ensure(each)
    system = broker.named("system")
    side = [pool_args for pool_args in side_lanes(names).items()]
    if side or "windows" in names or "noroot" in names:
        ensure(system)
    clients.ensure()
    print(f"Each lane's output: {LOGS}", flush=True)
    figures = LOGS / "figures.txt"
    results = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        # The full lanes, one per broker, side by side with the offline one.
        first = []
        if "offline" in names:
            first.append(pool.submit(lane, "Without a broker", sys.executable, [],
                                     "offline" + not_root, {}, extra))
        for each in brokers:
            if each.name != "cluster":
                first.append(pool.submit(
                    lane, f"RabbitMQ {each.version()}", sys.executable, [],
                    "not offline and not cluster and not reader" + not_root,
                    {"RABBITMQ": each.name, "AMQP_URL": each.url,
                     "TEST_FIGURES": str(figures)}, extra))
        results += [future.result() for future in first]
        if "noroot" in names:  # alone: it stops the system broker's app
            results.append(lane(
                "As a user without root: make test RABBITMQ=system",
                sys.executable, ["test_noroot.py"], "reader",
                {"RABBITMQ": "system", "AMQP_URL": system.url}, extra))
        # Then the script lanes on the system broker, while the cluster runs.
        later = [pool.submit(run_side, labels, python, system, extra)
                 for python, labels in side]
        if "windows" in names:
            # Not the blocked producer's test: its alarm would block every lane.
            later.append(pool.submit(
                run_side, ["Without POSIX signals, as on Windows"], sys.executable,
                system, [*extra, "-k", "(signal or ctrl_c) and not blocked_producer"],
                files=CTRL_C, env={"PYTHONPATH": str(TESTS / "windows")}))
        for each in brokers:
            if each.name == "cluster":
                started = ensure(each)
                try:
                    results.append(lane(
                        f"RabbitMQ {each.version()}, three-node cluster",
                        sys.executable, [], "cluster",
                        {"RABBITMQ": "cluster", "AMQP_URL": each.url,
                         "TEST_FIGURES": str(figures)}, extra))
                finally:
                    if started:
                        each.stop()
        results += [result for future in later for result in future.result()]
    print()
    if figures.exists():
        print(figures.read_text())
    for result in results:
        print(summary(*result))
    # A lane reported under two labels counts once.
    runs = {id(counts): counts for _, counts, _ in results}.values()
    total = [sum(column) for column in zip(*runs)]
    failed = [label for label, counts, problem in results if problem or counts[1]]
    print(f"total: {total[0]} passed, {total[1]} failed")
    if failed:
        print(f"make test failed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    sys.exit(main(args[:split], args[split + 1:]))
