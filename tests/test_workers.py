"""Workers: one durable queue shared by several workers, nothing lost."""
import signal

from conftest import url
from harness import Consumers, Script, bodies, run, wait_total


def test_three_workers_share_fifteen_tasks_each_done_once():
    with Consumers("workers", [], [], []) as workers:
        status, sent, errors = run("workers", "producer")
        assert (status, errors, len(sent)) == (0, [], 15)
        wait_total(workers, " done$", 15)
    # All they printed, now that they have ended: every task done, each once.
    done = [bodies(worker.stdout, "done") for worker in workers]
    assert sorted(body for each in done for body in each) == sorted(
        bodies(sent, "sent"))
    # Fair dispatch: with equal tasks each worker does a third, give or take one.
    assert all(4 <= len(each) <= 6 for each in done), done


def test_task_of_a_killed_worker_goes_to_another_worker():
    with Script("workers", "consumer", "--seconds", 30) as first:
        first.ready()
        assert run("workers", "producer", "resize photo")[0] == 0
        first.wait_for("^resize photo received$")
        with Consumers("workers", ["--seconds", 0.5]) as (second,):
            first.process.send_signal(signal.SIGKILL)
            assert first.wait() == -signal.SIGKILL
            second.wait_for("^resize photo received \\(redelivered\\)$")
            second.wait_for("^resize photo done$")
        assert bodies(first.stdout, "done") == []


def test_worker_answers_heartbeats_during_a_long_task():
    env = {"AMQP_URL": url(query="heartbeat=2")}
    with Consumers("workers", ["--seconds", 6], env=env) as (worker,):
        assert run("workers", "producer", "long task", env=env)[0] == 0
        worker.wait_for("^long task done$", timeout=20)
    assert not any("redelivered" in line for line in worker.stdout)


def test_producer_started_first_loses_nothing():
    status, sent, _ = run("workers", "producer", "a", "b", "c")
    assert status == 0 and len(sent) == 3
    with Consumers("workers", ["--seconds", 0]) as workers:
        wait_total(workers, " done$", 3)
    assert sorted(bodies(workers[0].stdout, "done")) == ["a", "b", "c"]


def test_worker_stopped_mid_task_leaves_it_in_the_queue():
    with Script("workers", "consumer", "--seconds", 30) as worker:
        worker.ready()
        assert run("workers", "producer", "slow task")[0] == 0
        worker.wait_for("^slow task received$")
        assert worker.signal() == 0 and worker.stderr == []
    with Consumers("workers", ["--seconds", 0]) as (other,):
        other.wait_for("^slow task done$")


def test_exercise_a_slow_worker_gets_fewer_tasks():
    with Consumers("workers", ["--seconds", 5], ["--seconds", 0],
                   ["--seconds", 0]) as (slow, *fast):
        assert run("workers", "producer")[0] == 0
        wait_total([slow, *fast], " done$", 15, timeout=60)
    done = [len(bodies(worker.stdout, "done")) for worker in (slow, *fast)]
    assert done[0] <= 2 and sum(done) == 15, done
