"""What each pattern costs against bare pika, on every broker `make test` uses.

    make bench        print the table for both brokers; changes no file
    make bench-docs   the same, and write docs/bench/ (the costs page)

Each row runs A and B in turns, RUNS times, and reports the median ratio A/B
with its spread (the lowest and highest of the RUNS ratios). A row with a
goal gets a verdict only when the whole spread is on one side of it;
otherwise it is "within noise".
"""
import contextlib
import csv
import importlib.util
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid

import pika

import broker
import tour
from harness import ROOT, Script, wait_total

RUNS = 9
OUT = ROOT / "docs" / "bench"
URL = URL_TEXT = None  # the broker being measured: set by measure()
ROWS = {}  # broker version: [row, ...]; a row is a dict
SCALING = {}  # (broker version, chart): {x: (ours, bare)}
FIGURES = {}  # broker version: {(key, what): the median}, for a reader's eyes
PATTERNS = list(tour.PATTERNS)  # the tutorial's order


def load(folder, *names):
    """The folder's modules, loaded by path under unique names, so that its
    queue.py never replaces the standard library's queue for anyone else."""
    local = ("cli", "queue", *names)
    if (ROOT / folder / "keys.py").exists():  # the rules producer.py imports
        local = ("cli", "queue", "keys", *names)
    modules, saved = {}, {name: sys.modules.get(name) for name in local}
    try:
        for name in local:
            spec = importlib.util.spec_from_file_location(
                f"bench_{folder}_{name}", ROOT / folder / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            # What this folder's next module imports by name is this one.
            modules[name] = sys.modules[name] = module
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return modules


def verdict(low, high, goal, higher_is_better):
    if goal is None:
        return ""
    if (low >= goal) if higher_is_better else (high <= goal):
        return "met"
    if (high < goal) if higher_is_better else (low > goal):
        return "missed"
    return "within noise"


def row(version, what, a_name, a, b_name, b, higher_is_better=True, goal=None,
        chart=None, figure=None):
    """Run a() and b() in turns; record the median ratio and its spread, and
    with figure=(key, what), A's median as a figure of its own."""
    a(), b()  # warm up: connections, caches, the broker's queue processes
    pairs = [(a(), b()) for _ in range(RUNS)]
    ratios = sorted(x / y for x, y in pairs)
    result = {
        "what": what, "a": a_name, "b": b_name,
        "median a": statistics.median(x for x, _ in pairs),
        "median b": statistics.median(y for _, y in pairs),
        "ratio": statistics.median(ratios), "low": ratios[0], "high": ratios[-1],
        "goal": goal, "higher": higher_is_better,
        "verdict": verdict(ratios[0], ratios[-1], goal, higher_is_better)}
    ROWS.setdefault(version, []).append(result)
    if chart:
        SCALING.setdefault((version, chart[0]), {})[chart[1]] = (
            result["median a"], result["median b"])
    if figure:
        FIGURES.setdefault(version, {})[figure] = result["median a"]
    print(f"{version}  {what}: {result['ratio']:.2f} "
          f"({result['low']:.2f}-{result['high']:.2f}) {result['verdict']}",
          file=sys.stderr, flush=True)
    return result


def rate(version, figure, run):
    """A figure with no ratio to go with it: the median of RUNS runs."""
    run()  # warm up, as row() does
    FIGURES.setdefault(version, {})[figure] = statistics.median(
        run() for _ in range(RUNS))


def quietly(function):
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        return function()


def connection():
    return pika.BlockingConnection(URL)


def purge(*queues, delete=False):
    """Empty the queues, or delete those only the bench uses."""
    with connection() as each:
        channel = each.channel()
        for queue in queues:
            (channel.queue_delete if delete else channel.queue_purge)(queue)


def plural(n, noun):
    return f"{n} {noun}{'' if n == 1 else 'es' if noun.endswith('s') else 's'}"


def per_second(loop, n, unconfirmed=None):
    """Unconfirmed, a publish returns once pika has written it to the socket:
    a call on that channel, which the broker answers only once it has read
    all that came before, ends the loop."""
    start = time.perf_counter()
    loop(n)
    if unconfirmed:
        unconfirmed.basic_qos()
    return n / (time.perf_counter() - start)


# docs: begin-send
def sender(folder, exchange, kind, key, size=16, n=500, confirms=True):
    """Messages/s through the pattern's class, and through bare pika doing
    the same: confirms on (bare pika can go without), a queue bound where
    there is an exchange."""
    modules = load(folder, *(["exchange"] if kind else []), "producer")
    body = "x" * size
    kwargs = {"routing_key": key} if folder in ("routing", "topic") else {}

    def ours():
        with modules["producer"].Producer() as pattern:
            modules["cli"].connect_if_needed(pattern)
            if kind:
                queue = pattern.channel.queue_declare("", exclusive=True).method.queue
                pattern.channel.queue_bind(queue, exchange, routing_key=key)
            return quietly(lambda: per_second(
                lambda n: [pattern.send(body, **kwargs) for _ in range(n)], n))

    def bare():
        with connection() as each:
            channel = each.channel()
            if confirms:
                channel.confirm_delivery()
            if kind:
                queue = channel.queue_declare("", exclusive=True).method.queue
                channel.queue_bind(queue, exchange, routing_key=key)
            return per_second(lambda n: [channel.basic_publish(
                exchange, key, body.encode(), mandatory=bool(kind))
                for _ in range(n)], n, None if confirms else channel)
    return ours, bare
# docs: end-send


def bench_send(version):
    for folder, exchange, kind, key in (
            ("basic", "", None, "basic.greetings"),
            ("pubsub", "pubsub.broadcast", "fanout", ""),
            ("routing", "routing.colors", "direct", "blue"),
            ("topic", "topic.events", "topic", "kern.critical")):
        ours, bare = sender(folder, exchange, kind, key)
        row(version, f"{folder}: send, messages/s", "base class", ours,
            "bare pika", bare, goal=0.95,
            figure=(f"{folder}-confirmed", "sent, confirmed (base class), messages/s"))
        rate(version, (f"{folder}-unconfirmed",
                       "sent, no confirms (plain pika), messages/s"),
             sender(folder, exchange, kind, key, n=5000, confirms=False)[1])
        purge("basic.greetings")
    for size, label in ((16, "16 B"), (1024, "1 KB"), (65536, "64 KB"),
                        (1 << 20, "1 MB")):
        ours, bare = sender("basic", "", None, "basic.greetings", size,
                            n=max(10, min(300, (4 << 20) // size)))
        row(version, f"basic: send {label} bodies, messages/s", "base class", ours,
            "bare pika", bare, chart=("body size", label))
        purge("basic.greetings")


def fanout(subscribers):
    """A fanout exchange with this many bound queues, emptied before each
    run, so that no run pays for the copies an earlier one left."""
    ours, bare = sender("pubsub", "pubsub.broadcast", "fanout", "", n=100)
    holder = connection()
    channel = holder.channel()
    queues = []
    for _ in range(subscribers - 1):  # each side binds one more of its own
        queues.append(channel.queue_declare("", exclusive=True).method.queue)
        channel.queue_bind(queues[-1], "pubsub.broadcast")

    def emptied(run):
        def run_emptied():
            for queue in queues:
                channel.queue_purge(queue)
            return run()
        return run_emptied
    return emptied(ours), emptied(bare), holder


def bench_fanout(version):
    for subscribers in (1, 4, 16, 64):
        ours, bare, holder = fanout(subscribers)
        with holder:
            row(version, f"pubsub: send to {plural(subscribers, 'subscriber')}, "
                "messages/s", "base class", ours, "bare pika", bare,
                chart=("subscribers", subscribers))


def task_sender(confirms, persistent, mandatory=False):
    def run(n=1000):
        with connection() as each:
            channel = each.channel()
            if confirms:
                channel.confirm_delivery()
            properties = pika.BasicProperties(delivery_mode=2 if persistent else 1)
            rate = per_second(lambda n: [channel.basic_publish(
                "", "workers.tasks", b"task", properties, mandatory)
                for _ in range(n)], n, None if confirms else channel)
        purge("workers.tasks")
        return rate
    return run


def bench_workers_send(version):
    producer_class = load("workers", "producer")["producer"].Producer

    def ours(n=500):
        with producer_class() as producer:
            rate = quietly(lambda: per_second(
                lambda n: [producer.send("task") for _ in range(n)], n))
        purge("workers.tasks")
        return rate

    row(version, "workers: send, confirmed and persistent, tasks/s", "base class",
        ours, "bare pika", lambda: task_sender(True, True, mandatory=True)(500),
        goal=0.95, figure=("workers-confirmed",
                          "sent, confirmed and persistent (base class), tasks/s"))
    rate(version, ("workers-unconfirmed",
                   "sent, persistent, no confirms (plain pika), tasks/s"),
         lambda: task_sender(False, True, mandatory=True)(5000))
    row(version, "floor: publish unconfirmed and transient vs confirmed and "
        "persistent, messages/s", "unconfirmed", task_sender(False, False),
        "confirmed", task_sender(True, True))


BARE_WORKER = """import sys, time, pika
connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
channel = connection.channel()
channel.basic_qos(prefetch_count=1)
def callback(channel, method, properties, body):
    time.sleep(float(sys.argv[2]))  # the work, inline: no heartbeats meanwhile
    channel.basic_ack(method.delivery_tag)
    print(body.decode(), "done", flush=True)
channel.basic_consume(sys.argv[3], callback)
print("To exit press CTRL+C", flush=True)
channel.start_consuming()
"""


# The same, with the work on one long-lived thread as consumer.py does it, so
# that heartbeats go on during a long task: the price of that promise alone.
BARE_THREADED_WORKER = """import sys, threading, time, pika
connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
channel = connection.channel()
channel.basic_qos(prefetch_count=1)
tasks, handed = [], threading.Condition()
def callback(channel, method, properties, body):
    with handed:
        tasks.append((method.delivery_tag, body))
        handed.notify()
def done(tag, body):
    channel.basic_ack(tag)
    print(body.decode(), "done", flush=True)
def work():
    while True:
        with handed:
            handed.wait_for(lambda: tasks)
            tag, body = tasks.pop(0)
        time.sleep(float(sys.argv[2]))
        connection.add_callback_threadsafe(lambda: done(tag, body))
threading.Thread(target=work, daemon=True).start()
channel.basic_consume(sys.argv[3], callback)
print("To exit press CTRL+C", flush=True)
channel.start_consuming()
"""


class WorkerProcesses:
    """count worker processes sharing a quorum queue, started once and fed a
    batch of tasks per run: consumer.py on workers.tasks, or the same work in
    a bare pika script on bench.tasks (idle, each set costs nothing)."""

    def __init__(self, count, seconds, bare, script=BARE_WORKER,
                 queue="bench.tasks"):
        self.queue = queue if bare else "workers.tasks"
        if bare:  # consumer.py declares its own
            with connection() as each:
                each.channel().queue_declare(self.queue, durable=True,
                                             arguments={"x-queue-type": "quorum"})
        command = [sys.executable, "-c", script, URL_TEXT, str(seconds), self.queue]
        self.scripts = [Script("workers", "consumer", "--seconds", seconds,
                               env={"AMQP_URL": URL_TEXT},
                               command=command if bare else None).ready()
                        for _ in range(count)]
        self.done = 0

    def __call__(self, n):
        """Tasks/s for a batch of n."""
        start = time.perf_counter()
        with connection() as each:
            channel = each.channel()
            # Confirmed: unconfirmed, tasks went missing when the connection
            # closed right after publishing (no confirm, no promise).
            channel.confirm_delivery()
            for i in range(n):
                channel.basic_publish("", self.queue, f"task {i}".encode())
        self.done += n
        wait_total(self.scripts, " done$", self.done, timeout=120)
        return n / (time.perf_counter() - start)

    def stop(self):
        for script in self.scripts:
            # SIGTERM: a bare script started in the background ignores SIGINT.
            script.signal(signal.SIGTERM)
            script.kill()


def bench_workers_consume(version):
    for seconds in (0, 0.01):
        for count in (1, 2, 4, 8):
            n = 300 if seconds == 0 else 8 * count
            ours = WorkerProcesses(count, seconds, bare=False)
            bare = WorkerProcesses(count, seconds, bare=True)
            try:
                row(version, f"workers: {plural(count, 'process')} sharing one queue, "
                    f"{seconds * 1000:g} ms tasks, tasks/s", "consumer.py",
                    lambda ours=ours, n=n: ours(n), "bare pika",
                    lambda bare=bare, n=n: bare(n),
                    goal=0.9 if (count, seconds) == (1, 0) else None,
                    chart=(f"workers, {seconds * 1000:g} ms tasks", count),
                    figure=(f"workers-{count}", f"done by {plural(count, 'worker')}, "
                            "empty tasks (consumer.py), tasks/s")
                    if seconds == 0 and count in (1, 4) else None)
            finally:
                ours.stop()
                bare.stop()
    threaded = WorkerProcesses(1, 0, bare=True, script=BARE_THREADED_WORKER,
                               queue="bench.threaded")
    inline = WorkerProcesses(1, 0, bare=True)
    try:
        row(version, "floor: bare pika, 1 process, 0 ms tasks, a work thread vs "
            "work inline, tasks/s", "work thread", lambda: threaded(300),
            "inline", lambda: inline(300))
    finally:
        threaded.stop()
        inline.stop()
    purge("bench.tasks", "bench.threaded", delete=True)


LONG, SHORT = 0.6, 0.03
# Round-robin would give the three long tasks to one worker.
TASKS = [LONG if i in (0, 3, 6) else SHORT for i in range(33)]
IDEAL = max(sum(TASKS) / 3, LONG)


def fair_dispatch(prefetch):
    """Seconds for 3 bare workers to finish TASKS at this prefetch."""
    def run():
        with connection() as each:
            channel = each.channel()
            channel.queue_declare("bench.fair_dispatch", durable=True)
            for seconds in TASKS:
                channel.basic_publish("", "bench.fair_dispatch", str(seconds).encode())
        done, lock, everyone = [0], threading.Lock(), []

        def callback(channel, method, properties, body):
            time.sleep(float(body))
            channel.basic_ack(method.delivery_tag)
            with lock:
                done[0] += 1
                if done[0] == len(TASKS):
                    for other in everyone:
                        other.add_callback_threadsafe(other.channel_stop)

        def worker(each):
            channel = each.channel()
            channel.basic_qos(prefetch_count=prefetch)
            channel.basic_consume("bench.fair_dispatch", callback)
            each.channel_stop = channel.stop_consuming
            start.wait()
            channel.start_consuming()

        everyone += [connection() for _ in range(3)]
        start = threading.Event()
        threads = [threading.Thread(target=worker, args=(each,)) for each in everyone]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        start.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        for each in everyone:
            each.close()
        return elapsed
    return run


def bench_fair_dispatch(version):
    row(version, "fair dispatch: 3 workers, 3 long + 30 short tasks, seconds",
        "prefetch 1", fair_dispatch(1), "ideal", lambda: IDEAL, False, goal=1.2)
    row(version, "fair dispatch: unlimited prefetch vs prefetch 1, seconds",
        "unlimited", fair_dispatch(0), "prefetch 1", fair_dispatch(1), False)
    purge("bench.fair_dispatch", delete=True)


def percentile(latencies, share):
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class BareClient:
    """An RPC client with bare pika: direct reply-to, a correlation id."""

    def __init__(self):
        self.connection = connection()
        self.channel = self.connection.channel()
        self.replies = {}
        self.channel.basic_consume("amq.rabbitmq.reply-to", lambda c, m, p, body:
                                   self.replies.update({p.correlation_id: body}),
                                   auto_ack=True)

    def call(self, n, timeout):
        correlation_id = str(uuid.uuid4())
        self.channel.basic_publish("", "rpc.fibonacci", str(n).encode(),
                                   pika.BasicProperties(reply_to="amq.rabbitmq.reply-to",
                                                        correlation_id=correlation_id))
        while correlation_id not in self.replies:
            self.connection.process_data_events(time_limit=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.connection.close()


def rpc_latencies(make, clients, calls=96):
    """Milliseconds per call, for this many clients calling at once."""
    latencies, lock = [], threading.Lock()

    def client():
        with make() as each:
            for _ in range(calls // clients):
                start = time.perf_counter()
                each.call(10, timeout=5)
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def loopback_round_trip():
    """Milliseconds for one byte to go to an echo thread and back, median."""
    server = socket.create_server(("127.0.0.1", 0))

    def echo():
        peer, _ = server.accept()
        with peer:
            while data := peer.recv(1):
                peer.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    times = []
    with socket.create_connection(server.getsockname()) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(200):
            start = time.perf_counter()
            client.sendall(b"x")
            client.recv(1)
            times.append((time.perf_counter() - start) * 1000)
    server.close()
    return statistics.median(times)


def bench_rpc(version):
    producer = load("rpc", "producer")["producer"]

    server = Script("rpc", "consumer", env={"AMQP_URL": URL_TEXT}).ready()
    try:
        for clients in (1, 4, 16):
            for share, name in ((0.5, "p50"), (0.99, "p99")):
                row(version, f"rpc: {plural(clients, 'client')} at once, round trip "
                    f"{name}, ms",
                    "producer.py",
                    lambda c=clients, s=share: percentile(
                        quietly(lambda: rpc_latencies(producer.Producer, c)), s),
                    "bare pika",
                    lambda c=clients, s=share: percentile(
                        rpc_latencies(BareClient, c), s),
                    False, goal={(1, 0.5): 1.25, (1, 0.99): 2}.get((clients, share)),
                    chart=(f"rpc {name}", clients),
                    figure=(f"rpc-{name}", f"round trip {name}, 1 client "
                            "(producer.py), ms") if clients == 1 else None)
        row(version, "floor: rpc round trip vs loopback TCP round trip, ms p50",
            "rpc (bare)", lambda: percentile(rpc_latencies(BareClient, 1), 0.5),
            "TCP", loopback_round_trip, False)
    finally:
        server.signal()


def first_line(*command, cwd=ROOT, starts=3):
    """Milliseconds from starting command to its first line of output: the
    median of a few starts, as one start is at the mercy of the scheduler."""
    def start_once():
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True,
                                   env={**os.environ, "AMQP_URL": URL_TEXT})
        process.stdout.readline()
        elapsed = time.perf_counter() - start
        process.communicate()
        return elapsed * 1000
    return lambda: statistics.median(start_once() for _ in range(starts))


IMPORT_PIKA = first_line(sys.executable, "-c", "import pika; print('imported')")
# What basic/producer.py does before its first line, and nothing more.
BARE_PRODUCER = """import sys, pika
connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
channel = connection.channel()
channel.confirm_delivery()
channel.queue_declare(queue="basic.greetings", durable=True)
channel.basic_publish(exchange="", routing_key="basic.greetings", body=b"0")
print("0 sent", flush=True)
connection.close()
"""


def bench_startup(version):
    server = Script("rpc", "consumer", env={"AMQP_URL": URL_TEXT}).ready()
    try:
        for folder, args in (("basic", []), ("workers", ["a task"]), ("pubsub", []),
                             ("routing", ["blue"]), ("topic", ["kern.critical"]),
                             ("rpc", ["10"])):
            row(version, f"{folder}/producer.py: start to first message sent, ms",
                "script", first_line(sys.executable, "producer.py", *args,
                                     cwd=ROOT / folder),
                "import pika", IMPORT_PIKA, False, goal=1.15)
        bare = first_line(sys.executable, "-c", BARE_PRODUCER, URL_TEXT)
        row(version, "floor: bare pika producer, start to first message sent, ms",
            "bare pika", bare, "import pika", IMPORT_PIKA, False)
        row(version, "basic/producer.py against bare pika doing the same, start to "
            "first message sent, ms", "script", first_line(
                sys.executable, "producer.py", cwd=ROOT / "basic"),
            "bare pika", bare, False, goal=1.10)
    finally:
        server.signal()
    purge("basic.greetings", "workers.tasks")


def measure(name):
    """Every row on one broker; its version."""
    global URL, URL_TEXT
    chosen = broker.named(name)
    chosen.ensure()
    URL_TEXT, URL = chosen.url, pika.URLParameters(chosen.url)
    # The classes loaded in this process read it, as the scripts do.
    os.environ["AMQP_URL"] = chosen.url
    version = chosen.version()
    for bench in BENCHES:
        if not ONLY or bench.__name__.removeprefix("bench_") in ONLY:
            bench(version)
    if not ONLY or "streams" in ONLY:
        from bench_streams import bench_streams  # it builds on this module
        bench_streams(version)
    if not ONLY or "confirms" in ONLY:  # its rows and figures: bench_confirms.py
        import bench_confirms
        bench_confirms.run(version, sys.modules[__name__])
    return version


BENCHES = [bench_send, bench_fanout, bench_workers_send, bench_workers_consume,
           bench_fair_dispatch, bench_rpc, bench_startup]
ONLY = None  # every bench, unless --only names some


def spread(result):
    return f"{result['ratio']:.2f} ({result['low']:.2f}-{result['high']:.2f})"


def table(versions, verdicts):
    """One line per row: each broker's median ratio and spread side by side;
    with verdicts, the goal and whether the whole spread meets it."""
    head = ["what", "A / B"]
    for version in versions:
        head += [f"RabbitMQ {version}"] + (["verdict"] if verdicts else [])
    lines = [head]
    for i, first in enumerate(ROWS[versions[0]]):
        goal = first["goal"]
        line = [first["what"], f"{first['a']} / {first['b']}"]
        for version in versions:
            result = ROWS[version][i]
            line.append(spread(result))
            if verdicts:
                sign = "≥" if result["higher"] else "≤"
                line.append(f"{sign} {goal:g}: {result['verdict']}" if goal else "")
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in lines]


def rounded(value, digits=2):
    """Two significant figures, as the noise allows: 1,200; 1.9; 0.85."""
    value = float(f"{value:.{digits}g}")
    places = max(0, digits - 1 - math.floor(math.log10(value)))
    return f"{value:,.{places}f}"


def figures(versions):
    """Each figure, in the tutorial's order of patterns: its key, what it
    is, and its value on each broker, rounded."""
    keys = sorted(FIGURES[versions[0]], key=lambda k: PATTERNS.index(
        k[0].split("-")[0]))
    return [(key, f"{key.split('-')[0]}: {what}",
             [rounded(FIGURES[v][key, what]) for v in versions])
            for key, what in keys]


def write_figures(versions):
    """figures.csv, a column per broker; figures.rst, each figure as a
    substitution for the page's prose (|basic-confirmed-3.10|), so that the
    text says what the last run measured."""
    with open(OUT / "figures.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["what", *(f"RabbitMQ {v}" for v in versions)])
        writer.writerows([what, *values] for _, what, values in figures(versions))
    (OUT / "figures.rst").write_text("".join(
        f".. |{key}-{'.'.join(version.split('.')[:2])}| replace:: {value}\n"
        for key, _, values in figures(versions)
        for version, value in zip(versions, values)))


def chart(name, versions):
    """An SVG line chart: what our class and bare pika did at each scale."""
    width, height, left, top, bottom = 360, 250, 58, 30, 62
    series = {}
    for version in versions:
        points = SCALING[(version, name)]
        series[f"base class, {version}"] = [ours for ours, _ in points.values()]
        series[f"bare pika, {version}"] = [bare for _, bare in points.values()]
    labels = [str(x) for x in SCALING[(versions[0], name)]]
    unit = ("ms, lower is better" if name.startswith("rpc")
            else "per second, higher is better")
    peak = max(max(values) for values in series.values()) * 1.1
    step = (width - left - 20) / max(1, len(labels) - 1)

    def x(i):
        return left + i * step

    def y(value):
        return top + (height - top - bottom) * (1 - value / peak)

    colors = ["#1f6fb2", "#8fb8de", "#b2471f", "#deac8f"]
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
           f' width="{width}" height="{height}" font-family="sans-serif"'
           ' font-size="11">',
           f'<text x="{width / 2}" y="14" text-anchor="middle" font-size="12">'
           f'{name}: {unit}</text>',
           f'<line x1="{left}" y1="{y(0)}" x2="{width - 20}" y2="{y(0)}"'
           ' stroke="#888"/>',
           f'<text x="{left - 4}" y="{y(peak / 1.1) + 4}" text-anchor="end">'
           f'{peak / 1.1:,.0f}</text>',
           f'<text x="{left - 4}" y="{y(0) + 4}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        svg.append(f'<text x="{x(i)}" y="{y(0) + 16}" text-anchor="middle">'
                   f'{label}</text>')
    for n, (label, values) in enumerate(series.items()):
        dash = "" if label.startswith("base") else ' stroke-dasharray="4,3"'
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        # The legend, under the x axis labels: a sample of the line, its name.
        key_x, key_y = 12 + (n % 2) * 172, height - 26 + (n // 2) * 15
        svg += [f'<polyline points="{points}" fill="none" stroke="{colors[n % 4]}" '
                f'stroke-width="2"{dash}/>',
                f'<line x1="{key_x}" y1="{key_y - 4}" x2="{key_x + 20}" '
                f'y2="{key_y - 4}" stroke="{colors[n % 4]}" stroke-width="2"{dash}/>',
                f'<text x="{key_x + 25}" y="{key_y}" fill="{colors[n % 4]}">'
                f'{label}</text>']
    return "\n".join([*svg, "</svg>"]) + "\n"


def main(args):
    global RUNS, ONLY
    if "--quick" in args:  # one run a row: to check that every row works
        RUNS = 1
    if "--only" in args:  # --only send,startup: those benches only
        ONLY = args[args.index("--only") + 1].split(",")
    started = time.perf_counter()
    # --broker NAME: one broker only (default: both that make test uses).
    names = args[args.index("--broker") + 1:][:1] if "--broker" in args else [
        "system", "4.3"]
    versions = [measure(name) for name in names]
    machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
               f"pika {pika.__version__}, {platform.system()} {platform.machine()}; "
               f"each figure the median of {RUNS} runs, each ratio of {RUNS} "
               f"interleaved runs, (lowest-highest) beside it; the whole "
               f"measure took {time.perf_counter() - started:.0f} s")
    print("\n".join([machine, "", *(f"{what}: {'  '.join(values)}"
                                    for _, what, values in figures(versions)),
                      "", *table(versions, verdicts=True)]))
    if "--docs" in args:
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.iterdir():
            old.unlink()
        (OUT / "machine.rst").write_text(f"Measured on {machine}.\n")
        write_figures(versions)
        with open(OUT / "results.csv", "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["what", "A / B", *(f"RabbitMQ {v}" for v in versions)])
            for i, first in enumerate(ROWS[versions[0]]):
                writer.writerow([first["what"], f"{first['a']} / {first['b']}",
                                 *(spread(ROWS[v][i]) for v in versions)])
        for name in sorted({name for _, name in SCALING}):
            (OUT / f"{name.replace(' ', '-').replace(',', '')}.svg").write_text(
                chart(name, versions))


if __name__ == "__main__":
    sys.modules["bench"] = sys.modules[__name__]  # what bench_streams builds on
    main(sys.argv[1:])
