"""A node of the cluster killed while the patterns run: what test_cluster.py
checks and what the "Beyond one machine" page shows (make transcripts).

Each scenario starts the scripts as a reader would, each with AMQP_URL naming
its own node first, kills a node with kill -9, starts it again, and returns
what happened: the scripts, and the figures the tests check.
"""
import contextlib
import io
import os
import re
import shlex
import sys
import threading
import time

import cluster as three_nodes
from harness import Script, bodies, matching, until, wait_total

TASKS = 200  # about the tasks the producer sends; the node dies as they flow
AHEAD = 8  # tasks sent but not yet done, at most, while they flow
FIB = [0, 1]
while len(FIB) < 100:
    FIB.append(FIB[-1] + FIB[-2])


@contextlib.contextmanager
def killed(cluster, node, echo=None):
    """kill -9 node, as a reader does it (make cluster-kill); on leaving,
    start it again (make cluster) and wait until every quorum queue has its
    three members online again. Yields a dict; "back" is when the node
    began to start again."""
    make(echo, ["cluster-kill", f"NODE={node.short}"], ["kill", node.short])
    outage = {"back": None}
    try:
        yield outage
    finally:
        outage["back"] = time.monotonic()  # from here on, the node returns
        make(echo, ["cluster"], ["start"])
        cluster.wait_replicas()


def make(echo, target, args):
    """What `make TARGET` does (tests/tools/cluster.py ARGS), done here; what it
    prints is echoed under the command line a reader types."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = three_nodes.main(args)
    if echo:
        for line in [f"$ make {shlex.join(target)}", *printed.getvalue().splitlines()]:
            echo("kill", line)
    assert status == 0, printed.getvalue()


def on(cluster, node, folder, name, *args, shown=None, **kwargs):
    """folder/name.py run as a reader runs it against node: in a terminal of
    its own, with AMQP_URL exported there, naming node first."""
    url = cluster.url_from(node)
    # python on PATH is the one running these tests, as in the reader's venv.
    path = f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"
    command = shown or shlex.join(["python", f"{name}.py", *map(str, args)])
    return Script(folder, name, *args, extra_env={"AMQP_URL": url, "PATH": path},
                  shown=f"export AMQP_URL={url}\n$ {command}", **kwargs)


def workers(cluster, echo=None):
    """Tasks flow from a producer to two workers, each on its own node; the
    leader of workers.tasks is killed while they flow, and started
    again once every task is sent. Returns (figures, workers, producer)."""
    # The queue must exist to have a leader: a worker declares it.
    with on(cluster, cluster.nodes[0], "workers", "consumer") as first:
        first.ready()
    leader = cluster.leader("workers.tasks")
    others = [node for node in cluster.nodes if node is not leader]
    team = []
    read, write = os.pipe()
    feed = os.fdopen(write, "w")
    producer = None
    try:
        for number, node in ((1, leader), (2, others[0])):
            team.append(on(cluster, node, "workers", "consumer", "--seconds", "0.05",
                           label=f"worker {number}", echo=echo))
            team[-1].ready()
        producer = on(cluster, others[1], "workers", "producer", "--stdin",
                      label="producer", echo=echo, stdin=os.fdopen(read))
        dead = threading.Event()
        feeder = threading.Thread(target=feed_tasks, args=(feed, team, dead),
                                  daemon=True)
        feeder.start()
        # Kill while the tasks flow: the feeder goes on meanwhile.
        wait_total(team, r" done$", TASKS // 5, timeout=120)
        with killed(cluster, leader, echo) as outage:
            dead.set()
            feeder.join(300)
            assert producer.wait(120) == 0, producer.stderr
            sent = set(bodies(producer.stdout, "sent"))
            assert sent == {f"task {i}" for i in range(len(sent))}, "not all sent"
            done = wait_until_done(team, sent)
        # Left the outage: the node is back, with three replicas again.
        return {
            "leader": leader.node, "sent": len(sent),
            "lost": len(sent - set(done)), "done": len(done),
            "duplicates": len(done) - len(set(done)),
            "redelivered": len(matching(team, r"\(redelivered\)")),
            # Worker 1 connected to another node while its own was down.
            "reconnected": reconnected(team[0], outage["back"]),
            "recovery": first_done_after(team, lost(team[0])) - lost(team[0]),
            # The task worker 1 held when its node died comes back only after
            # the queue's disconnected-consumer timeout (60 s by default).
            "returned": [moment - lost(team[0]) for script in team
                         for line, moment in zip(script.stdout, script.times)
                         if line.endswith("(redelivered)")],
        }, team, producer
    finally:
        if not feed.closed:
            feed.close()
        if producer:
            producer.kill()
        for worker in team:
            worker.stop()


def feed_tasks(feed, team, killed):
    """Write tasks to the producer, a few ahead of the workers, no more:
    they are flowing, not all queued, when the node dies. Until the kill
    (the event killed), however long it takes on a busy machine; then
    TASKS // 2 more, which flow after it."""
    i, last = 0, None
    try:
        while last is None or i < last:
            if last is None and killed.is_set():
                last = i + TASKS // 2
            wait_total(team, r" done$", i - AHEAD, timeout=120)
            feed.write(f"task {i}\n")
            feed.flush()
            i += 1
    finally:
        feed.close()


def reconnected(script, before):
    """True if script was ready a second time before that moment."""
    ready = [moment for line, moment in zip(script.stdout, script.times)
             if "To exit press CTRL+C" in line]
    return len(ready) > 1 and ready[1] < before


def lost(script):
    """When script said it lost its node: the kill, to a few milliseconds,
    as the kernel closes a killed node's connections at once."""
    return next(moment for line, moment in zip(script.stderr, script.stderr_times)
                if "lost the connection" in line)


def first_done_after(scripts, moment):
    """When the first task received after moment was done."""
    received, done = {}, []
    for script in scripts:
        for line, when in zip(script.stdout, script.times):
            task = re.sub(r" (received|done)( \(redelivered\))?$", "", line)
            if " received" in line and when > moment:
                received.setdefault(task, when)
            elif line.endswith(" done") and task in received and when > moment:
                done.append(when)
    assert done, "no task was done after the node died"
    return min(done)


def wait_until_done(team, sent, timeout=120):
    """The tasks done, with duplicates, once every task in sent is done
    (or the timeout passed: the caller counts what is lost)."""
    def done():
        return [body for script in team for body in bodies(script.stdout, "done")]

    with contextlib.suppress(AssertionError):
        until(lambda: sent <= set(done()), timeout, "every task sent done",
              changed=team[0].changed)
    return done()


def rpc(cluster, echo=None, calls=40):
    """An RPC server on the leader of rpc.fibonacci, a client loop on another
    node; the server's node is killed. Returns the figures and the scripts."""
    with on(cluster, cluster.nodes[0], "rpc", "consumer") as first:
        first.ready()
    leader = cluster.leader("rpc.fibonacci")
    client_node = next(node for node in cluster.nodes if node is not leader)
    server = on(cluster, leader, "rpc", "consumer", label="server", echo=echo)
    loop = (f"for n in $(seq 1 {calls}); do python producer.py $((n % 30)) "
            "--timeout 5; done")
    client = on(cluster, client_node, "rpc", "producer", label="client", echo=echo,
                command=["bash", "-c", loop], shown=loop)
    try:
        server.ready()
        client.wait_for(r" received$", count=5, timeout=60)
        with killed(cluster, leader, echo) as outage:
            before = len(client.wait_for(r" received$"))
            client.wait_for(r" received$", count=before + 1, timeout=120)
        when = lost(server)
        recovery = next(moment for line, moment in zip(client.stdout, client.times)
                        if line.endswith(" received") and moment > when) - when
        client.wait(300)  # its status is its last call's: the figures tell more
        answers = [re.fullmatch(r"fib\((\d+)\) = (\d+) received", line)
                   for line in client.stdout if line.endswith(" received")]
        wrong = [a[0] for a in answers if FIB[int(a[1])] != int(a[2])]
        timeouts = [line for line in client.stderr if "no server answered" in line]
        return {"calls": calls, "answers": len(answers), "wrong": wrong,
                "reconnected": reconnected(server, outage["back"]),
                "timeouts": len(timeouts), "recovery": recovery,
                "other errors": [line for line in client.stderr
                                 if line not in timeouts]}, server, client
    finally:
        client.kill()
        server.stop()


def subscribers(cluster, echo=None):
    """A pubsub and a routing subscriber on one node, which is killed: each
    says so in one line, and, started again, connects to another node.

    While the node is down, RabbitMQ 4.3 keeps the dead subscribers' queues
    bound, and refuses a message routed to one of them: the producers run
    then, and once more after the node is back. Returns (the dead
    subscribers' exit statuses, the dead ones, the restarted ones, {folder:
    producer} during the outage, {folder: producer} after it)."""
    dying, living = cluster.nodes[2], cluster.nodes[0]
    keys = {"pubsub": [], "routing": ["blue"]}

    def subscriber(folder):
        return on(cluster, dying, folder, "consumer", *keys[folder],
                  label=f"{folder} subscriber", echo=echo).ready()

    def producer(folder):
        script = on(cluster, living, folder, "producer", *keys[folder],
                    label=f"{folder} producer", echo=echo)
        script.wait(30)
        return script

    started = [subscriber("pubsub"), subscriber("routing")]
    again, outage, after = [], {}, {}
    try:
        with killed(cluster, dying, echo):
            statuses = [script.wait(30) for script in started]
            # The same command again: its first node is down, so it
            # connects to the next.
            again = [subscriber("pubsub"), subscriber("routing")]
            outage = {folder: producer(folder) for folder in keys}
        for script in again:
            folder = script.label.split()[0]
            after[folder] = producer(folder)
            assert after[folder].process.returncode == 0, f"{folder} producer failed"
            # The queue keeps order: once the last arrived, all before it did.
            last = bodies(after[folder].stdout, "sent")[-1]
            script.wait_for(f"^{re.escape(last)} received$", timeout=30)
        return statuses, started, again, outage, after
    finally:
        for script in started + again:
            script.stop()
