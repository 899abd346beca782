"""Write the terminal transcripts that the docs include: ``make transcripts``.

Every transcript comes from a real run: the tour of each pattern, recorded
terminal by terminal, and a few single commands. tests/test_docs.py runs them
again and checks the files still match what the scripts print.

They are recorded on RabbitMQ 4.3, the release readers run, at the address
they use, localhost:5672: the system broker's app is stopped meanwhile, and
a proxy on 5672 forwards to the 4.3 node, whose default virtual host is made
afresh, so its listings hold only what the pages explain. Then the system
broker (3.x) records what differs there, for the pages' "On RabbitMQ 3.x".
"""
import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

import broker
import streams_runs
import tour
from harness import ROOT, Consumers, Script, run
from proxy import NotAMQP, Proxy

OUT = ROOT / "docs" / "transcripts"
CLOSED = "amqp://guest:guest@localhost:5999/%2F"
BROKER = broker.under_test()

# name: (folder, script, arguments, environment, run with the folder's consumer)
SINGLE = {
    "pubsub/no-subscriber": ("pubsub", "producer", [], {}, False),
    "routing/usage": ("routing", "producer", [], {}, False),
    "topic/bad-pattern": ("topic", "consumer", ["kern*"], {}, False),
    "rpc/no-server": ("rpc", "producer", ["30", "--timeout", "2"], {}, False),
    "rpc/too-large": ("rpc", "producer", ["5000"], {}, True),
    "streams/bad-offset": ("streams", "consumer", ["--offset", "nonsense"], {}, False),
    "troubleshooting/not-running": (
        "basic", "consumer", [], {"AMQP_URL": CLOSED}, False),
    # The broker's URL, with a wrong password (when run: BROKER may change).
    "troubleshooting/wrong-password": (
        "basic", "consumer", [], {"AMQP_URL": "wrong password"}, False),
}


def record_tour(name, look=None):
    """{terminal: lines} of one pattern's tour; with look, also "look": what
    look() returned, called while the pattern's consumers still run."""
    terminals, lock = defaultdict(list), threading.Lock()

    def echo(label, line):
        with lock:
            terminals[label.replace(" ", "-")].append(line)

    def looked():
        terminals["look"] = look()

    tour.PATTERNS[name][0](echo=echo, look=look and looked)
    return dict(terminals)


def record_single(name):
    folder, script, args, env, with_consumer = SINGLE[name]
    if env.get("AMQP_URL") == "wrong password":
        env = {"AMQP_URL": BROKER.url_with(password="wrong")}
    lines = []
    with Consumers(folder, *([[]] if with_consumer else [])):
        run(folder, script, *args, env=env, echo=lambda _, line: lines.append(line))
    return lines


def address_free(text):
    """text with the broker's address as <broker>: the transcripts ran on
    localhost:5672, the tests run on other ports too."""
    return re.sub(r"\b(localhost|127\.0\.0\.1):\d+", "<broker>", text)


def normalize(lines):
    """What varies from run to run: times, server-made names, the broker."""
    result = []
    for line in lines:
        line = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "<time>", line)
        line = re.sub(r"amq\.gen-[\w-]+", "amq.gen-<name>", line)
        line = re.sub(r" in [\d,]+ ms: [\d,]+ messages/s$", " in <ms> ms: <rate> "
                      "messages/s", line)  # confirms/producer.py's figures
        result.append(address_free(line))
    return Counter(result)


def look(command):
    """A look at the broker under test: the command as a reader types it,
    ``sudo rabbitmqctl -q ARGS [| grep WORD]``, then what it printed."""
    args, _, word = command.partition(" | grep ")
    lines = BROKER.checked("-q", *shlex.split(args)).splitlines()
    return [f"$ sudo rabbitmqctl -q {command}", *(line for line in lines
                                                  if word in line)]


def look_until(command, wanted, timeout=30):
    """look(command) again until its output holds wanted (the broker's
    counts for quorum queues lag a little); the last look."""
    deadline = time.monotonic() + timeout
    while True:
        lines = look(command)
        if wanted(lines[1:]) or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)  # poll the broker


def rabbitmqctl(*args):
    return look(shlex.join(args))


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


def consumer_timeout(echo=None, shown=None):
    """A worker whose task outlives the consumer timeout, lowered to 3 s
    (shown gets how); another worker gets the task. Returns (slow, fast),
    both ended."""
    with BROKER.consumer_timeout("workers.tasks", 3000, shown):
        with Script("workers", "consumer", "--seconds", 10, label="slow",
                    echo=echo) as slow:
            slow.ready()
            run("workers", "producer", "long task", echo=echo, label="producer")
            slow.wait_for("^long task received$")
            with Consumers("workers", ["--seconds", 0], echo=echo) as (fast,):
                slow.wait_until(lambda: slow.stderr, 90, "consumer timeout line")
                fast.wait_for("^long task done$")
                slow.ready(count=2)
            if echo:
                echo(slow.label, "^C")
    return slow, fast


def deprecated():
    """What the same old-style declarations get from each broker; the
    phases of the deprecated features on 4.3, and what a 4.3 that denies
    transient non-exclusive queues, as RabbitMQ's own builds do, says."""
    files = {}
    for name in ("system", "4.3"):
        chosen = broker.named(name)
        files[f"deprecated-{chosen.version()}"] = run_deprecated(chosen)
    node = broker.named("4.3")
    version = node.version()
    files[f"deprecated-phases-{version}"] = deprecated_phases(node)
    with denying(node, "transient_nonexcl_queues") as shown:
        files[f"deprecated-denied-{version}"] = [
            *shown, *deprecated_phases(node), *run_deprecated(node)]
    return files


def run_deprecated(chosen):
    lines = []
    run("docs/examples", "deprecated", env={"AMQP_URL": chosen.url},
        echo=lambda _, line: lines.append(line))
    return lines


# The deprecated features the troubleshooting page is about.
FEATURES = ("global_qos", "transient_nonexcl_queues")


def deprecated_phases(node):
    """The 4.3 node's phase (its build's default) and state (in force on the
    node) of each of FEATURES, as rabbitmq-diagnostics lists them."""
    args = ["-q", "list_deprecated_features", "name", "deprecation_phase",
            "state", "--formatter=csv"]
    listing = broker.as_root(*node.AS_RABBITMQ, "rabbitmq-diagnostics", *args,
                             capture_output=True, text=True, timeout=120,
                             check=True).stdout
    return [f"$ sudo rabbitmq-diagnostics {shlex.join(args)} | grep "
            + " ".join(f"-e {feature}" for feature in FEATURES),
            *(line for line in listing.splitlines()
              if line.split(",")[0].strip('"') in FEATURES)]


@contextlib.contextmanager
def denying(node, feature):
    """The 4.3 node restarted with feature denied in its rabbitmq.conf;
    yields the file, as a reader shows it. Afterwards the file is as it
    was, and the node restarted with it."""
    conf = broker.CHROOT / "etc" / "rabbitmq" / "rabbitmq.conf"
    was = conf.read_text() if conf.exists() else None

    def restart():
        node.ctl("shutdown")  # the node reads rabbitmq.conf when it starts
        node.ensure()

    conf.write_text(f"{was or ''}deprecated_features.permit.{feature} = false\n")
    try:
        restart()
        yield ["$ cat /etc/rabbitmq/rabbitmq.conf", *conf.read_text().splitlines()]
    finally:
        if was is None:
            conf.unlink()
        else:
            conf.write_text(was)
        restart()


# Where a reader's copy of the repository is, in what the pages show.
READERS_COPY = "/home/you/rabbitmq-tutorial"


def shell(folder, command, python=sys.executable, timeout=120):
    """A command line run in bash in folder, as typed, with python first on
    PATH, as in an activated virtual environment; what it printed."""
    result = subprocess.run(["bash", "-c", command], cwd=ROOT / folder,
                            capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "PATH": f"{Path(python).parent}"
                                 f":{os.environ['PATH']}"})
    return [f"$ {command}", *result.stdout.splitlines(), *result.stderr.splitlines()]


def troubles():
    """The broker blocks publishers; another client sends bytes that are not
    text; a message over the broker's size limit."""
    files = {}
    with BROKER.memory_alarm():
        files["blocked"] = shell("basic", "python producer.py")
    with BROKER.connection() as connection:
        # The blocked greeting was not confirmed, so not "sent", but it can
        # still reach the queue once the alarm is over: at least once.
        connection.channel().queue_purge("basic.greetings")
    terminal = []
    with Consumers("basic", [], echo=lambda _, line: terminal.append(line)) as (
            consumer,):
        files["not-text-publish"] = shell(
            "basic", "printf 'caf\\xe9' | amqp-publish -r basic.greetings")
        consumer.wait_for(" received$")
    files["not-text"] = terminal
    # Ports where something answers, but not in AMQP: a stand-in for the
    # management UI's web server (at 15674: 15672 is a reader's own broker's),
    # and one that takes the connection and never says a word.
    with NotAMQP(silent=5674, web=15674):
        files["not-amqp"] = [line for port in (15674, 5674) for line in shell(
            "basic", f"AMQP_URL=amqp://guest:guest@localhost:{port}/%2F "
                     "python producer.py")]
    with tempfile.TemporaryDirectory() as copy:
        # In a copy of the workers folder, as a reader adding code would.
        shutil.copytree(ROOT / "workers", Path(copy) / "workers",
                        ignore=shutil.ignore_patterns("__pycache__"))
        pool = "from concurrent.futures import ThreadPoolExecutor; ThreadPoolExecutor()"
        files["queue-hides-queue"] = [line for command in (
            f"python -c '{pool}' 2>&1 | tail -n 1",
            "mv queue.py messaging.py",
            "sed -i.bak 's/^from queue import/from messaging import/' *.py && rm *.bak",
            f"python -c '{pool}; print(\"no error\")'",
            "python producer.py 'a task'",
        ) for line in shell(Path(copy) / "workers", command)]
    with BROKER.connection() as connection:
        connection.channel().queue_purge("workers.tasks")  # "a task"
    with BROKER.max_message_size(1_000_000) as limit:
        # 4.x reads its limit (16 MiB) only when it starts: a message over it.
        size = 2_000_000 if limit < 2_000_000 else 17_000_000
        files["too-big"] = shell(
            "workers", f"python -c \"print('x' * {size:_})\" | "
            "python producer.py --stdin")
    return files


def pika_15():
    """What pika 1.5 changes for this code, in the basic folder, with the
    release the tests check (run.py): a deprecation warning, shown only when
    asked for, and pika.Connection, whose ``import queue`` finds queue.py."""
    import run
    python = run.venv(sys.executable, sys.version.split()[0],
                      run.requirements(list(run.PIKAS)[-1]))
    lines = [line for command in (
        "python -c 'import pika; print(pika.__version__)'",
        "python producer.py | head -n 1",
        "python -W default producer.py 2>&1 | head -n 3",
        "python -c 'import cli, pika; pika.Connection(cli.parameters(cli))' 2>&1 "
        "| tail -n 1",
    ) for line in shell("basic", command, python=python)]
    with BROKER.connection() as connection:
        connection.channel().queue_purge("basic.greetings")
    # The warning names the file by its path: a reader's, not this machine's.
    return {"pika-1.5": [line.replace(f"{ROOT}/", f"{READERS_COPY}/")
                         for line in lines]}


# What each exchange pattern's page shows from the broker, taken in its
# tour's run, while the consumers shown on the page run.
TOUR_LOOKS = {name: f"list_bindings source_name destination_name routing_key "
                    f"| grep {exchange}"
              for name, exchange in (("pubsub", "pubsub.broadcast"),
                                     ("routing", "routing.colors"),
                                     ("topic", "topic.events"))}


def looks():
    """A look at the broker at the moment each page teaches something."""
    files = {}
    queues = "list_queues name messages"
    run("basic", "producer")  # no consumer running
    files["basic/look"] = look_until(f"{queues} | grep basic",
                                     lambda out: out == ["basic.greetings\t5"])
    with Consumers("basic", []) as (consumer,):
        consumer.wait_for(" received$", count=5)
    run("workers", "producer", "one", "two", "three")
    with Consumers("workers", ["--seconds", 10]) as (worker,):
        worker.wait_for("^one received$")
        files["workers/look"] = look_until(
            "list_queues name messages_ready messages_unacknowledged | grep workers",
            lambda out: "workers.tasks\t2\t1" in out)
    with Consumers("workers", ["--seconds", 0]) as (worker,):
        worker.wait_for(" done$", count=3)  # the first, done again: redelivered
    poison = defaultdict(list)

    def failing(label, line):
        poison[label].append(line)

    run("workers", "producer", "poison", echo=failing)
    with Consumers("workers", ["--seconds", 0], echo=failing) as (worker,):
        worker.wait_for("^poison failed$", count=4)
        files["workers/dead-letter"] = look_until(
            f"{queues} | grep workers", lambda out: "workers.tasks.failed\t1" in out)
    files["workers/poison-producer"] = poison["producer"]
    files["workers/poison"] = poison["consumer"]
    with BROKER.connection() as connection:
        connection.channel().queue_purge("workers.tasks.failed")
        # The streams tour's stream keeps its events; the look below shows
        # every queue empty but the request's.
        connection.channel().queue_delete("streams.events")
    # RPC: a client waits for its answer, with no server yet. Its request
    # waits in rpc.fibonacci; no queue waits for the reply (direct reply-to).
    terminals = defaultdict(list)

    def echo(label, line):
        terminals[label].append(line)

    with Script("rpc", "producer", "30", label="client", echo=echo) as client:
        client.wait_for(r"^fib\(30\) sent$")
        files["rpc/look"] = look_until(
            "list_queues name messages consumers",
            # The other queues' counts lag behind the earlier runs a little.
            lambda out: sorted(line.endswith("\t0\t0") for line in out[1:])
            == [False, *[True] * (len(out) - 2)] and "rpc.fibonacci\t1\t0" in out)
        with Consumers("rpc", [], echo=echo) as (_server,):
            client.wait_for(r"^fib\(30\) = 832040 received$")
            client.wait(30)
    files["rpc/look-client"] = terminals["client"]
    files["rpc/look-server"] = terminals["consumer"]
    return files


def confirms():
    """The confirms page's runs beyond its tour: the three strategies on a
    larger count, and a full queue refusing what it cannot take. Its looks
    run in BROKER's virtual host, shown as a reader types them."""
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(BROKER.url).path[1:]) or "/"
    where = [] if vhost == "/" else ["-p", vhost]
    # 50,000 one at a time: a few hundred a second on a slow disk.
    files = {"confirms/rates": shell("confirms", "python producer.py --count 50000",
                                     timeout=600)}
    with BROKER.connection() as connection:
        connection.channel().queue_purge("confirms.messages")
    full = ["set_policy", "--apply-to", "queues", "full", r"^confirms\.messages$",
            '{"max-length": 1000, "overflow": "reject-publish"}']
    BROKER.checked(*full[:1], *where, *full[1:])
    try:
        files["confirms/full"] = [
            f"$ sudo rabbitmqctl {shlex.join(full)}",
            *shell("confirms", "python producer.py --strategy individually "
                   "--count 1500"),
            *(line.replace(f" -p {vhost}", "") for line in look_until(
                f"list_queues {' '.join(where)} name messages | grep confirms",
                lambda out: "confirms.messages\t1" in "".join(out)))]
    finally:
        BROKER.checked("clear_policy", *where, "full")
    with BROKER.connection() as connection:
        connection.channel().queue_purge("confirms.messages")
    return files


def versions():
    """The brokers the transcripts ran on, for the pages to say so."""
    system, latest = (broker.named(name).version() for name in ("system", "4.3"))
    return [f".. |recorded-on| replace:: RabbitMQ {latest}",
            f".. |recorded-on-3x| replace:: RabbitMQ {system}",
            f".. |tested-on| replace:: RabbitMQ {system} and {latest}"]


@contextlib.contextmanager
def at_readers_address():
    """BROKER is RabbitMQ 4.3, at localhost:5672, in a default virtual host
    made afresh: the system broker's app stops meanwhile, and a proxy on
    5672 forwards to the 4.3 node. The scripts run with no AMQP_URL."""
    global BROKER
    system, node = broker.named("system"), broker.named("4.3")
    for each in (system, node):
        each.ensure()
    node.checked("delete_vhost", "/")
    node.checked("add_vhost", "/")
    node.checked("set_permissions", "-p", "/", "guest", ".*", ".*", ".*")
    url, was = os.environ.pop("AMQP_URL", None), BROKER
    system.checked("stop_app")
    try:
        proxy = Proxy("127.0.0.1", node.ports().pop(), listen=5672)
        node.url, BROKER = broker.SYSTEM_URL, node
        try:
            yield
        finally:
            proxy.close()
    finally:
        BROKER = was
        system.checked("start_app")
        system.checked("await_startup")
        if url is not None:
            os.environ["AMQP_URL"] = url


def excerpt(log, label, moment, before=4, after=12):
    """label's lines from log [(label, line)], cut to its start, the lines
    around log[moment] (the kill), its redeliveries, and its end."""
    mine = [(i, line) for i, (each, line) in enumerate(log) if each == label]
    near = [n for n, (i, _) in enumerate(mine) if i >= moment][:1] or [len(mine)]
    keep = {*range(3), *range(near[0] - before, near[0] + after), len(mine) - 1}
    # And every redelivery, with the line after it.
    keep |= {n + step for n, (_, line) in enumerate(mine)
             if line.endswith("(redelivered)") for step in (0, 1)}
    lines, last = [], -1
    for n in sorted(k for k in keep if 0 <= k < len(mine)):
        if n > last + 1:
            lines.append("...")
        lines.append(mine[n][1])
        last = n
    return lines


def cluster():
    """The runs on the "Beyond one machine" page: {path: lines}, each
    terminal cut around the kill, and figures.rst with what was measured."""
    import cluster as three_nodes
    import failover

    nodes = three_nodes.Cluster()
    started = nodes.ensure()
    files, figures = {}, []
    try:
        for name, scenario in (("workers", failover.workers), ("rpc", failover.rpc),
                               ("subscribers", failover.subscribers)):
            log, lock = [], threading.Lock()

            def echo(label, line, log=log, lock=lock):
                with lock:
                    log.append((label, line))

            result = scenario(nodes, echo=echo)
            # The kill, as the first client that lost its node saw it: make
            # prints its output only once the node is gone and reaped.
            kill = next(i for i, (_, line) in enumerate(log)
                        if "lost the connection" in line)
            for label in dict.fromkeys(label for label, _ in log):
                # The terminal that kills is short: all of it.
                files[f"{name}/{label.replace(' ', '-')}"] = (
                    [line for each, line in log if each == label]
                    if label == "kill" else excerpt(log, label, kill))
            measured = result[0]
            if name == "workers":
                assert measured["lost"] == 0 and measured["reconnected"], measured
                returned = ", ".join(f"{seconds:.0f} s" for seconds in
                                     measured["returned"]) or "never (it held none)"
                figures.append(
                    f"* Workers: the leader of ``workers.tasks`` killed with "
                    f"``kill -9``; the next task was done "
                    f"{measured['recovery']:.1f} s later. {measured['sent']} tasks "
                    f"confirmed, {measured['lost']} lost, {measured['duplicates']} "
                    f"done twice. The task worker 1 held when its node died came "
                    f"back, redelivered, {returned} after the kill.")
            elif name == "rpc":
                figures.append(
                    f"* RPC: the server's node killed; the next answer came "
                    f"{measured['recovery']:.1f} s later. {measured['answers']} of "
                    f"{measured['calls']} calls answered, {measured['timeouts']} "
                    f"timed out, {len(measured['wrong'])} wrong.")
        sizes = [round(size) for size in nodes.memory()]
        figures.append(
            f"* Memory: the three nodes took {sum(sizes)} MB resident "
            f"({', '.join(map(str, sizes))} MB), on "
            f"{os.cpu_count()} cores, RabbitMQ {nodes.version()}.")
    finally:
        if started:
            nodes.stop()
    files["figures.rst"] = figures
    return files


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def timeout_run(name):
    """The consumer timeout run on BROKER, as the workers page shows it."""
    terminals, lowered = defaultdict(list), []
    consumer_timeout(echo=lambda label, line: terminals[label].append(line),
                     shown=lowered)
    write(OUT / "workers" / f"timeout-lowered{name}.txt", lowered)
    write(OUT / "workers" / f"timeout{name}.txt", terminals["slow"])
    if not name:  # on 3.x the task comes back the same way
        write(OUT / "workers" / "timeout-fast.txt", terminals["consumer"])
        write(OUT / "workers" / "timeout-producer.txt", terminals["producer"])


def streams():
    """The streams page's runs only: python tests/transcripts.py streams."""
    with at_readers_address():
        for terminal, lines in record_tour("streams").items():
            write(OUT / "streams" / f"{terminal}.txt", lines)
        write(OUT / "streams/bad-offset.txt", record_single("streams/bad-offset"))
        streams_runs.write(OUT, streams_runs.page(BROKER))
    streams_runs.write(OUT, streams_runs.filtered(BROKER, "-3.x"))


def main(args):
    """make transcripts: every page's runs; "pages": all but the cluster
    page's; "cluster": that page's only (make transcripts-cluster);
    "deprecated": the troubleshooting page's runs of deprecated.py only;
    "streams": the streams page's only."""
    if args == ["streams"]:
        streams()
        return
    if args != ["cluster"]:
        for name, lines in deprecated().items():
            write(OUT / "troubleshooting" / f"{name}.txt", lines)
    if args in ([], ["pages"]):
        write(OUT / "versions.rst", versions())
        with at_readers_address():
            for name in tour.PATTERNS:
                command = TOUR_LOOKS.get(name)
                for terminal, lines in record_tour(
                        name, command and (lambda command=command: look(command))
                        ).items():
                    write(OUT / name / f"{terminal}.txt", lines)
            for name in SINGLE:
                write(OUT / f"{name}.txt", record_single(name))
            for name, lines in inspecting().items():
                write(OUT / "inspecting" / f"{name}.txt", lines)
            timeout_run("")
            for name, lines in looks().items():
                write(OUT / f"{name}.txt", lines)
            for name, lines in {**troubles(), **pika_15()}.items():
                write(OUT / "troubleshooting" / f"{name}.txt", lines)
            for name, lines in confirms().items():
                write(OUT / f"{name}.txt", lines)
            streams_runs.write(OUT, streams_runs.page(BROKER))
        timeout_run("-3.x")  # on the system broker, RabbitMQ 3.x
        streams_runs.write(OUT, streams_runs.filtered(BROKER, "-3.x"))
    if args in ([], ["cluster"]):
        for name, lines in cluster().items():
            write(OUT / "cluster" / (name if "." in name else f"{name}.txt"), lines)
    print(f"transcripts written to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
