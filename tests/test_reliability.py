"""Reliability: nothing lost under a broker restart, a poison task, a full
queue, or over TLS."""
import signal
import ssl
import subprocess
import time

import pytest

from conftest import ADDRESS, BROKER, depths, rabbitmqctl, url
from harness import Consumers, Script, run, wait_total
from proxy import Proxy


def wait_depth(queue, count, timeout=15):
    deadline = time.monotonic() + timeout
    while depths().get(queue) != count:
        assert time.monotonic() < deadline, f"{queue}: {depths()}"
        time.sleep(0.1)  # poll the broker until the queue shows the count


def tasks(lines, word):
    ending = f" {word}"
    return [line.removesuffix(ending) for line in lines if line.endswith(ending)]


def test_tasks_survive_a_broker_restart_and_services_reconnect():
    worker = Script("workers", "consumer", "--seconds", 2).ready()
    server = Script("rpc", "consumer").ready()
    basic = Script("basic", "consumer").ready()
    try:
        status, out, _ = run("workers", "producer", *[f"task {i}" for i in range(5)])
        sent = tasks(out, "sent")
        assert status == 0 and len(sent) == 5
        worker.wait_for("^task 0 received$")
        try:
            rabbitmqctl("stop_app")
            worker.wait_until(lambda: worker.stderr, 30, "reconnect notice")
            assert "reconnecting in 1 s" in worker.stderr[0]
            # A consumer that is no service says so in one line and stops.
            assert basic.wait(30) == 1
            assert len(basic.stderr) == 1 and "closed the connection" in basic.stderr[0]
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        worker.ready(timeout=60, count=2)
        server.ready(timeout=60, count=2)
        done = tasks(wait_total([worker], " done$", 5, timeout=60), "done")
        assert sorted(done) == sorted(sent)  # every task, each once
        status, out, _ = run("rpc", "producer", "20")
        assert status == 0 and out[-1] == "fib(20) = 6765 received"
        assert worker.signal() == 0 and server.signal() == 0
        assert not any("Traceback" in line for line in worker.stderr + server.stderr)
    finally:
        for script in (worker, server, basic):
            script.kill()


def test_a_poison_task_is_dead_lettered_and_holds_up_nothing():
    with Consumers("workers", ["--seconds", 0]) as (worker,):
        assert run("workers", "producer", "poison", "a", "b")[0] == 0
        wait_total([worker], "^[ab] done$", 2)
        wait_depth("workers.tasks.failed", 1)
        # One delivery and DELIVERY_LIMIT (3) redeliveries, then no more.
        assert tasks(worker.stdout, "failed") == ["poison"] * 4
        assert tasks(worker.stdout, "received (redelivered)") == ["poison"] * 3
    depths(purge=True)


def test_a_task_the_broker_refuses_is_reported_and_nothing_is_lost():
    rabbitmqctl("set_policy", "--apply-to", "queues", "test-full",
                r"^workers\.tasks$", '{"max-length":1,"overflow":"reject-publish"}')
    try:
        status, out, errors = run("workers", "producer", *map(str, range(10)))
        ready = depths()["workers.tasks"]
    finally:
        rabbitmqctl("clear_policy", "test-full")
    assert status == 1
    assert errors == ["producer.py: RabbitMQ refused the message: a queue it was "
                      "routed to is full, or on a node that is down; it was not sent"]
    # Every task that says "sent" is in the queue; the rest were never sent.
    assert len(tasks(out, "sent")) == ready < 10
    depths(purge=True)


def test_a_second_ctrl_c_while_the_goodbye_hangs_ends_the_script_at_once():
    proxy = Proxy(*ADDRESS)
    consumer = Script("basic", "consumer", env={"AMQP_URL": url(port=proxy.port)})
    try:
        consumer.ready()
        proxy.hold()  # the broker's answers stop arriving
        consumer.process.send_signal(signal.SIGINT)
        assert proxy.spoke.wait(10), "the consumer did not say goodbye"
        # It waits for the broker's goodbye, which will not come.
        consumer.process.send_signal(signal.SIGINT)
        # At once: not when the 3-second grace for the goodbye runs out.
        assert consumer.wait(2) == 0 and consumer.stderr == []
    finally:
        consumer.kill()
        proxy.close()


def test_ctrl_c_while_the_rpc_client_waits_ends_quietly():
    client = Script("rpc", "producer", "5", "--timeout", 60)
    try:
        client.wait_for("^fib\\(5\\) sent$")
        assert client.signal() == 0 and client.stderr == []
    finally:
        client.kill()
    depths(purge=True)  # the unanswered request


@pytest.fixture
def tls_port(tmp_path):
    """A TLS endpoint on loopback that forwards to the broker's AMQP port,
    with a certificate the scripts trust through SSL_CERT_FILE."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    proxy = Proxy(*ADDRESS,
                  wrap=lambda client: context.wrap_socket(client, server_side=True))
    yield proxy.port, str(cert)
    proxy.close()


def test_amqps_urls_work(tls_port):
    port, cert = tls_port
    env = {"AMQP_URL": f"amqps://guest:guest@localhost:{port}/%2F",
           "SSL_CERT_FILE": cert}
    with Consumers("basic", [], env=env) as (consumer,):
        status, sent, errors = run("basic", "producer", env=env)
        assert (status, errors, len(sent)) == (0, [], 5)
        consumer.wait_for(" received$", count=5)


def test_amqps_with_an_untrusted_certificate_is_one_line(tls_port):
    port, _ = tls_port
    env = {"AMQP_URL": f"amqps://guest:guest@localhost:{port}/%2F"}
    status, _, errors = run("basic", "producer", env=env, timeout=10)
    assert status == 1 and len(errors) == 1
    assert errors[0].startswith(f"producer.py: TLS with RabbitMQ at localhost:{port} "
                                "failed: CERTIFICATE_VERIFY_FAILED")


def test_a_task_that_outlives_the_consumer_timeout_is_done_by_another_worker():
    with BROKER.consumer_timeout("workers.tasks", 3000):
        slow = Script("workers", "consumer", "--seconds", 30).ready()
        try:
            assert run("workers", "producer", "long task")[0] == 0
            slow.wait_for("^long task received$")
            with Consumers("workers", ["--seconds", 0]) as (fast,):
                slow.wait_until(lambda: slow.stderr, 90, "consumer timeout line")
                fast.wait_for("^long task received \\(redelivered\\)$")
                fast.wait_for("^long task done$")
            # The slow worker said what happened in one line, and goes on.
            assert len(slow.stderr) == 1
            assert "held longer than its consumer timeout" in slow.stderr[0]
            slow.ready(count=2)
            assert slow.signal() == 0
        finally:
            slow.kill()
