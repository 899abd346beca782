"""``make test``: every lane, each one pytest run, and one line for each.

    python tests/tools/run.py [LANE ...] [-- PYTEST-ARGS]

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
* ``pika``: the same on the oldest pika requirements.txt admits and on the
  coming release, each on a Python of its own (PIKAS); the newest admitted
  is the one make test itself runs on.
* ``windows``: the scripts' Ctrl+C tests on a Python whose signal module
  lacks what Windows lacks (windows/sitecustomize.py).
* ``noroot``: make test RABBITMQ=system as a user without root, created for
  it (test_noroot.py): named only, as make test RABBITMQ=noroot does, since
  it runs the system broker's lane a second time.

Without root, the tests that need it (they create a user) are left out, in
a line that says so.

The lanes run side by side, six at a time, and the cluster's beside them.
A broker this run controls (system, 4.3) is tested in three parts: the
tests marked ``alone`` (they stop it, block it or change a setting of the
whole node) with nothing else on it; then, or before, the scripts' tests in
a virtual host of their own beside the rest. The script lanes run beside
a broker's shared part, each in a virtual host of its own: Python 3.12 and
newer on 4.3, the others on the system broker. The script
tests of make test's own Python and pika are not run again: their lines
count them in the offline and system lanes. Each lane's output goes to a
log; a lane that fails, runs fewer tests than it collected, or is cut short
fails the run, in a line that names it, followed by the end of its log.
"""
import functools
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
from harness import FOLDERS

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
VENVS = broker.CACHE / "rabbitmq-tutorial" / "venvs"
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# The pika releases to test beside the newest, each on a Python of its own:
# the oldest admitted on the oldest Python, the coming one on a recent one.
PIKAS = {"1.3.0": "3.9", "1.5.0rc1": "3.12"}
# How many lanes run at once.
LANES = 6
# The script lanes of this Python and newer run on 4.3, the others on the
# system broker: each beside the other broker's outages.
NEWER = (3, 12)
# Each pattern's tests, and the command-line layer's.
SCRIPTS = [f"test_{name}.py" for name in (*FOLDERS, "cli")]
CTRL_C = ["test_cli.py", "test_blocked.py", "test_reliability.py", "test_confirms.py"]
WINDOWS = Path(__file__).resolve().parent / "windows"  # sitecustomize.py
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
    return Result(label, counts, problem, outcomes)


class Result:
    """A lane's end: its label, [passed, failed, skipped], what went wrong,
    {test: outcome}; same_as: the lane it repeats the line of, if any."""

    def __init__(self, label, counts, problem, outcomes, same_as=None):
        self.label, self.counts, self.problem = label, counts, problem
        self.outcomes, self.same_as = outcomes, same_as

    def failed(self):
        return bool(self.problem or self.counts[1])


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


def side_lanes(names, derived):
    """The script lanes: [(python, [labels])]. Each pika release runs on a
    Python of its own (PIKAS), one lane under both labels; the Python and
    pika of make test itself are the main lanes' (derived: their labels)."""
    here = sys.version.split()[0]
    pythons = {}
    if "pythons" in names:
        for minor in PYTHONS:
            there = interpreter(minor)
            if there is None:
                print(f"Python {minor}: not on this machine, not tested", flush=True)
            else:
                pythons[minor] = there
    found = []
    if "pika" in names:
        for release, minor in PIKAS.items():
            there = pythons.get(minor, (sys.executable, here))
            python = venv(*there, requirements(release))
            labels = [f"pika {installed_pika(python)}"]
            if minor in pythons:
                labels.insert(0, f"Python {pythons.pop(minor)[1]}")
            found.append((python, labels))
        derived.append(f"pika {installed_pika(sys.executable)}")
    for path, version in pythons.values():
        if version == here:
            derived.insert(0, f"Python {version}")
        else:
            found.append((venv(path, version, requirements()), [f"Python {version}"]))
    return found


def in_vhost(labels, python, on, extra, files=SCRIPTS, env=None,
             selection="not cluster"):
    """A lane on broker on, in a virtual host of its own; its result under
    each of its labels."""
    vhost = VirtualHost(on, "tests-" + re.sub(r"\W+", "-", labels[0]).strip("-"))
    try:
        result = lane(labels[0], python, files, selection,
                      {"RABBITMQ": on.name, "AMQP_URL": vhost.url, **(env or {})},
                      extra)
    finally:
        vhost.close()
    return [result, *(Result(other, result.counts, None, {}, same_as=result)
                      for other in labels[1:])]


def scripts_in(label, lanes):
    """The script lanes' tests as the main lanes ran them, under label."""
    outcomes = {test: outcome for each in lanes for test, outcome
                in each.outcomes.items() if Path(test.split("::")[0]).name in SCRIPTS}
    counts = [sum(outcome == kind for outcome in outcomes.values())
              for kind in ("passed", "failed", "skipped")]
    problem = next((f"in {each.label}: {each.problem}" for each in lanes
                    if each.problem), None)
    return Result(label, counts, problem, outcomes, same_as=lanes)


def one_line(label, parts):
    """The parts of a broker's lane, as one result."""
    outcomes = {test: outcome for each in parts for test, outcome
                in each.outcomes.items()}
    counts = [sum(column) for column in zip(*(each.counts for each in parts))]
    problems = [f"{each.label.split(', ')[-1]}: {each.problem}"
                for each in parts if each.problem]
    return Result(label, counts, "; ".join(problems) or None, outcomes)


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
    system = next((each for each in brokers if each.name == "system"), None)
    # The lanes of make test's own Python and pika are the main lanes: no
    # lane runs their tests again, when the offline and system lanes run.
    derived = []
    side = side_lanes(names, derived)
    if derived and not ("offline" in names and system and system.ctl_prefix):
        side.append((sys.executable, derived))
        derived = []
    if not system and (side or {"windows", "noroot"} & set(names)):
        system = broker.named("system")
        ensure(system)
    clients.ensure()
    print(f"Each lane's output: {LOGS}", flush=True)
    figures = LOGS / "figures.txt"
    tests = "not offline and not cluster and not reader" + not_root
    others = sorted(path.name for path in TESTS.glob("test_*.py")
                    if path.name not in SCRIPTS)

    part_of = {}  # a part's label: the broker whose line it counts in

    def on_broker(each, part, files=(), selection=""):
        label = f"RabbitMQ {each.version()}" + (f", {part}" if part else "")
        if each is not system:
            selection += " and not once"
        if part:
            part_of[label] = each
        if part == "the scripts' tests":  # beside the rest: in a vhost
            return functools.partial(in_vhost, [label], sys.executable, each, extra,
                                     files, {"TEST_FIGURES": str(figures)},
                                     tests + selection)
        return functools.partial(lane, label, sys.executable, files,
                                 tests + selection,
                                 {"RABBITMQ": each.name, "AMQP_URL": each.url,
                                  "TEST_FIGURES": str(figures)}, extra)

    # Each chain is stages run in turn, the lanes of a stage side by side.
    # A broker this run controls has three parts: the tests that stop or
    # block it (marked alone), with nothing else on it; its scripts' tests,
    # in a virtual host of their own, beside the rest. The system broker's
    # alone part comes first, 4.3's last, so that one waits out its outages
    # while the other is busy. A broker reached by URL only has one lane;
    # the cluster, one of its own, from the start.
    split = [each for each in brokers if each.ctl_prefix and each.name != "cluster"]
    chains = {}
    for each in brokers:
        if each in split:
            alone = [on_broker(each, "stopped and blocked", (), " and alone")]
            shared = [on_broker(each, "the rest", others, " and not alone"),
                      on_broker(each, "the scripts' tests", SCRIPTS)]
            chains[each.name] = ([alone, shared] if each.name == "system"
                                 else [shared, alone])
        elif each.name != "cluster":
            chains[each.name] = [[on_broker(each, "")]]
    if "offline" in names:
        chains["offline"] = [[functools.partial(
            lane, "Without a broker", sys.executable, [], "offline" + not_root, {},
            extra)]]
    # The other Pythons and pikas, each in a virtual host of its own beside
    # a broker's shared lanes: the newer ones on 4.3, where there is one,
    # the older on the system broker; and there, the Ctrl+C tests without
    # POSIX signals.
    newest = next((each for each in split if each.name == "4.3"), None)
    for python, labels in side:
        version = re.fullmatch(r"Python (\d+)\.(\d+)\..*", labels[0])
        newer = version and tuple(map(int, version.groups())) >= NEWER
        on = newest if newest and newer else system
        chains.setdefault(on.name, [[]])[-1 if on is system else 0].append(
            functools.partial(in_vhost, labels, python, on, extra))
    if "windows" in names:
        chains.setdefault("system", [[]])[-1].append(functools.partial(
            in_vhost, ["Without POSIX signals, as on Windows"], sys.executable,
            system, [*extra, "-k", "signal or ctrl_c"], CTRL_C,
            {"PYTHONPATH": str(WINDOWS)}, "not cluster and not alone"))
    if "noroot" in names:  # it stops the system broker's app: after the rest
        chains.setdefault("system", []).append([functools.partial(
            lane, "As a user without root: make test RABBITMQ=system",
            sys.executable, ["test_noroot.py"], "reader",
            {"RABBITMQ": "system", "AMQP_URL": system.url}, extra)])

    def listed(run):
        result = run()
        return result if isinstance(result, list) else [result]

    def in_turn(stages):
        done = []
        for stage in stages:
            for future in [pool.submit(listed, run) for run in stage]:
                done += future.result()
        return done

    parts = []
    with ThreadPoolExecutor(max_workers=LANES) as pool, \
            ThreadPoolExecutor(max_workers=len(chains) or 1) as chained:
        running = [chained.submit(in_turn, stages) for stages in chains.values()]
        for each in brokers:
            if each.name == "cluster":
                started = ensure(each)
                try:
                    parts.append(lane(
                        f"RabbitMQ {each.version()}, three-node cluster",
                        sys.executable, [], "cluster",
                        {"RABBITMQ": "cluster", "AMQP_URL": each.url,
                         "TEST_FIGURES": str(figures)}, extra))
                finally:
                    if started:
                        each.stop()
        for future in running:
            parts += future.result()
    results = [each for each in parts if each.label not in part_of]
    for each in split:
        results.append(one_line(f"RabbitMQ {each.version()}", [
            part for part in parts if part_of.get(part.label) is each]))
    if derived:
        main_ones = [each for each in parts if each.label in (
            "Without a broker", f"RabbitMQ {system.version()}, the scripts' tests")]
        results += [scripts_in(label, main_ones) for label in derived]
    print()
    if figures.exists():
        print(figures.read_text())
    order = ("Without a broker", "RabbitMQ", "As a user", "Python", "pika", "Without")
    results.sort(key=lambda each: (
        next(number for number, start in enumerate(order)
             if each.label.startswith(start)),
        "cluster" in each.label,
        [int(number) for number in re.findall(r"\d+", each.label.split(":")[0])]))
    for each in results:
        print(summary(each.label, each.counts, each.problem))
    # A lane reported under two labels counts once.
    total = [sum(column) for column in
             zip(*(each.counts for each in results if each.same_as is None))]
    failed = [each.label for each in results if each.failed()]
    print(f"total: {total[0]} passed, {total[1]} failed")
    if failed:
        print(f"make test failed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    sys.exit(main(args[:split], args[split + 1:]))
