#!/usr/bin/env python3
"""Workers consumer: take tasks from workers.tasks one at a time and do them.

Run several, each with "python consumer.py" in a terminal of its own: the queue
gives each task to one of them. Each task takes --seconds (default 1); a task
named "poison" always fails, to show where such tasks end up.
"""
import argparse
import collections
import functools
import threading
import time

from pika import exceptions

import cli
from queue import Queue

# One task at a time in this process, whichever connection brought it: after a
# reconnect, the next task waits for the one the old connection left running.
WORKING = threading.Lock()


class Consumer(Queue):
    def __init__(self, seconds):
        super().__init__(queue="workers.tasks")
        self.seconds = seconds

    def connect(self):
        super().connect()
        # Where tasks that fail DELIVERY_LIMIT times go: see queue.py.
        self.channel.queue_declare(queue="workers.tasks.failed", durable=True,
                                   arguments={"x-queue-type": "quorum"})
        # Fair dispatch: no new task for this worker until it acks this one.
        self.channel.basic_qos(prefetch_count=1)
        self.start_work_thread()

    def callback(self, channel, method, properties, body):
        task = body.decode(errors="backslashreplace")  # any bytes, readably
        again = " (redelivered)" if method.redelivered else ""
        print(f"{task} received{again}", flush=True)
        self.hand_over(body, task, method.delivery_tag)  # to the work thread

    def work(self, body):
        """The task itself: put yours here. An exception fails the task."""
        text = body.decode()  # a task that is not UTF-8 text fails here
        time.sleep(self.seconds)
        if "poison" in text:
            raise ValueError("poison never works")

    def finish(self, task, tag, done):
        if done:
            self.channel.basic_ack(tag)
            print(f"{task} done", flush=True)
        else:
            # Back in the queue; after DELIVERY_LIMIT tries, dead-lettered.
            # Reject, not nack: since RabbitMQ 4.3 a nack is not counted.
            self.channel.basic_reject(tag, requeue=True)
            print(f"{task} failed", flush=True)

    # The hand-off. The work runs on a thread of its own, so that this one
    # keeps answering the broker's heartbeats however long a task takes.
    def start_work_thread(self):
        # A deque, not queue.Queue: queue.py hides the standard module here.
        # In order, one by one: RabbitMQ 3.10 sent the next task while a
        # poison task it had just dead-lettered still counted for prefetch.
        self.tasks, self.handed = collections.deque(), threading.Condition()
        threading.Thread(target=self.work_thread, daemon=True).start()

    def hand_over(self, body, task, tag):
        with self.handed:
            self.tasks.append((body, task, tag))
            self.handed.notify()

    def work_thread(self):
        while self.connection.is_open:
            with self.handed:
                if not self.handed.wait_for(lambda: self.tasks, timeout=1):
                    continue  # no task yet; stop once the connection is gone
                body, task, tag = self.tasks.popleft()
            with WORKING:
                try:
                    self.work(body)
                    done = True
                except Exception:  # whatever went wrong, the task goes back
                    done = False
            try:
                # pika is not thread-safe: ask the connection's thread to ack.
                self.connection.add_callback_threadsafe(
                    functools.partial(self.finish, task, tag, done))
            except exceptions.AMQPError:  # the connection is gone
                print(f"{task} {'done' if done else 'failed'}, but not acknowledged: "
                      "the connection is gone, so RabbitMQ delivers it again",
                      flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="how long each task takes (default 1)")
    seconds = parser.parse_args().seconds
    if not seconds >= 0:  # nan too
        parser.error(f"argument --seconds: {seconds:g} is not 0 or more")
    cli.serve(functools.partial(Consumer, seconds))


if __name__ == "__main__":
    cli.run(main)
