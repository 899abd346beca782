"""make bench's streams rows: a replay against a classic queue, and the
reader's memory (bench.py runs them on each broker).

A replay reads a stream from its first event through the folder's Consumer,
with its prefetch and its acks; the classic queue is consumed by bare pika
with the same prefetch and acks, filled again before each run.
"""
import re
import time
from pathlib import Path

import bench
from bench import connection, load, quietly, rate, row
from harness import Script

EVENTS = 5000  # in the stream replayed, and in the queue consumed
BIG = 50_000  # replayed by the script whose memory is measured
STREAM, QUEUE = "bench.streams.events", "bench.streams.classic"
OFFSET = Path("bench-reader.offset")  # in the current folder, as for a reader
BODY = b"0 2026-01-01 12:00:00.000000 - Streams - Hello World"


def fill(queue, n, arguments=None):
    """n events, published without confirms; the broker has read them all
    once it answers the call after them (bench.per_second does the same)."""
    with connection() as each:
        channel = each.channel()
        channel.queue_declare(queue, durable=True, arguments=arguments)
        for _ in range(n):
            channel.basic_publish("", queue, BODY)
        channel.basic_qos()


def replay(modules, bookmark):
    """Events/s read by the folder's Consumer from the first event."""
    class Counted(modules["consumer"].Consumer):
        def callback(self, channel, method, properties, body):
            super().callback(channel, method, properties, body)
            self.count += 1
            if self.count == EVENTS:
                channel.stop_consuming()

    def run():
        consumer = Counted("first", bookmark(), None)
        consumer.queue, consumer.count = STREAM, 0
        with consumer:
            start = time.perf_counter()
            quietly(consumer.receive)
            return EVENTS / (time.perf_counter() - start)
    return run


def classic():
    """Events/s consumed by bare pika from a classic queue holding EVENTS."""
    fill(QUEUE, EVENTS)
    with connection() as each:
        channel = each.channel()
        channel.basic_qos(prefetch_count=100)
        count = 0

        def callback(channel, method, properties, body):
            nonlocal count
            channel.basic_ack(method.delivery_tag)
            count += 1
            if count == EVENTS:
                channel.stop_consuming()

        channel.basic_consume(QUEUE, callback)
        start = time.perf_counter()
        channel.start_consuming()
        return EVENTS / (time.perf_counter() - start)


def fresh(Bookmark):
    """A named reader's bookmark, without the offset an earlier run kept."""
    OFFSET.unlink(missing_ok=True)
    return Bookmark(OFFSET.stem)


def peak_memory(arguments):
    """Megabytes the reader script held at most, replaying BIG events."""
    with connection() as each:
        each.channel().queue_delete("streams.events")
    try:
        fill("streams.events", BIG, arguments)
        with Script("streams", "consumer", "--offset", "first",
                    extra_env={"AMQP_URL": bench.URL_TEXT}) as reader:
            reader.wait_until(lambda: len(reader.stdout) > BIG, 300,
                              f"{BIG} events read")
            with open(f"/proc/{reader.process.pid}/status") as status:
                kilobytes = int(re.search(r"VmHWM:\s+(\d+)", status.read())[1])
        return kilobytes / 1024
    finally:
        with connection() as each:
            each.channel().queue_delete("streams.events")


def bench_streams(version):
    modules = load("streams", "offsets", "consumer")
    Bookmark = modules["offsets"].Bookmark
    with connection() as each:
        channel = each.channel()
        channel.queue_delete(STREAM)
        channel.queue_delete(QUEUE)
    fill(STREAM, EVENTS, modules["queue"].STREAM)
    try:
        row(version, "streams: replay from the first event, events/s",
            "stream (Consumer)", replay(modules, Bookmark),
            "classic queue (bare pika)", classic,
            figure=("streams-replay", "replayed from the first event, events/s"))
        rate(version, ("streams-named", "replayed by a named reader (a file "
                       "written per event), events/s"),
             replay(modules, lambda: fresh(Bookmark)))
        bench.FIGURES.setdefault(version, {})[
            ("streams-memory", f"peak memory of consumer.py replaying {BIG:,} "
             "events, MB")] = peak_memory(modules["queue"].STREAM)
    finally:
        OFFSET.unlink(missing_ok=True)
        with connection() as each:
            channel = each.channel()
            channel.queue_delete(STREAM)
            channel.queue_delete(QUEUE)
