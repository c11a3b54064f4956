"""A TCP proxy that breaks its first connection after some bytes.

Put between a client and persona-server, it forwards both directions and,
on the first connection only, closes both sockets once `cut_after` bytes
have gone from the server to the client: the client sees its stream break in
the middle (gRPC UNAVAILABLE), the way a restarted server or a dropped
network would do it, at a point that depends on bytes, not on timing. Later
connections are forwarded whole.

Thread-safe: each connection has two pump threads; counters are locked.
"""

import socket
import threading


class BreakingProxy:
    """Listens on 127.0.0.1:<free port>; forwards to `upstream` (host, port)."""

    def __init__(self, upstream, cut_after):
        self.upstream = upstream
        self.cut_after = cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = 0
        self.cuts = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def close(self):
        self.closed = True
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                limit = self.cut_after if self.connections == 1 else None
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, limit), daemon=True).start()

    def _pump(self, src, dst, limit):
        sent = 0
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[:limit - sent])
                    with self.lock:
                        self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
