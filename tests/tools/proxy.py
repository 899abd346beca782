"""A TCP proxy on loopback between a script and the broker, that a test can
make go silent: the script's connection stays open, but nothing the broker
says reaches it any more, as on a network that drops packets. Or paused: what
the broker says is held back until resume()."""
import contextlib
import socket
import threading


class Proxy:
    def __init__(self, host, port, wrap=None, listen=0):
        self.upstream = (host, port)
        self.wrap = wrap  # a function that wraps each accepted socket (TLS)
        self.silent = threading.Event()
        self.spoke = threading.Event()  # the script sent data while silent or paused
        self.flowing = threading.Event()
        self.flowing.set()
        self.sockets = []
        self.listener = socket.create_server(("127.0.0.1", listen))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self):
        """From now on, drop what the broker sends."""
        self.silent.set()

    def pause(self):
        """From now on, hold back what the broker sends, until resume()."""
        self.spoke.clear()
        self.flowing.clear()

    def resume(self):
        self.flowing.set()

    def release(self):
        """From now on, let what the broker sends through again (to new
        connections: what was dropped is gone)."""
        self.silent.clear()

    def cut(self):
        """Drop every connection open now, as a network that fails does;
        new ones are taken as before."""
        sockets, self.sockets = self.sockets, []
        for each in sockets:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            if self.wrap:
                client = self.wrap(client)
            broker = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        for each in (client, broker):  # as the two ends do: no Nagle delay
            each.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sockets += [client, broker]
        threading.Thread(target=self._pump, args=(broker, client, True),
                         daemon=True).start()
        self._pump(client, broker, False)

    def _pump(self, source, sink, from_broker):
        with contextlib.suppress(OSError):  # either end may go
            while data := source.recv(65536):
                if from_broker:
                    self.flowing.wait()
                elif not self.flowing.is_set():
                    self.spoke.set()
                if not self.silent.is_set():
                    sink.sendall(data)
                elif not from_broker:
                    self.spoke.set()
        if self.silent.is_set():
            return  # a network gone silent carries no goodbye either
        # One end went: end the other too. shutdown, not close: close would
        # leave the pump of the other direction blocked on its socket.
        for each in (source, sink):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)

    def close(self):
        """Stop, and drop every connection: the broker sees them go."""
        self.flowing.set()
        # shutdown first: it wakes the accept() that would hold the port.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for each in self.sockets:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()


class NotAMQP:
    """Two ports where something answers, but not in AMQP: one takes each
    connection and never says a word (a broker that hangs), one answers as a
    web server does (the management UI's port, given by mistake)."""

    def __init__(self, silent=0, web=0):
        self.listeners = [socket.create_server(("127.0.0.1", port))
                          for port in (silent, web)]
        self.silent, self.web = (each.getsockname()[1] for each in self.listeners)
        self.held = []
        for listener, answer in zip(self.listeners, (False, True)):
            threading.Thread(target=self._take, args=(listener, answer),
                             daemon=True).start()

    def _take(self, listener, answer):
        with contextlib.suppress(OSError):  # closed: done
            while True:
                client, _ = listener.accept()
                self.held.append(client)  # closing it would end the handshake
                if answer:
                    client.recv(64)
                    client.sendall(b"HTTP/1.1 400 Bad Request\r\n"
                                   b"Content-Length: 0\r\n\r\n")
                    client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for each in (*self.listeners, *self.held):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()
