"""The patterns on a three-node cluster, with a node killed by kill -9.

``make test`` runs these once, against the cluster of tests/cluster.py (and
only there: they are marked ``cluster``). Each test starts the killed node
again and waits until every quorum queue has three members online.
"""
import pytest

import failover
from conftest import BROKER, report

pytestmark = pytest.mark.cluster


def test_workers_lose_no_confirmed_task_when_the_queue_leader_dies():
    figures, team, producer = failover.workers(BROKER)
    returned = ", ".join(f"{seconds:.0f} s" for seconds in figures["returned"])
    report(f"workers: leader {figures['leader']} killed; the next task was done "
           f"{figures['recovery']:.1f} s later; {figures['sent']} tasks confirmed, "
           f"{figures['lost']} lost, {figures['redelivered']} redelivered "
           f"(after {returned or 'none held'}), {figures['duplicates']} done twice")
    assert figures["sent"] == failover.TASKS, producer.stderr
    assert figures["lost"] == 0, figures
    # The worker on the dead node said so in one line and connected to another.
    assert figures["reconnected"], team[0].stderr
    lost = [line for line in team[0].stderr if "lost the connection" in line]
    port = next(node.port for node in BROKER.nodes if node.node == figures["leader"])
    assert len(lost) == 1 and f"localhost:{port}; reconnecting" in lost[0], lost
    # Every task done more than once was flagged as redelivered.
    assert figures["duplicates"] <= figures["redelivered"], figures
    # The killed node rejoined: every quorum queue has its three members.
    short = [queue["name"] for queue in BROKER.queues()
             if queue["type"] == "quorum" and len(queue["online"]) != 3]
    assert not short, short


def test_rpc_answers_across_the_loss_of_the_servers_node():
    figures, server, _ = failover.rpc(BROKER)
    report(f"rpc: the server's node killed; the next answer came "
           f"{figures['recovery']:.1f} s later; {figures['answers']} of "
           f"{figures['calls']} calls answered, {figures['timeouts']} timed out, "
           f"{len(figures['wrong'])} wrong")
    assert not figures["wrong"], figures
    assert not figures["other errors"], figures
    assert figures["answers"] + figures["timeouts"] == figures["calls"], figures
    assert figures["answers"] > figures["calls"] // 2, figures
    # The server connected to another node while its own was down.
    assert figures["reconnected"], server.stdout + server.stderr


def test_subscribers_on_a_dead_node_say_so_and_a_restarted_one_receives():
    statuses, dead, again, outage = failover.subscribers(BROKER)
    port = BROKER.nodes[2].port
    for status, script in zip(statuses, dead):
        assert status == 1, script.stderr
        assert script.stderr == [
            f"consumer.py: lost the connection to RabbitMQ at localhost:{port}"]
    # Restarted, each connected to another node and got the five messages
    # sent once the node was back (failover.subscribers waits for them).
    for script in again:
        assert len(script.wait_for(r" received$")) >= 5, script.stdout
    # While the node was down, a producer either sent, or said in one line
    # that RabbitMQ refused the message (a dead subscriber's queue).
    refused = ("producer.py: RabbitMQ refused the message: a queue it was routed "
               "to is full, or on a node that is down; it was not sent")
    for folder, (status, stderr) in outage.items():
        assert (status, stderr) in ((0, []), (1, [refused])), (folder, stderr)
    report("subscribers: while the node was down, " + "; ".join(
        f"{folder} producer {'refused' if status else 'sent'}"
        for folder, (status, _) in outage.items()))
