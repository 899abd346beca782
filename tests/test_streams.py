"""Streams: a log that readers read from any point, and a reader that remembers.

Each test starts without the stream, and it is deleted after (conftest.py):
a stream keeps what it is sent, so one test's events would be the next one's
history.
"""
import os
import re
import signal

import pytest
from pika import exceptions

import streams_runs
import transcripts
from bench import load
from conftest import BROKER, broker_connection, report
from harness import Consumers, Script, bodies, run

STREAM = "streams.events"
EVENT = re.compile(r"^\[(\d+)\] (.*) (received|skipped)$")


def events(lines, word="received"):
    """[(offset, event)] of the lines that end in word."""
    return [(int(match[1]), match[2]) for match in map(EVENT.match, lines)
            if match and match[3] == word]


def send(*events_, filter_value=None):
    """producer.py EVENT ...; the events it says were sent."""
    args = [*(["--filter", filter_value] if filter_value else []), *events_]
    status, out, errors = run("streams", "producer", *args)
    assert (status, errors) == (0, []), errors
    assert bodies(out, "sent") == list(events_)
    return list(events_)


def reader(*args, cwd=None, label=None):
    return Script("streams", "consumer", *args, cwd=cwd, label=label)


def read(script, count):
    """Wait for count events read by script; all it read so far."""
    script.wait_for(" received$", count=count)
    return events(script.stdout)


def test_readers_started_after_the_producer_each_read_every_event():
    status, out, errors = run("streams", "producer")
    assert (status, errors, len(out)) == (0, [], 5)
    sent = bodies(out, "sent")
    assert sent[0].startswith("0 ") and sent[0].endswith(" - Streams - Hello World")
    with Consumers("streams", *[["--offset", "first"]] * 3) as readers:
        for each in readers:
            each.wait_for(" received$", count=5)
    for each in readers:
        assert each.stdout[0] == ("Waiting for events in streams.events. "
                                  "To exit press CTRL+C")
        assert events(each.stdout) == list(enumerate(sent))


@pytest.mark.parametrize("offset, expected", [
    ("first", ["a", "b", "c", "d", "e", "f"]),
    ("4", ["e", "f"]),
    ("last", ["f"]),
    ("1h", ["a", "b", "c", "d", "e", "f"]),
    ("next", []),
])
def test_a_reader_starts_where_offset_says_and_reads_what_comes_next(offset, expected):
    send("a", "b", "c", "d", "e", "f")
    with Consumers("streams", ["--offset", offset]) as (each,):
        if expected:
            read(each, len(expected))
        send("g")
        got = read(each, len(expected) + 1)
    assert [event for _, event in got] == [*expected, "g"]
    assert got[-1] == (6, "g")
    assert events(each.stdout, "skipped") == []


def test_a_stopped_subscriber_lost_what_a_stopped_stream_reader_replays(tmp_path):
    # Both run once, then both are stopped while events are sent.
    with Consumers("pubsub", []) as (subscriber,), \
            reader("--name", "replay", cwd=tmp_path) as named:
        named.ready()
        assert run("pubsub", "producer")[0] == 0
        send("before")
        subscriber.wait_for(" received$", count=5)
        read(named, 1)
        assert named.stop() == 0
    assert run("pubsub", "producer")[0] == 1  # no queue bound: not delivered
    missed = send("while away 1", "while away 2")
    with Consumers("pubsub", []) as (subscriber,), \
            reader("--name", "replay", cwd=tmp_path) as named:
        got = read(named.ready(), 2)
        assert named.stop() == 0
    assert bodies(subscriber.stdout, "received") == []
    assert got == [(1, missed[0]), (2, missed[1])]


def test_a_named_reader_goes_on_after_ctrl_c_with_nothing_missed_or_twice(tmp_path):
    send("one", "two", "three")
    with reader("--name", "audit", "--offset", "first", cwd=tmp_path) as first:
        read(first, 3)
        # A second reader of that name would print each event again: refused.
        status, _, errors = run("streams", "consumer", "--name", "audit", cwd=tmp_path)
        assert status == 2 and errors[-1] == (
            "consumer.py: error: argument --name: a reader named audit runs in this "
            "folder already (it holds audit.lock): stop it first, or choose another "
            "name"), errors
        assert first.stop() == 0 and first.stderr == []
    assert first.stdout[0] == "Reader audit starts at --offset (kept in audit.offset)"
    assert (tmp_path / "audit.offset").read_text() == "2\n"
    send("four", "five")
    with reader("--name", "audit", "--offset", "first", cwd=tmp_path) as again:
        got = read(again, 2)
        send("six")
        got = read(again, 3)
        assert again.stop() == 0 and again.stderr == []
    assert again.stdout[0] == ("Reader audit starts after offset 2 "
                               "(kept in audit.offset)")
    assert got == [(3, "four"), (4, "five"), (5, "six")]


def test_ctrl_c_in_the_middle_of_a_replay_ends_quietly_and_loses_nothing(tmp_path):
    # Events are still coming when Ctrl+C lands: pika hands back those it
    # had not given the reader (RabbitMQ 3.x refuses that for a stream), and
    # the one being printed is printed and kept, or neither.
    sent = send(*[f"event {i}" for i in range(1000)])
    with reader("--name", "audit", "--offset", "first", cwd=tmp_path) as first:
        first.wait_for(" received$", count=100)
        assert first.stop() == 0 and first.stderr == []
    with reader("--name", "audit", cwd=tmp_path) as again:
        again.wait_for(r"^\[999\] event 999 received$")
        assert again.stop() == 0 and again.stderr == []
    before, after = events(first.stdout), events(again.stdout)
    assert len(before) < 1000 and before + after == list(enumerate(sent))


def test_a_named_reader_killed_reads_at_most_the_event_in_flight_twice(tmp_path):
    sent = send(*[f"event {i}" for i in range(200)])
    with reader("--name", "audit", "--offset", "first", cwd=tmp_path) as first:
        first.wait_for(" received$", count=50)
        first.process.send_signal(signal.SIGKILL)
        assert first.wait() == -signal.SIGKILL
    kept = int((tmp_path / "audit.offset").read_text())
    before = events(first.stdout)
    with reader("--name", "audit", cwd=tmp_path) as again:
        again.wait_for(r"^\[199\] event 199 received$")
        assert again.stop() == 0
    after = events(again.stdout)
    # It goes on after the offset it kept: the last printed, or the one before.
    assert after[0][0] == kept + 1, (kept, after[0])
    assert before[-1][0] - kept in (0, 1), (kept, before[-1])
    read_twice = [each for each in after if each in before]
    assert len(read_twice) <= 1, read_twice
    assert sorted(set(before + after)) == list(enumerate(sent))
    report(f"streams on RabbitMQ {BROKER.version()}: a reader killed by kill -9 "
           f"after {len(before)} events went on at offset {kept + 1}; "
           f"{len(read_twice)} event read twice, none missed")


@pytest.mark.offline
def test_a_bookmark_never_moves_back(tmp_path, monkeypatch):
    # An event read already (before the bookmark) leaves the bookmark where it is.
    monkeypatch.chdir(tmp_path)
    bookmark = load("streams", "offsets")["offsets"].Bookmark("audit")
    for offset in (5, 3):
        bookmark.keep(offset)
    os.close(bookmark.held)
    assert (bookmark.last, (tmp_path / "audit.offset").read_text()) == (5, "5\n")


def test_a_filtered_reader_reads_only_its_events_whatever_the_broker_lets_through():
    send("r1", "r2", filter_value="red")
    send("b1", filter_value="blue")
    send("plain")
    send("r3", filter_value="red")
    with Consumers("streams", ["--offset", "first", "--filter", "red"]) as (each,):
        got = read(each, 3)
    assert got == [(0, "r1"), (1, "r2"), (4, "r3")]
    skipped = events(each.stdout, "skipped")
    if BROKER.major_minor() >= (3, 13):
        # The broker filters by chunk; one event per chunk here, so it
        # sends none of the others.
        assert skipped == []
    else:  # RabbitMQ 3.12 and before ignore x-stream-filter: the reader checks
        assert skipped == [(2, "b1"), (3, "plain")]


@pytest.mark.parametrize("args, message", [
    (["--offset", "nonsense"], "argument --offset: 'nonsense': use first, last, next"),
    (["--offset", "-3"], "argument --offset: -3 is negative"),
    (["--name", "../audit"], "argument --name: '../audit': a name is a word"),
    (["--name", "NUL"], "argument --name: 'NUL': a name is a word"),
])
def test_bad_input_is_one_usage_line(args, message):
    status, out, errors = run("streams", "consumer", *args)
    assert status == 2 and out == []
    assert errors[0].startswith("usage: consumer.py") and len(errors) == 2
    assert errors[1].startswith(f"consumer.py: error: {message}"), errors


def test_a_bookmark_that_holds_no_offset_is_one_usage_line(tmp_path):
    (tmp_path / "audit.offset").write_text("twelve\n")
    status, _, errors = run("streams", "consumer", "--name", "audit", cwd=tmp_path)
    assert status == 2 and errors[-1] == (
        "consumer.py: error: argument --name: audit.offset holds 'twelve', not an "
        "offset: delete it to read from --offset again")


def test_an_offset_past_the_end_reads_from_the_next_event_and_says_so():
    send("a", "b")
    with Consumers("streams", ["--offset", "7"]) as (each,):
        send("c", "d")
        got = read(each, 2)
    assert got == [(2, "c"), (3, "d")]
    assert each.stdout[1] == ("Offset 7 is past the end of streams.events: reading "
                              "from the next event, at offset 2")


@pytest.mark.parametrize("script", ["producer", "consumer"])
def test_a_queue_of_another_type_under_the_streams_name_is_one_line(script):
    with broker_connection() as connection:
        connection.channel().queue_declare(STREAM, durable=True)
    status, out, errors = run("streams", script)
    assert status == 1 and out == [] and len(errors) == 1, errors
    assert errors[0].startswith(f"{script}.py: RabbitMQ refused: PRECONDITION_FAILED "
                                "- inequivalent arg"), errors
    assert "delete it (sudo rabbitmqctl delete_queue streams.events)" in errors[0]


def test_a_stream_is_read_with_a_prefetch_and_acks_or_not_at_all():
    # What queue.py does, and why: the broker refuses a reader without them.
    send("a")
    with broker_connection() as connection:
        channel = connection.channel()
        with pytest.raises(exceptions.ChannelClosedByBroker, match="prefetch"):
            channel.basic_consume(STREAM, print)
            connection.process_data_events(1)


@pytest.mark.parametrize("run_of", ["replay", "filtered", "past_the_end", "other_type"])
def test_the_pages_runs_match_what_the_scripts_print_now(run_of):
    # The page's runs are recorded on 4.3, filtering's also on 3.x: on this
    # broker, the same lines, times and server-made names aside. (The
    # retention run lowers limits for the default virtual host: make
    # transcripts records it; the retention test checks what it shows.)
    files = getattr(streams_runs, run_of)(BROKER, *(
        ["-3.x"] if run_of == "filtered" and BROKER.major_minor() < (3, 13) else []))
    for name, lines in files.items():
        committed = (transcripts.OUT / f"{name}.txt").read_text().splitlines()
        if name == "streams/other-type":  # the broker names its virtual host
            lines = [re.sub(r"in vhost '[^']*'", "in vhost '/'", line)
                     for line in lines]
        assert transcripts.normalize(lines) == transcripts.normalize(committed), name
