#!/usr/bin/env python3
"""Workers producer: put fifteen tasks in the workers.tasks queue.

Run it as "python producer.py", or name your own tasks:
python producer.py "resize photo" "send invoice", or send one task per line
of a file: python producer.py --stdin < tasks.txt. Start one or more
"python consumer.py" in other terminals to share the work.
"""
import argparse
import sys
from datetime import datetime

import cli
from queue import Queue


class Producer(Queue):
    def __init__(self):
        super().__init__(queue="workers.tasks")

    def connect(self):
        super().connect()
        # Publisher confirms: basic_publish returns once the task is safe on
        # the broker, so "sent" means it is.
        self.channel.confirm_delivery()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tasks", nargs="*", metavar="TASK",
                        help="tasks to send instead of the fifteen greetings")
    parser.add_argument("--stdin", action="store_true",
                        help="send each line of standard input as a task")
    args = parser.parse_args()
    now = datetime.now()
    tasks = args.tasks or [f"{i} {now} - Worker - Hello World" for i in range(15)]
    if args.stdin:
        tasks = (line.rstrip("\n") for line in sys.stdin)
    with Producer() as producer:
        for task in tasks:
            producer.send(task)


if __name__ == "__main__":
    cli.run(main)
