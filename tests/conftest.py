"""Shared fixtures: the broker under test, left as each test found it.

Tests marked ``offline`` need no broker: ``make test`` runs them once, and
every other test once on each broker (see run.py and broker.py). Tests marked
``cluster`` run once, on the three-node cluster (cluster.py).

After each test that needs a broker, nothing it started may still run, and
the broker must hold what it held before: no message or consumer on the
tutorial's queues, no client connection, and, if the test called
rabbitmqctl, the same policies, alarms and settings.
"""
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from pika import exceptions

import broker
import harness

BROKER = broker.under_test()
AMQP_URL = BROKER.url
# The scripts the tests start, and the classes they load, connect to it too.
os.environ.setdefault("AMQP_URL", AMQP_URL)
# Where the broker under test listens, for a proxy in front of it.
ADDRESS = (urlsplit(AMQP_URL.split(",")[0]).hostname,
           urlsplit(AMQP_URL.split(",")[0]).port or 5672)
# Where tests write figures for the summary of make test (run.py).
FIGURES = os.environ.get("TEST_FIGURES")
# Where this run says what it collected and how it ended (run.py).
LANE_REPORT = os.environ.get("LANE_REPORT")

# Every named queue a pattern declares. A test starts with them empty and
# must leave them empty.
QUEUES = ["basic.greetings", "workers.tasks", "workers.tasks.failed",
          "rpc.fibonacci", "confirms.messages"]
# A pattern's streams. A stream keeps what it is sent, so it is never empty:
# each test starts without them, and whatever it declared is deleted after.
STREAMS = ["streams.events"]


def pytest_configure(config):
    config.addinivalue_line("markers", "offline: needs no broker")
    config.addinivalue_line("markers", "cluster: needs the three-node cluster")
    config.addinivalue_line("markers", "root: needs root (creates a user)")
    config.addinivalue_line("markers", "once: checks make's own set-up, whatever "
                            "the broker: run.py runs it on the system broker only")
    config.addinivalue_line("markers", "alone: stops the broker, raises an alarm or "
                            "changes a node-wide setting: runs when no other run "
                            "uses that broker (run.py)")
    config.addinivalue_line("markers", "reader: runs make test as a user without "
                            "root (the noroot lane only)")


def lane_report(**facts):
    if LANE_REPORT:
        with open(LANE_REPORT, "a") as file:
            file.write(json.dumps(facts) + "\n")


def pytest_collection_finish(session):
    lane_report(collected=len(session.items))


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        lane_report(test=report.nodeid, when=report.when, outcome=report.outcome)


def pytest_sessionfinish(session, exitstatus):
    lane_report(exitstatus=int(exitstatus))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # A test ended by its time limit says what it was waiting for.
    report = yield
    if report.failed and harness.WAITING:
        now = time.monotonic()
        report.sections.append(("waiting", "\n".join(
            f"{what}: for {now - since:.1f} s" for what, since in harness.WAITING)))
    return report


def report(line):
    """A figure for the summary make test prints at its end."""
    print(line)
    if FIGURES:
        with open(FIGURES, "a") as figures:
            figures.write(line + "\n")


def broker_connection():
    return BROKER.connection()


def rabbitmqctl(*args, timeout=120):
    """rabbitmqctl on the broker under test; its stdout."""
    try:
        return BROKER.checked(*args, timeout=timeout)
    except broker.Disturbs as error:
        pytest.fail(str(error))
    except broker.Fail as error:
        pytest.fail(f"{error} (these tests control the broker: they need root, "
                    "password-less sudo, or RABBITMQCTL naming a rabbitmqctl "
                    "that works, as RABBITMQCTL=\"docker exec rabbitmq "
                    "rabbitmqctl\" does with RabbitMQ in Docker)")


def url(**changes):
    """AMQP_URL of the broker under test, with another password or query."""
    return BROKER.url_with(**changes)


def depths():
    """{queue: (ready messages, consumers)} for the QUEUES that exist."""
    found = {}
    with broker_connection() as connection:
        for queue in QUEUES:
            channel = connection.channel()
            try:
                frame = channel.queue_declare(queue, passive=True)
            except exceptions.ChannelClosedByBroker:
                continue  # not declared yet
            found[queue] = (frame.method.message_count, frame.method.consumer_count)
            channel.close()
    return found


def take(queue):
    """Remove what is in queue; the bodies, in order. For a test whose
    point is what a queue holds."""
    taken = []
    with broker_connection() as connection:
        channel = connection.channel()
        while (message := channel.basic_get(queue, auto_ack=True))[0]:
            taken.append(message[2])
    return taken


def wait_depth(queue, count, timeout=15):
    """Until queue holds count ready messages (quorum queues' counts lag)."""
    harness.until(lambda: depths().get(queue, (None,))[0] == count, timeout,
                  f"{queue} holding {count} messages")


def connections_of(pid="self"):
    """The local ports of the connections to the broker that process pid
    holds open: as the broker lists them (peer_port), without asking it."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile, by a thread
            inodes.add(os.readlink(fd).removeprefix("socket:[").rstrip("]"))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for fields in map(str.split, list(rows)[1:]):
                # 01: established, to one of the broker's ports.
                if (fields[3] == "01" and fields[9] in inodes
                        and int(fields[2].rsplit(":", 1)[1], 16) in BROKER.ports()):
                    ports.add(str(int(fields[1].rsplit(":", 1)[1], 16)))
    return ports


def our_connections():
    """How many connections to the broker the tests' own process holds open
    (the scripts it started have ended: leave_as_found checks that first).
    Other runs on the same broker, side by side, do not count."""
    return len(connections_of())


def vhost_connections():
    """The client ports of the broker's connections in our virtual host."""
    vhost = unquote(urlsplit(AMQP_URL.split(",")[0]).path[1:]) or "/"
    return {port for line in rabbitmqctl(
        "-q", "list_connections", "vhost", "peer_port").splitlines()
        for each_vhost, port in [line.split("\t")] if each_vhost == vhost}


def delete_streams():
    with broker_connection() as connection:
        for stream in STREAMS:
            connection.channel().queue_delete(stream)


def left_on_broker():
    """What is left: messages, consumers, connections."""
    left = {queue: f"{messages} messages, {consumers} consumers"
            for queue, (messages, consumers) in depths().items()
            if messages or consumers}
    if connections := our_connections():
        left["connections"] = connections
    return left


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory):
    """The docs, built once a run as `make docs` and Read the Docs build
    them: strict and fresh. (html folder, the warnings)."""
    html = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q",
         str(harness.ROOT / "docs"), str(html)], capture_output=True, text=True)
    return html, result.stderr if result.returncode else ""


@pytest.fixture(scope="session")
def current_queues():
    """The tutorial's queues as this version declares them: one an earlier
    version declared with other arguments is deleted (empty, as every test
    leaves it), so that the scripts can declare it anew."""
    from bench import load  # loads a folder's classes without its scripts

    try:
        with load("workers")["queue"].Queue("workers.tasks") as queue:
            queue.connect()
    except exceptions.ChannelClosedByBroker:
        with broker_connection() as connection:
            connection.channel().queue_delete("workers.tasks")


@pytest.fixture(scope="session")
def settings():
    """The broker's policies, alarms and settings as the run found them
    (None for a broker on another machine, which tests cannot change)."""
    return BROKER.settings() if BROKER.ctl_prefix else None


@pytest.fixture(autouse=True)
def leave_as_found(request):
    if request.node.get_closest_marker("offline"):
        yield
        check_scripts_ended()
        return
    if request.node.get_closest_marker("cluster") and BROKER.name != "cluster":
        pytest.fail("this test needs the cluster: run it with RABBITMQ=cluster "
                    "(make test does)")
    try:
        BROKER.connection().close()
    except exceptions.AMQPConnectionError as error:
        # No test can pass now: stop the run, which run.py reports as cut short.
        pytest.exit(f"RabbitMQ stopped answering at AMQP_URL ({error!r})",
                    returncode=3)
    request.getfixturevalue("current_queues")
    found = request.getfixturevalue("settings")
    leftover = {queue: counts for queue, counts in depths().items() if any(counts)}
    if leftover:  # an earlier test's: it failed for it already
        for queue in leftover:
            take(queue)
    delete_streams()
    calls = BROKER.ctl_calls
    # Others may use this node meanwhile, unless the test is marked alone.
    BROKER.shared = not request.node.get_closest_marker("alone")
    try:
        yield
    finally:
        BROKER.shared = False
    check_scripts_ended()
    delete_streams()
    # A script just stopped may take a moment to leave the broker.
    try:
        harness.until(lambda: not left_on_broker(), 5, "the broker as found")
    except AssertionError:
        pytest.fail(f"left on the broker: {left_on_broker()}", pytrace=False)
    if found is not None and BROKER.ctl_calls != calls:
        now = BROKER.settings()
        assert now == found, f"broker settings changed: {found} -> {now}"


def check_scripts_ended():
    left = [script for script in list(harness.RUNNING) if not script.ended()]
    for script in left:
        script.kill()
    harness.RUNNING.clear()
    assert not left, f"still running: {[script.command_line for script in left]}"
