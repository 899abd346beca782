"""The patterns on a three-node cluster, with a node killed by kill -9.

``make test`` runs these once, against the cluster of tests/tools/cluster.py (and
only there: they are marked ``cluster``). Each test starts the killed node
again and waits until every quorum queue has three members online.
"""
import pytest

import failover
from conftest import BROKER, report
from harness import bodies

# Each scenario waits for a kill, a restart and replicas to catch up, each
# step with a limit of its own that says which step was slow; this one only
# ends a test whose steps all hang.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1200)]


def test_workers_lose_no_confirmed_task_when_the_queue_leader_dies():
    figures, team, producer = failover.workers(BROKER)
    returned = ", ".join(f"{seconds:.0f} s" for seconds in figures["returned"])
    report(f"workers: leader {figures['leader']} killed; the next task was done "
           f"{figures['recovery']:.1f} s later; {figures['sent']} tasks confirmed, "
           f"{figures['lost']} lost, {figures['redelivered']} redelivered "
           f"(after {returned or 'none held'}), {figures['duplicates']} done twice")
    # Every task fed to it, and at least the TASKS // 2 fed after the kill.
    assert figures["sent"] > failover.TASKS // 2 and not producer.stderr, figures
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
    statuses, dead, again, outage, after = failover.subscribers(BROKER)
    port = BROKER.nodes[2].port
    for status, script in zip(statuses, dead):
        assert status == 1, script.stderr
        assert script.stderr == [
            f"consumer.py: lost the connection to RabbitMQ at localhost:{port}"]
    # Restarted, each connected to another node. While the node was down,
    # RabbitMQ may still have had the dead subscribers' queues bound, and
    # refused what was routed to them: the producer then said so in one line
    # and stopped. The refused message may still have reached the live
    # queues (a refusal means "not every queue has it"). So each restarted
    # subscriber got what the producer called sent during the outage, at
    # most the one it was refused, and the five sent after it.
    refused = ("producer.py: RabbitMQ refused the message: a queue it was routed "
               "to is full, or on a node that is down, so not every queue has it")
    for script in again:
        folder = script.label.split()[0]
        during, later = outage[folder], after[folder]
        assert (during.process.returncode, during.stderr) in ((0, []), (1, [refused]))
        assert len(bodies(later.stdout, "sent")) == 5
        got, sent = bodies(script.stdout, "received"), bodies(during.stdout, "sent")
        assert got[-5:] == bodies(later.stdout, "sent"), folder
        assert got[:len(sent)] == sent and len(got) - 5 - len(sent) <= (
            1 if during.process.returncode else 0), folder
    report("subscribers: while the node was down, " + "; ".join(
        f"{folder} producer sent {len(bodies(producer.stdout, 'sent'))} of 5"
        + (", then was refused" if producer.process.returncode else "")
        for folder, producer in outage.items()))
