"""What each pattern costs, measured side by side with bare pika: ``make bench``.

Every row runs A and B in turns (RUNS times each, interleaved, so that both
see the same machine) and shows the medians and their ratio. It writes the
table to docs/bench/results.txt and a chart to docs/bench/ratios.svg, which
the "What it costs" page includes.
"""
import contextlib
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid

import pika

from harness import ROOT, Script

URL = pika.URLParameters(os.environ.get("AMQP_URL",
                                        "amqp://guest:guest@localhost:5672/%2F"))
RUNS, N, CALLS = 5, 1000, 200
OUT = ROOT / "docs" / "bench"
ROWS = []  # (what, A, B, a, b, ratio, goal text, goal met)


def load(folder, *names):
    """The folder's modules, loaded by path under unique names, so that its
    queue.py never replaces the standard library's queue for anyone else."""
    local = ("cli", "queue", *names)
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


def row(what, a_name, a, b_name, b, higher_is_better, goal):
    """Run a() and b() in turns; record the medians, ratio a/b and the goal."""
    a_runs, b_runs = [], []
    a(), b()  # warm up: connections, caches, the broker's queue processes
    for _ in range(RUNS):
        a_runs.append(a())
        b_runs.append(b())
    a_value, b_value = statistics.median(a_runs), statistics.median(b_runs)
    ratio = a_value / b_value
    met = goal_text = None
    if goal is not None:
        met = ratio >= goal if higher_is_better else ratio <= goal
        goal_text = ("≥ " if higher_is_better else "≤ ") + f"{goal:g}"
    ROWS.append((what, a_name, b_name, a_value, b_value, ratio, goal_text or "", met))
    print(f"{what}: {a_value:,.1f} vs {b_value:,.1f} = {ratio:.2f} {goal_text or ''}",
          file=sys.stderr, flush=True)


def quietly(function):
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        return function()


def purge(*queues):
    with pika.BlockingConnection(URL) as connection:
        channel = connection.channel()
        for queue in queues:
            channel.queue_purge(queue)


def per_second(loop, n=N):
    start = time.perf_counter()
    loop(n)
    return n / (time.perf_counter() - start)


# docs: begin-send
def bench_send():
    cases = {  # folder: (exchange, type, routing key, producer arguments)
        "basic": ("", None, "basic.greetings", {}),
        "pubsub": ("pubsub.broadcast", "fanout", "", {}),
        "routing": ("routing.colors", "direct", "blue", {"routing_key": "blue"}),
        "topic": ("topic.events", "topic", "kern.critical",
                  {"routing_key": "kern.critical"}),
    }
    for folder, (exchange, kind, key, kwargs) in cases.items():
        modules = load(folder, *(["exchange"] if kind else []))

        def ours(folder=folder, modules=modules, exchange=exchange, kind=kind,
                 key=key, kwargs=kwargs):
            if kind:
                sender = modules["exchange"].Exchange(exchange, kind)
                queue = sender.channel.queue_declare("", exclusive=True).method.queue
                sender.channel.queue_bind(queue, exchange, routing_key=key)
            else:
                sender = modules["queue"].Queue(key)
            with sender:
                return quietly(lambda: per_second(lambda n: [
                    sender.send(f"message {i}", **kwargs) for i in range(n)]))

        def bare(exchange=exchange, kind=kind, key=key):
            with pika.BlockingConnection(URL) as connection:
                channel = connection.channel()
                channel.confirm_delivery()
                if kind:
                    queue = channel.queue_declare("", exclusive=True).method.queue
                    channel.queue_bind(queue, exchange, routing_key=key)
                return per_second(lambda n: [channel.basic_publish(
                    exchange, key, f"message {i}".encode(), mandatory=bool(kind))
                    for i in range(n)])

        row(f"{folder}: send, messages/s", "base class", ours, "bare pika", bare,
            True, 0.90)
    purge("basic.greetings")
# docs: end-send


def bare_task_sender(confirms):
    def run():
        with pika.BlockingConnection(URL) as connection:
            channel = connection.channel()
            if confirms:
                channel.confirm_delivery()
            persistent = pika.BasicProperties(delivery_mode=2)
            rate = per_second(lambda n: [channel.basic_publish(
                "", "workers.tasks", f"task {i}".encode(), persistent, mandatory=True)
                for i in range(n)])
        purge("workers.tasks")
        return rate
    return run


def bench_workers_send():
    queue = load("workers")["queue"]

    def ours():
        with queue.Queue("workers.tasks") as producer:
            rate = quietly(lambda: per_second(
                lambda n: [producer.send(f"task {i}") for i in range(n)]))
        purge("workers.tasks")
        return rate

    row("workers: send, confirmed and persistent, tasks/s", "base class", ours,
        "bare pika", bare_task_sender(True), True, 0.85)
    row("workers: send without confirms vs with, tasks/s", "no confirms",
        bare_task_sender(False), "confirms", bare_task_sender(True), True, None)


def fill(queue, n=N):
    with pika.BlockingConnection(URL) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for i in range(n):
            channel.basic_publish("", queue, f"task {i}".encode())


def bare_consumer(prefetch, auto_ack=False, seconds=0, n=N):
    def run():
        fill("workers.tasks", n)
        with pika.BlockingConnection(URL) as connection:
            channel = connection.channel()
            if prefetch:
                channel.basic_qos(prefetch_count=prefetch)
            done = []

            def callback(channel, method, properties, body):
                time.sleep(seconds)  # the work, inline
                if not auto_ack:
                    channel.basic_ack(method.delivery_tag)
                done.append(body)
                if len(done) == n:
                    channel.stop_consuming()

            channel.basic_consume("workers.tasks", callback, auto_ack=auto_ack)
            return per_second(lambda _: channel.start_consuming(), n)
    return run


def bench_workers_consume():
    modules = load("workers", "consumer")

    class Counted(modules["consumer"].Consumer):
        def finish(self, task, tag, done):
            super().finish(task, tag, done)
            self.count = getattr(self, "count", 0) + 1
            if self.count == self.n:
                self.channel.stop_consuming()

    def ours(seconds=0, n=N):
        def run():
            fill("workers.tasks", n)
            with Counted(seconds=seconds) as worker:
                worker.n = n
                return quietly(lambda: per_second(lambda _: worker.receive(), n))
        return run

    row("workers: consume and ack at prefetch 1, tasks/s", "consumer.py", ours(),
        "bare pika", bare_consumer(1), True, 0.85)
    row("workers: the same with 10 ms tasks, tasks/s", "consumer.py",
        ours(0.01, 100), "bare pika", bare_consumer(1, seconds=0.01, n=100),
        True, 0.85)
    row("workers: prefetch 100 vs prefetch 1, tasks/s", "prefetch 100",
        bare_consumer(100), "prefetch 1", bare_consumer(1), True, None)
    row("workers: auto-ack vs prefetch 1 with acks, tasks/s", "auto-ack",
        bare_consumer(0, auto_ack=True), "prefetch 1", bare_consumer(1), True, None)


LONG, SHORT = 0.6, 0.03
# Round-robin would give the three long tasks to one worker.
TASKS = [LONG if i in (0, 3, 6) else SHORT for i in range(33)]
IDEAL = max(sum(TASKS) / 3, LONG)


def fair_dispatch(prefetch):
    """Seconds for 3 workers to finish TASKS; each task sleeps its duration."""
    def run():
        ready, finished = threading.Barrier(4), threading.Event()
        left = [len(TASKS)]
        lock = threading.Lock()

        def worker():
            with pika.BlockingConnection(URL) as connection:
                channel = connection.channel()
                channel.basic_qos(prefetch_count=prefetch)

                def callback(channel, method, properties, body):
                    time.sleep(float(body))
                    channel.basic_ack(method.delivery_tag)
                    with lock:
                        left[0] -= 1
                        if left[0] == 0:
                            finished.set()

                channel.basic_consume("bench.fair_dispatch", callback)
                ready.wait()
                while left[0] > 0:
                    connection.process_data_events(time_limit=0.05)

        with pika.BlockingConnection(URL) as connection:
            channel = connection.channel()
            channel.queue_declare("bench.fair_dispatch", durable=True)
            threads = [threading.Thread(target=worker) for _ in range(3)]
            for thread in threads:
                thread.start()
            ready.wait()
            start = time.perf_counter()
            for seconds in TASKS:
                channel.basic_publish("", "bench.fair_dispatch", str(seconds).encode())
            finished.wait()
            elapsed = time.perf_counter() - start
            for thread in threads:
                thread.join()
            channel.queue_delete("bench.fair_dispatch")
        return elapsed
    return run


def bench_fair_dispatch():
    row("fair dispatch, 3 workers, 3 long + 30 short tasks, seconds", "prefetch 1",
        fair_dispatch(1), "ideal", lambda: IDEAL, False, 1.2)
    row("fair dispatch: unlimited prefetch vs prefetch 1, seconds", "unlimited",
        fair_dispatch(0), "prefetch 1", fair_dispatch(1), False, None)


def percentiles(latencies):
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def bare_rpc(reply_queue):
    """Request/reply latencies in ms, bare pika, direct reply-to or a queue."""
    def run():
        with pika.BlockingConnection(URL) as connection:
            channel = connection.channel()
            if reply_queue:
                reply_to = channel.queue_declare("", exclusive=True).method.queue
            else:
                reply_to = "amq.rabbitmq.reply-to"
            replies = {}
            channel.basic_consume(reply_to, lambda c, m, p, body: replies.update(
                {p.correlation_id: body}), auto_ack=True)
            latencies = []
            for _ in range(CALLS):
                correlation_id = str(uuid.uuid4())
                start = time.perf_counter()
                channel.basic_publish("", "rpc.fibonacci", b"10", pika.BasicProperties(
                    reply_to=reply_to, correlation_id=correlation_id))
                while correlation_id not in replies:
                    connection.process_data_events(time_limit=1)
                latencies.append((time.perf_counter() - start) * 1000)
            return percentiles(latencies)
    return run


def bench_rpc():
    producer = load("rpc", "producer")["producer"]
    results = {}

    def ours():
        with producer.Producer() as client:
            latencies = []
            for _ in range(CALLS):
                start = time.perf_counter()
                quietly(lambda: client.call(10, timeout=5))
                latencies.append((time.perf_counter() - start) * 1000)
        return percentiles(latencies)

    def sample(name, function):
        def run():
            results.setdefault(name, []).append(function())
            return results[name][-1][0]
        return run

    server = Script("rpc", "consumer").ready()
    try:
        row("rpc: round trip p50, ms", "producer.py", sample("ours", ours),
            "bare pika", sample("bare", bare_rpc(False)), False, 1.25)
        p99 = {name: statistics.median(p for _, p in runs)
               for name, runs in results.items()}
        ROWS.append(("rpc: round trip p99, ms", "producer.py", "bare pika",
                     p99["ours"], p99["bare"], p99["ours"] / p99["bare"], "≤ 2",
                     p99["ours"] / p99["bare"] <= 2))
        row("rpc: exclusive reply queue vs direct reply-to, p50 ms", "reply queue",
            lambda: bare_rpc(True)()[0], "direct reply-to",
            lambda: bare_rpc(False)()[0], False, None)
    finally:
        server.signal()


def first_line(*command, cwd=ROOT):
    """Milliseconds from starting command to its first line of output."""
    def run():
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        process.stdout.readline()
        elapsed = time.perf_counter() - start
        process.communicate()
        return elapsed * 1000
    return run


IMPORT_PIKA = first_line(sys.executable, "-c", "import pika; print('imported')")


BARE_FIRST = """import pika
c = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@localhost/%2F"))
ch = c.channel(); ch.confirm_delivery()
ch.queue_declare("basic.greetings", durable=True)
ch.basic_publish("", "basic.greetings", b"hello"); print("sent", flush=True)"""


def bench_startup():
    server = Script("rpc", "consumer").ready()
    try:
        for folder, args in (("basic", []), ("workers", []), ("pubsub", []),
                             ("routing", ["blue"]), ("topic", ["kern.critical"]),
                             ("rpc", ["10"])):
            script = first_line(sys.executable, "producer.py", *args,
                                cwd=ROOT / folder)
            row(f"{folder}/producer.py: start to first message sent, ms",
                "script", script, "import pika", IMPORT_PIKA, False, 1.2)
        row("bare pika script: start to first message sent, ms", "bare script",
            first_line(sys.executable, "-c", BARE_FIRST), "import pika",
            IMPORT_PIKA, False, None)
    finally:
        server.signal()
    purge("basic.greetings", "workers.tasks")


def table():
    head = ("what", "A", "median A", "B", "median B", "A / B", "goal", "")
    lines = [head] + [
        (what, a, f"{a_value:,.1f}", b, f"{b_value:,.1f}", f"{ratio:.2f}", goal,
         {True: "met", False: "MISSED", None: ""}[met])
        for what, a, b, a_value, b_value, ratio, goal, met in ROWS]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in lines]


def chart():
    """A bar per row that has a goal: its ratio, with the goal marked."""
    rows = [r for r in ROWS if r[6]]
    scale, left, height = 160, 430, 24
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + 3 * scale + 60}"'
           f' height="{len(rows) * height + 40}" font-family="sans-serif"'
           ' font-size="12">']
    for i, (what, _, _, _, _, ratio, goal, met) in enumerate(rows):
        y = 20 + i * height
        goal_x = left + float(goal.split()[1]) * scale
        color = "#3c7d22" if met else "#b03a2e"
        svg += [f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{what}</text>',
                f'<rect x="{left}" y="{y + 3}" width="{min(ratio, 3) * scale:.1f}" '
                f'height="{height - 8}" fill="{color}" opacity="0.75"/>',
                f'<line x1="{goal_x}" x2="{goal_x}" y1="{y}" y2="{y + height}" '
                f'stroke="black" stroke-dasharray="3,2"/>',
                f'<text x="{left + min(ratio, 3) * scale + 4}" y="{y + 15}">'
                f'{ratio:.2f}</text>']
    x1 = left + scale
    svg += [f'<line x1="{x1}" x2="{x1}" y1="10" y2="{len(rows) * height + 25}" '
            'stroke="#888"/>',
            f'<text x="{x1}" y="{len(rows) * height + 38}" text-anchor="middle">'
            '1.0 = bare pika (dashed: goal)</text>', "</svg>"]
    return "\n".join(svg) + "\n"


def main():
    started = time.perf_counter()
    for bench in (bench_send, bench_workers_send, bench_workers_consume,
                  bench_fair_dispatch, bench_rpc, bench_startup):
        bench()
    machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
               f"pika {pika.__version__}, {platform.system()} {platform.machine()}; "
               f"{RUNS} interleaved runs a row, medians; "
               f"{time.perf_counter() - started:.0f} s in all")
    lines = [machine, "", *table()]
    print("\n".join(lines))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.txt").write_text("\n".join(lines) + "\n")
    (OUT / "ratios.svg").write_text(chart())


if __name__ == "__main__":
    main()
