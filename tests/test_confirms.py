"""Publisher confirms: every message counted confirmed is in the queue, by
each strategy; what the broker returns is reported; Ctrl+C says how many."""
import collections
import re
import shutil
import sys

import pytest

from conftest import broker_connection, depths, take
from harness import ROOT, Consumers, Script, bodies, run

QUEUE = "confirms.messages"
RESULT = re.compile(r"^Published and confirmed ([\d,]+) messages "
                    r"(individually|in batches|asynchronously) in ([\d,]+) ms: "
                    r"([\d,]+) messages/s$")
STRATEGIES = {"individually": "individually", "batches": "in batches",
              "async": "asynchronously"}


def number(text):
    return int(text.replace(",", ""))


def drain(queue=QUEUE):
    """Take everything in queue, fast: {body: how many times it was there}."""
    found = collections.Counter()
    with broker_connection() as connection:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=1000)
        while True:
            for method, _, body in channel.consume(queue, auto_ack=True,
                                                   inactivity_timeout=1):
                if method is None:
                    break
                found[body.decode()] += 1
            channel.cancel()
            # Quiet for a second: empty, unless a busy broker paused.
            if channel.queue_declare(queue, passive=True).method.message_count == 0:
                return found


def started_publishing(producer):
    """Wait until the producer's first messages are in the queue."""
    producer.wait_until(lambda: depths().get(QUEUE, (0,))[0] > 0, 30,
                        "messages in the queue")


def test_three_strategies_each_confirm_every_message_once():
    status, out, errors = run("confirms", "producer", "--count", 300)
    assert (status, errors) == (0, [])
    results = [RESULT.match(line) for line in out]
    assert all(results) and [r[2] for r in results] == list(STRATEGIES.values()), out
    assert all(number(r[1]) == 300 and number(r[4]) > 0 for r in results), out
    # Each body is one of a kind: the strategy and the message's number.
    assert drain() == {f"{strategy} {i}": 1 for strategy in STRATEGIES
                       for i in range(300)}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_consumer_prints_each_message_received(strategy):
    with Consumers("confirms", []) as (consumer,):
        assert consumer.stdout == [
            f"Waiting for messages in {QUEUE}. To exit press CTRL+C"]
        status, out, errors = run("confirms", "producer", "--strategy", strategy,
                                  "--count", 20, "--batch-size", 7, "--window", 5)
        assert (status, errors, len(out)) == (0, [], 1)
        assert RESULT.match(out[0])[2] == STRATEGIES[strategy]
        consumer.wait_for(" received$", count=20)
    # One queue, one channel: in the order published.
    assert bodies(consumer.stdout, "received") == [f"{strategy} {i}"
                                                   for i in range(20)]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_ctrl_c_mid_run_ends_quietly_saying_how_many_were_confirmed(strategy):
    with Script("confirms", "producer", "--strategy", strategy,
                "--count", 300_000) as producer:
        started_publishing(producer)
        assert producer.signal() == 0, producer.tail()
    assert producer.stderr == []
    stopped = re.fullmatch(rf"Stopped: ([\d,]+) of 300,000 messages confirmed "
                           rf"{STRATEGIES[strategy]}", producer.stdout[-1])
    assert stopped and len(producer.stdout) == 1, producer.stdout
    # What it counted confirmed is in the queue, and perhaps some more that
    # the broker took but had not confirmed yet.
    found = drain()
    assert number(stopped[1]) <= len(found) < 300_000
    assert set(found) <= {f"{strategy} {i}" for i in range(300_000)}
    assert set(found.values()) == {1}


def test_a_queue_declared_with_other_arguments_is_one_line():
    # Someone else's confirms.messages: a classic queue, not a quorum queue.
    with broker_connection() as connection:
        channel = connection.channel()
        channel.queue_delete(QUEUE)
        channel.queue_declare(QUEUE, durable=True)
    try:
        for name, args in (("producer", ["--count", 5]), ("consumer", [])):
            status, out, errors = run("confirms", name, *args)
            assert (status, out, len(errors)) == (1, [], 1), errors
            assert errors[0].startswith(f"{name}.py: RabbitMQ refused: "
                                        "PRECONDITION_FAILED - inequivalent arg "
                                        "'x-queue-type'"), errors
    finally:
        with broker_connection() as connection:
            connection.channel().queue_delete(QUEUE)


@pytest.mark.offline
@pytest.mark.parametrize("args", [["--count", "0"], ["--strategy", "all"],
                                  ["--window", "many"], ["--batch-size", "-1"]])
def test_bad_arguments_print_usage(args):
    status, out, errors = run("confirms", "producer", *args)
    assert (status, out) == (2, [])
    assert errors[0].startswith("usage: producer.py") and "error:" in errors[-1]



def test_a_bug_in_a_callback_ends_the_producer_with_its_traceback(tmp_path):
    # A reader's copy, whose confirm() has a bug: an exception pika would take
    # for a lost connection, so that the producer published again, for ever.
    shutil.copytree(ROOT / "confirms", tmp_path / "confirms")
    producer = tmp_path / "confirms" / "producer.py"
    line = "        answer, tag = frame.method, frame.method.delivery_tag\n"
    text = producer.read_text()
    assert line in text
    producer.write_text(text.replace(line, line + '        json.loads("{")  # a bug\n')
                        .replace("import time\n", "import json\nimport time\n"))
    status, _, errors = run("confirms", "producer", timeout=30, command=[
        sys.executable, str(producer), "--strategy", "async", "--count", "100"])
    assert status == 1, errors
    assert errors[0] == "Traceback (most recent call last):", errors
    assert "json.decoder.JSONDecodeError: Expecting property name" in "\n".join(errors)
    assert not [line for line in errors if "reconnecting" in line], errors
    got = take("confirms.messages")
    assert len(got) == len(set(got)) <= 100  # published once, not again and again
