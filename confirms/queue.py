"""Queue: the producer and the consumer of publisher confirms share it.

It connects with pika's SelectConnection: no call waits for the broker; pika
calls back when it answers. (Named queue.py after the tutorial: ``import
queue`` beside it finds this file, not the standard library's.)
"""
import pika
from pika import exceptions

import plumbing


class Queue:
    def __init__(self, queue):
        self.queue = queue
        self.error, self.leaving = None, False

    def connect(self, ioloop=None):
        # Returns at once: pika calls opened() once the broker said yes.
        self.connection = pika.SelectConnection(
            plumbing.next_node(), on_open_callback=self.opened,
            on_open_error_callback=self.closed, on_close_callback=self.closed,
            custom_ioloop=ioloop)

    def opened(self, connection):
        connection.channel(on_open_callback=self.declare)

    def declare(self, channel):
        channel.add_on_close_callback(self.channel_closed)
        # A quorum queue keeps messages on disk, replicated on a cluster: the
        # broker confirms a message once a majority of its nodes have it.
        channel.queue_declare(self.queue, durable=True, arguments={
            "x-queue-type": "quorum"}, callback=lambda frame: self.ready(channel))

    def ready(self, channel):
        """Each connection, once the queue is there: subclasses go on."""
        self.channel = channel

    def channel_closed(self, channel, error):
        if isinstance(error, exceptions.ChannelClosedByBroker):  # refused
            self.error = error  # the broker said why: the script says it
            self.connection.close()

    def closed(self, connection, error):
        self.error = self.error or plumbing.unmasked(error)
        connection.ioloop.stop()

    def run(self):
        # pika's I/O loop: it reads, writes and calls back until closed().
        self.connection.ioloop.start()
        if not isinstance(self.error, exceptions.ConnectionClosedByClient):
            raise self.error

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc_info):
        self.leaving = True
        plumbing.close(self.connection, exc_info[0] is KeyboardInterrupt)
