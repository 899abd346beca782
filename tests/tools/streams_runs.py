"""The runs the streams page shows, beyond its tour (transcripts.py writes
them; test_streams.py checks they still print the same).

Each function returns {transcript name: lines}, recorded terminal by
terminal as a reader would see them.
"""
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from harness import Consumers, Script, run, until

STREAM = "streams.events"
# Small limits, so that a few hundred events pass them (test_streams.py).
SMALL = {"max-length-bytes": 20000, "stream-max-segment-size-bytes": 4000}


class Terminals:
    """Lines by terminal label, as echo receives them."""

    def __init__(self):
        self.lines = defaultdict(list)

    def __call__(self, label, line):
        self.lines[label].append(line)


def delete(broker):
    with broker.connection() as connection:
        connection.channel().queue_delete(STREAM)


def first_offset(broker):
    """The offset of the oldest event the stream keeps."""
    with broker.connection() as connection:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=1)
        got = []

        def first(channel, method, properties, body):
            got.append(properties.headers["x-stream-offset"])

        channel.basic_consume(STREAM, first, arguments={"x-stream-offset": "first"})
        until(lambda: got or connection.process_data_events(0.1), 15,
              "the stream's first event")
        channel.basic_cancel(channel.consumer_tags[0])
        channel.basic_ack(multiple=True)
        return got[0]


def cut(lines, head=3, tail=2):
    """A long output's first and last lines, with ... between."""
    return lines if len(lines) <= head + tail + 1 else [
        *lines[:head], "...", *lines[-tail:]]


def replay(broker):
    """A pubsub subscriber and a named stream reader, both stopped while
    events are sent: started again, the first has lost them, the second
    reads them."""
    delete(broker)
    echo = Terminals()
    with tempfile.TemporaryDirectory() as here:
        def reader():
            return Script("streams", "consumer", "--name", "audit", cwd=here,
                          label="reader", echo=echo)

        with Consumers("pubsub", [], echo=echo, name="consumer") as (subscriber,), \
                reader() as audit:
            audit.ready()
            run("pubsub", "producer", label="pubsub producer", echo=echo)
            run("streams", "producer", "order 1", label="streams producer", echo=echo)
            subscriber.wait_for(" received$", count=5)
            audit.wait_for("order 1 received$")
            echo("reader", "^C")
            audit.stop()
        run("pubsub", "producer", label="pubsub producer", echo=echo)
        run("streams", "producer", "order 2", "order 3", label="streams producer",
            echo=echo)
        with Consumers("pubsub", [], echo=echo, name="consumer"), reader() as audit:
            audit.wait_for("order 3 received$")
            echo("reader", "^C")
            audit.stop()
    return {"streams/replay-subscriber": echo.lines["consumer"],
            "streams/replay-reader": echo.lines["reader"],
            "streams/replay-pubsub": echo.lines["pubsub producer"],
            "streams/replay-producer": echo.lines["streams producer"]}


def retention(broker):
    """Limits lowered by a policy, a few hundred events sent: the oldest
    are gone, and --offset first starts at the oldest kept."""
    delete(broker)
    shown = []
    events = [str(i) for i in range(1, 301)]
    broker.shown(shown, "set_policy", "--apply-to", "queues", "streams-small",
                 r"^streams\.events$", json.dumps(SMALL))
    try:
        echo = Terminals()
        run("streams", "producer", *events, label="producer", echo=echo,
            shown="python producer.py $(seq 1 300)", timeout=120)
        until(lambda: first_offset(broker) > 1, 30, "retention removing segments")
        with Consumers("streams", ["--offset", "first"], echo=echo) as (reader,):
            reader.wait_for("^\\[\\d+\\] 300 received$", timeout=60)
        look = broker.shown(None, "-q", "list_queues", "name", "type", "policy")
    finally:
        broker.checked("clear_policy", "streams-small")
        delete(broker)
    listed = [line for line in look.splitlines() if line.startswith(STREAM)]
    return {"streams/retention-policy": shown,
            "streams/retention-producer": cut(echo.lines["producer"]),
            "streams/retention-consumer": cut(echo.lines["consumer"]),
            "streams/retention-look": [
                "$ sudo rabbitmqctl -q list_queues name type policy | grep streams",
                *listed]}


def filtered(broker, name=""):
    """Events with filter values, and a reader that asks for red only."""
    delete(broker)
    echo = Terminals()
    run("streams", "producer", "--filter", "red", "r1", "r2", label="producer",
        echo=echo)
    run("streams", "producer", "--filter", "blue", "b1", label="producer", echo=echo)
    run("streams", "producer", "plain", label="producer", echo=echo)
    run("streams", "producer", "--filter", "red", "r3", label="producer", echo=echo)
    with Consumers("streams", ["--offset", "first", "--filter", "red"],
                   echo=echo) as (reader,):
        reader.wait_for("r3 received$")
    delete(broker)
    files = {f"streams/filter-consumer{name}": echo.lines["consumer"]}
    if not name:
        files["streams/filter-producer"] = echo.lines["producer"]
    return files


def past_the_end(broker):
    delete(broker)
    echo = Terminals()
    run("streams", "producer", "a", "b", label="producer", echo=echo)
    with Consumers("streams", ["--offset", "1000"], echo=echo) as (reader,):
        run("streams", "producer", "c", label="producer", echo=echo)
        reader.wait_for("c received$")
    delete(broker)
    return {"streams/past-the-end": echo.lines["consumer"],
            "streams/past-the-end-producer": echo.lines["producer"]}


def other_type(broker):
    """A classic queue where the stream should be."""
    delete(broker)
    with broker.connection() as connection:
        connection.channel().queue_declare(STREAM, durable=True)
    lines = []
    try:
        run("streams", "consumer", echo=lambda _, line: lines.append(line))
    finally:
        delete(broker)
    return {"streams/other-type": lines}


def page(broker):
    """Every run above, on broker (RabbitMQ 4.3, at the reader's address)."""
    files = {}
    for each in (replay, retention, filtered, past_the_end, other_type):
        files.update(each(broker))
    return files


def write(out, files):
    for name, lines in files.items():
        path = Path(out) / f"{name}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
