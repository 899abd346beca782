#!/usr/bin/env python3
"""Tasks service: each POST to /tasks becomes a task for the workers.

Run "python service.py" and "python consumer.py" in other terminals, then:
curl -d "resize photo" http://localhost:8000/tasks
It keeps one producer, and so one connection, for as long as it runs.
"""
import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pika import exceptions

import cli
from producer import Producer

LARGEST = 1_000_000  # bytes in a task: a line of text, not a file

class Tasks(BaseHTTPRequestHandler):
    producer = None  # one for the whole process, made in main()
    # Requests run on threads of their own, and pika's connection is not
    # thread-safe: one send at a time.
    sending = threading.Lock()
    timeout = 30  # seconds a client may take to send its request

    def do_POST(self):
        if self.path != "/tasks":
            self.send_error(404)
            return
        size = self.headers.get("Content-Length", "")
        if not (size.isascii() and size.isdigit() and int(size) <= LARGEST):
            # Read nothing: a wrong size would have a thread wait for bytes
            # that never come (-1: until the client hangs up).
            self.answer(400, f"Content-Length must say the task's size in "
                        f"bytes, at most {LARGEST}")
            return
        try:
            task = self.rfile.read(int(size)).decode(errors="backslashreplace")
        except OSError:  # not all of it within timeout seconds: drop it
            return
        try:
            with self.sending:
                self.producer.send(task)
        except exceptions.AMQPError as error:
            # The broker is away or refused the task: say so, and the next
            # request tries again (send connects anew).
            self.answer(503, cli.explain(error) or repr(error))
        else:
            self.answer(202, f"{task} sent")

    def answer(self, status, text):
        body = f"{text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # send() prints a line for each task already


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000,
                        help="the port to listen on (default 8000; 0: any free one)")
    port = parser.parse_args().port
    with Producer() as Tasks.producer, \
            ThreadingHTTPServer(("127.0.0.1", port), Tasks) as server:
        # Ctrl+C: leaving, the server waits for the requests under way, each
        # sent and answered; only then does the connection close (a hung one
        # ends at 3 s: cli.interrupted).
        server.daemon_threads = False
        cli.connect_if_needed(Tasks.producer)  # now: a broker away is said at once
        print(f"Taking tasks at http://localhost:{server.server_port}/tasks. "
              "To exit press CTRL+C", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    cli.run(main)
