"""A three-node RabbitMQ cluster on this machine: the broker of the node-loss tests.

    python tests/tools/cluster.py start      start it, or its nodes that are down
                                       (make cluster)
    python tests/tools/cluster.py stop       stop it (make cluster-stop)
    python tests/tools/cluster.py kill NAME  kill -9 one node, such as cluster1
                                       (make cluster-kill NODE=cluster1)
    python tests/tools/cluster.py status     each quorum queue's leader and the
                                       members online (make cluster-status)

Its nodes are RabbitMQ 4.3 from the chroot broker.py provisions, each with a
name and ports of its own (AMQP 5681-5683), so they never meet the system
broker or the 4.3 node of the version tests. They share that node's epmd.
"""
import json
import os
import re
import signal
import subprocess
import sys

import pika

import broker
from broker import CHROOT, Chroot, Fail, as_root, patiently

NAMES = [f"cluster{i}@localhost" for i in (1, 2, 3)]
PORTS = [5681, 5682, 5683]
ENV_FILE = "/etc/rabbitmq/{short}-env.conf"
NODE = """NODENAME={name}
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT={port}
DIST_PORT={dist}
ERL_EPMD_PORT=4371
ERL_EPMD_ADDRESS=127.0.0.1
"""


def url(port):
    return f"amqp://guest:guest@localhost:{port}/%2F"


class Node(broker.Broker):
    """One node of the cluster."""

    def __init__(self, name, port):
        self.short = name.split("@")[0]
        super().__init__(self.short, url(port),
                         [*Chroot.AS_RABBITMQ, "rabbitmqctl", "-n", name])
        self.node, self.port = name, port

    def start(self):
        env_file = ENV_FILE.format(short=self.short)
        (CHROOT / env_file.lstrip("/")).write_text(NODE.format(
            name=self.node, port=self.port, dist=self.port + 20000))
        as_root(*Chroot.AS_RABBITMQ, "env", f"RABBITMQ_CONF_ENV_FILE={env_file}",
                "setsid", "rabbitmq-server", "-detached", check=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)

    def pid(self):
        """The operating system's process id of the node's Erlang VM."""
        return int(re.sub(r"\D", "", self.checked("eval", "os:getpid().")))

    def kill(self):
        """kill -9 the node, as a power cut or an out-of-memory killer would;
        wait until it is gone."""
        pid = self.killed = self.pid()
        os.kill(pid, signal.SIGKILL)
        # Poll: the kernel takes a moment to reap it.
        patiently(lambda: not os.path.exists(f"/proc/{pid}"), 30, f"{self.node} gone")

    def running(self):
        """The nodes this one sees running in its cluster."""
        status = self.ctl("cluster_status", "--formatter", "json", timeout=60)
        if status.returncode:
            return set()
        report = json.loads(status.stdout[status.stdout.index("{"):])
        return set(report.get("running_nodes", []))

    def wipe(self):
        """Stop the node if it runs and forget its data: a fresh node."""
        if self.node_runs():
            self.ctl("stop", timeout=60)
        subprocess.run(["rm", "-rf", CHROOT / f"var/lib/rabbitmq/mnesia/{self.node}",
                        CHROOT / f"var/lib/rabbitmq/mnesia/{self.node}-plugins-expand",
                        CHROOT / f"var/lib/rabbitmq/mnesia/{self.node}.pid",
                        CHROOT / f"var/lib/rabbitmq/mnesia/{self.node}-feature_flags"],
                       check=True)


class Cluster(broker.Broker):
    """The three nodes, as one broker: its URL names them all."""

    def __init__(self):
        self.nodes = [Node(name, port) for name, port in zip(NAMES, PORTS)]
        super().__init__("cluster", ",".join(node.url for node in self.nodes),
                         self.nodes[0].ctl_prefix)

    def connection(self):
        return pika.BlockingConnection(
            [pika.URLParameters(node.url) for node in self.nodes])

    def formed(self):
        """True if every node answers and sees all three running."""
        try:
            return all(node.answers() and node.running() == set(NAMES)
                       for node in self.nodes)
        except Fail:
            return False

    def ensure(self):
        """Start the cluster unless it runs; True if this call started a node.
        A node that is down is started again and rejoins; a cluster that
        cannot form is made anew."""
        # The packages, and /proc mounted in the chroot; not the 4.3 node,
        # whose tests may have stopped it meanwhile (run.py).
        Chroot().prepare()
        if self.formed():
            return False
        joined = all((CHROOT / f"var/lib/rabbitmq/mnesia/{node.node}").exists()
                     for node in self.nodes)
        if joined:
            for node in self.nodes:
                if not node.node_runs():
                    print(f"Starting {node.node} at localhost:{node.port}...",
                          flush=True)
                    node.start()
            try:
                self.wait_formed()
                return True
            except Fail:
                print("The cluster did not form again: making it anew.", flush=True)
        print("Starting a three-node RabbitMQ cluster at "
              f"{', '.join(f'localhost:{port}' for port in PORTS)}...", flush=True)
        for node in self.nodes:
            node.wipe()
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            node.wait()
        first = self.nodes[0].node
        for node in self.nodes[1:]:
            node.checked("stop_app")
            node.checked("join_cluster", first)
            node.checked("start_app")
        self.wait_formed()
        return True

    def url_from(self, first):
        """AMQP_URL for a script that connects to first, or, when first is
        down, to the next node that answers."""
        at = self.nodes.index(first)
        return ",".join(node.url for node in self.nodes[at:] + self.nodes[:at])

    def queues(self):
        """[{name, type, leader, members, online}] from a node that runs."""
        for node in self.nodes:
            result = node.ctl("list_queues", "name", "type", "leader", "members",
                              "online", "--formatter", "json", timeout=60)
            if result.returncode == 0:
                return json.loads(result.stdout[result.stdout.index("["):])
        raise Fail("no node of the cluster answers rabbitmqctl")

    def leader(self, queue):
        """The node that leads the quorum queue."""
        name = next(each["leader"] for each in self.queues() if each["name"] == queue)
        return next(node for node in self.nodes if node.node == name)

    def wait_replicas(self, seconds=120):
        """Wait until every quorum queue has its three members online."""
        def short():
            return [each["name"] for each in self.queues()
                    if each["type"] == "quorum" and len(each["online"]) < 3]

        # Poll: a member catches up with its leader.
        patiently(lambda: not short(), seconds,
                  "three replicas online for every quorum queue", interval=0.5)

    def wait_formed(self, seconds=120):
        # Poll: nodes take a few seconds to find each other.
        patiently(self.formed, seconds, "the cluster formed", interval=0.5)

    def stop(self):
        for node in self.nodes:
            if node.node_runs():
                node.ctl("stop", timeout=60)

    def memory(self):
        """Megabytes resident for each node's Erlang VM."""
        sizes = []
        for node in self.nodes:
            with open(f"/proc/{node.pid()}/status") as status:
                kilobytes = re.search(r"VmRSS:\s+(\d+)", status.read())[1]
            sizes.append(int(kilobytes) / 1024)
        return sizes


def main(args):
    cluster = Cluster()
    try:
        if args == ["stop"]:
            cluster.stop()
            print("The cluster is stopped.")
            return 0
        if args == ["status"]:
            for queue in cluster.queues():
                if queue["type"] == "quorum":
                    online = ", ".join(sorted(queue["online"]))
                    print(f"{queue['name']}: leader {queue['leader']}, "
                          f"online {online}")
            return 0
        if args[:1] == ["kill"]:
            node = next((node for node in cluster.nodes
                         if args[1:] in ([node.short], [node.node])), None)
            if node is None:
                sys.exit(f"cluster: no node {' '.join(args[1:])}; the nodes are "
                         f"{', '.join(node.short for node in cluster.nodes)}")
            node.kill()
            print(f"{node.node} killed (kill -9 {node.killed}); start it again "
                  "with: make cluster")
            return 0
        cluster.ensure()
    except Fail as error:
        sys.exit(f"cluster: {error}")
    print(f"RabbitMQ {cluster.version()} runs on three nodes. Point the "
          f"scripts at it with:\n    export AMQP_URL={cluster.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
