"""RPC: a client asks, one of the servers answers, and the client knows which
reply is its own."""
import json
import time

import pika
import pytest

from conftest import broker_connection
from harness import Consumers, Script, bodies, run, until


def call(n, *args, **kwargs):
    return run("rpc", "producer", n, *args, **kwargs)


def next_message(channel, queue, timeout=10):
    """Poll queue until a message arrives; return (properties, body)."""
    def get():
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        return method and (properties, body)

    return until(get, timeout, f"a message in {queue}", interval=0.05)


@pytest.mark.parametrize("n, value", [(0, 0), (1, 1), (2, 1), (10, 55),
                                      (30, 832040)])
def test_client_gets_the_right_value(n, value):
    with Consumers("rpc", []) as (server,):
        status, out, errors = call(n)
    assert (status, errors) == (0, [])
    assert out == [f"fib({n}) sent", f"fib({n}) = {value} received"]
    assert server.stdout[1:] == [f"fib({n}) received", f"fib({n}) = {value} sent"]


def test_three_clients_at_once_each_get_their_own_answer():
    with Consumers("rpc", []):
        clients = {n: Script("rpc", "producer", n) for n in (10, 20, 30)}
        for client in clients.values():
            assert client.wait() == 0
    for n, value in ((10, 55), (20, 6765), (30, 832040)):
        assert clients[n].stdout[-1] == f"fib({n}) = {value} received"


def test_two_servers_share_a_burst_of_requests():
    with Consumers("rpc", [], []) as servers:
        clients = [Script("rpc", "producer", n) for n in range(10)]
        assert [client.wait() for client in clients] == [0] * 10
    # Each client got the right answer; the servers answered each request
    # once between them, and each answered some.
    fib = [0, 1]
    while len(fib) < 10:
        fib.append(fib[-1] + fib[-2])
    assert [client.stdout for client in clients] == [
        [f"fib({n}) sent", f"fib({n}) = {fib[n]} received"] for n in range(10)]
    answered = [bodies(server.stdout, "sent") for server in servers]
    assert sorted(body for each in answered for body in each) == sorted(
        f"fib({n}) = {fib[n]}" for n in range(10))
    assert all(answered), answered


def test_a_reply_with_a_foreign_correlation_id_is_ignored():
    # The test plays the server, to send a stale reply before the real one.
    with Script("rpc", "producer", 12, "--timeout", 20) as client, \
            broker_connection() as connection:
        channel = connection.channel()
        request, body = next_message(channel, "rpc.fibonacci")
        assert body == b"12"
        for correlation_id, result in (("stale-request", 999), (None, 999),
                                       (request.correlation_id, 144)):
            channel.basic_publish("", request.reply_to,
                                  json.dumps({"result": result}).encode(),
                                  pika.BasicProperties(correlation_id=correlation_id))
        assert client.wait() == 0
    assert client.stdout[-1] == "fib(12) = 144 received"


def test_no_server_fails_in_time_and_the_request_expires():
    with Script("rpc", "producer", 7, "--timeout", 2) as client:
        client.wait_for("^fib\\(7\\) sent$")
        sent = time.monotonic()
        status = client.wait(30)
        # It gave up after its 2 s, not the default 10 (measured from the
        # request, so that a slow start on a busy machine does not count).
        waited = time.monotonic() - sent
    out, errors = client.stdout, client.stderr
    assert status == 1 and out == ["fib(7) sent"] and waited < 8, waited
    assert len(errors) == 1 and "no server answered within 2 s" in errors[0]
    # A server started now sees only the next request, not the expired one.
    with Consumers("rpc", []) as (server,):
        assert call(8)[0] == 0
    assert [line for line in server.stdout if "received" in line] == ["fib(8) received"]


@pytest.mark.parametrize("body", [b"abc", b"-1", b"1.5", b"", b"\xff\xfe",
                                  b"1001", "٣".encode()])
def test_a_bad_request_gets_an_error_reply_and_the_server_goes_on(body):
    with Consumers("rpc", []) as (server,):
        with broker_connection() as connection:
            channel = connection.channel()
            replies = channel.queue_declare("", exclusive=True).method.queue
            channel.basic_publish("", "rpc.fibonacci", body, pika.BasicProperties(
                reply_to=replies, correlation_id="bad-one"))
            properties, reply = next_message(channel, replies)
        assert properties.correlation_id == "bad-one"
        assert "error" in json.loads(reply)
        status, out, _ = call(9)
        assert status == 0 and out[-1] == "fib(9) = 34 received"
    assert any(" refused: " in line for line in server.stdout)


@pytest.mark.parametrize("args", [["-3"], ["x"], ["1", "--timeout", "0"], ["1", "2"]])
def test_bad_arguments_print_usage(args):
    status, out, errors = call(*args)
    assert status == 2 and out == [] and errors[0].startswith("usage: producer.py")


def test_a_server_error_reply_fails_the_client():
    with Consumers("rpc", []):
        status, _, errors = call(5000)
    assert status == 1
    assert errors == ["producer.py: fib(5000) failed: n must be at most 1000"]


@pytest.mark.parametrize("reply", [b"\xff not json", b"[1, 2]", b'{"answer": 1}'])
def test_a_reply_that_is_not_an_answer_fails_the_client_in_one_line(reply):
    # The test plays a server that speaks another language.
    with Script("rpc", "producer", 7, "--timeout", 20) as client, \
            broker_connection() as connection:
        channel = connection.channel()
        request, _ = next_message(channel, "rpc.fibonacci")
        channel.basic_publish("", request.reply_to, reply, pika.BasicProperties(
            correlation_id=request.correlation_id))
        assert client.wait() == 1
    assert client.stderr == [f"producer.py: fib(7) failed: the reply is neither a "
                             f"result nor an error: {reply[:40]!r}"]
