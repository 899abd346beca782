"""Queue: the producer and the consumer of publisher confirms share it.

It connects with pika's SelectConnection: no call waits for the broker; pika
calls back when it answers. (``import queue`` here finds this file, not Python's.)
"""
import pika
from pika import exceptions

import cli
import plumbing


class Queue:
    def __init__(self, queue):
        self.queue, self.connection, self.ioloop = queue, None, plumbing.IOLoop()
        self.error, self.leaving = None, False

    def connect(self):
        # Returns at once. pika tries each node of AMQP_URL in turn, then calls
        # opened() with the first connection one accepts, or why none did.
        pika.SelectConnection.create_connection(cli.parameters(self), self.opened,
                                                self.ioloop)

    @plumbing.called_by_pika
    def opened(self, connection):
        if isinstance(connection, Exception):
            return self.closed(None, plumbing.why(connection))
        self.connection = connection
        connection.add_on_close_callback(self.closed)
        connection.channel(on_open_callback=self.declare)

    @plumbing.called_by_pika
    def declare(self, channel):
        self.channel = channel
        channel.add_on_close_callback(self.channel_closed)
        # A quorum queue keeps messages on disk, replicated on a cluster: the
        # broker confirms a message once a majority of its nodes have it.
        channel.queue_declare(self.queue, durable=True, arguments={
            "x-queue-type": "quorum"}, callback=lambda frame: self.ready())

    def channel_closed(self, channel, error):
        if isinstance(error, exceptions.ChannelClosedByBroker):  # refused
            self.error = error  # the broker said why: the script says it
            self.connection.close()

    def closed(self, connection, error):
        self.error = self.error or error
        self.ioloop.stop()

    def run(self):
        self.ioloop.start()  # pika's: it reads, writes, calls back until closed()
        plumbing.raise_what_ended(self)

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc_info):
        self.leaving = True
        plumbing.close(self, exc_info[0] is KeyboardInterrupt)
