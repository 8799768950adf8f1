"""A TCP proxy on 127.0.0.1 that loses answers on their way back, for the retry tests."""

from __future__ import annotations

import contextlib
import socket
import threading


class DroppingProxy:
    """A TCP proxy on 127.0.0.1 in front of the registry that passes every request on but,
    for the first ``drop`` connections, closes without passing the answer back: the write
    happened, the client never heard."""

    def __init__(self, upstream_port: int, drop: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drop = drop
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                dropping = self.connections <= self.drop
            threading.Thread(target=self._serve, args=(conn, dropping), daemon=True).start()

    def _serve(self, conn: socket.socket, dropping: bool) -> None:
        with conn, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            threading.Thread(target=_pipe, args=(conn, upstream), daemon=True).start()
            try:
                while chunk := upstream.recv(65536):
                    if not dropping:
                        conn.sendall(chunk)
            except OSError:
                pass
            # shut down, not only close: the other thread's recv would hold the socket open,
            # and the client would wait for its timeout
            for end in (conn, upstream):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass
