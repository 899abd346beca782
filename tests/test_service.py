"""The tasks service (workers/service.py): one producer kept for the life of
a process and sending on demand, as a reader's web service keeps one."""
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from conftest import (
    ADDRESS,
    connections_of,
    rabbitmqctl,
    report,
    url,
    vhost_connections,
)
from harness import Consumers, Script, bodies, until
from proxy import Proxy


def service(env=None):
    """workers/service.py on a free port: (the script, its tasks address)."""
    script = Script("workers", "service", "--port", 0, env=env)
    [line] = script.ready().stdout
    return script, re.search(r"http://\S+/tasks", line)[0]


def post(address, task):
    """POST task, as curl -d does; (HTTP status, the answer's text)."""
    request = urllib.request.Request(address, data=task.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode().strip()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode().strip()


def sent_as_is(address, request):
    """Send a request's head as it is, our end left open, as a client that
    waits for the answer; (HTTP status, the answer's lines)."""
    with socket.create_connection(urlsplit(address)[1].split(":"), timeout=10) as http:
        http.sendall(request.encode())
        answer = b""
        while chunk := http.recv(4096):  # till the service closes: HTTP/1.0
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    return (int(head.split()[1]) if head else None), body.splitlines()


def test_a_request_after_an_idle_spell_past_the_heartbeat_timeout_is_done():
    script, address = service(env={"AMQP_URL": url(query="heartbeat=2")})
    with script:
        # Its connection, read off this machine: the broker may list it only
        # after the heartbeat has closed it, on a busy machine.
        [port] = connections_of(script.process.pid)
        with Consumers("workers", ["--seconds", 0]) as (worker,):
            assert post(address, "before") == (202, "before sent")
            worker.wait_for("^before done$")
            idle = time.monotonic()
            # Idle: no request, so no call into pika, so no heartbeat.
            until(lambda: port not in vhost_connections(), 30,
                  "the broker closing the idle connection")
            assert post(address, "after") == (202, "after sent")
            report(f"service: a request after {time.monotonic() - idle:.0f} s idle "
                   "with a 2 s heartbeat, its connection closed meanwhile, was done")
            worker.wait_for("^after done$")
    assert bodies(worker.stdout, "done") == ["before", "after"]
    assert (script.process.returncode, script.stderr) == (0, [])


@pytest.mark.alone
def test_a_request_after_a_broker_restart_is_done():
    script, address = service()
    with script, Consumers("workers", ["--seconds", 0]) as (worker,):
        assert post(address, "one") == (202, "one sent")
        worker.wait_for("^one done$")
        try:
            rabbitmqctl("stop_app")
            # While the broker is away, a request gets a clear refusal.
            status, text = post(address, "while away")
            assert status == 503 and "RabbitMQ" in text, text
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        assert post(address, "two") == (202, "two sent")
        worker.wait_for("^two done$", timeout=60)
        # The worker, a service too, said it was reconnecting: checked, and
        # not a fault of the kind Consumers looks for on leaving.
        assert worker.stderr and all(re.search(r"; reconnecting in \d+ s$", line)
                                     for line in worker.stderr), worker.stderr
        worker.stderr.clear()
    assert bodies(worker.stdout, "done") == ["one", "two"]
    assert script.stderr == []


def test_eight_requests_at_once_are_eight_tasks_each_done_once():
    proxy = Proxy(*ADDRESS)  # between the service and the broker, for Ctrl+C
    script, address = service(env={"AMQP_URL": url(port=proxy.port)})
    answers = {}
    with script, Consumers("workers", ["--seconds", 0], ["--seconds", 0]) as workers:
        requests = [threading.Thread(target=lambda n=n: answers.update(
            {n: post(address, f"task {n}")})) for n in range(8)]
        for request in requests:
            request.start()
        for request in requests:
            request.join(60)
        assert answers == {n: (202, f"task {n} sent") for n in range(8)}
        until(lambda: sum(len(bodies(w.stdout, "done")) for w in workers) >= 8, 30,
              "eight tasks done")
        # A size that is not one gets 400 at once: no thread waits on it.
        for size in ("", "Content-Length: ten\r\n", "Content-Length: -1\r\n",
                     "Content-Length: 1000001\r\n"):
            assert sent_as_is(address, f"POST /tasks HTTP/1.0\r\n{size}\r\n") == (
                400, ["Content-Length must say the task's size in bytes, at most "
                      "1000000"]), size
        # Ctrl+C while a send waits for the broker's confirm, held back: the
        # connection closes once the send is done, never under it.
        try:
            proxy.pause()
            last = threading.Thread(target=lambda: answers.update(
                last=post(address, "last")))
            last.start()
            until(proxy.spoke.is_set, 10, "the last task published")
            proxy.spoke.clear()
            script.process.send_signal(signal.SIGINT)
            assert not proxy.spoke.wait(0.5), "the connection closed under a send"
            proxy.resume()
            last.join(30)
            assert script.wait() == 0 and answers["last"] == (202, "last sent")
        finally:
            proxy.close()
        until(lambda: sum(len(bodies(w.stdout, "done")) for w in workers) >= 9, 30,
              "the last task done")
    done = [task for worker in workers for task in bodies(worker.stdout, "done")]
    assert sorted(done) == sorted([*(f"task {n}" for n in range(8)), "last"])
    assert sorted(bodies(script.stdout, "sent")) == sorted(done)
    assert script.stderr == []
