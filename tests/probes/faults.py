"""Loopback TCP servers that misbehave in the ways a probe must survive."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from enum import StrEnum
from types import TracebackType

_IO_TIMEOUT = 5.0

PLAIN_HTTP_ANSWER = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
# Fixed bytes that cannot start a TLS record (first byte 0x07, not 20-23).
RANDOM_BYTES = bytes((7 + 31 * i) % 256 for i in range(600))
# A TLS handshake record header promising 512 bytes, followed by only a few.
PARTIAL_SERVER_HELLO = b"\x16\x03\x03\x02\x00" + b"\x02\x00\x01\xfc\x03\x03"


class Fault(StrEnum):
    """What the server does once a client connects."""

    SILENT = "silent"
    PLAIN_HTTP = "plain-http"
    SSH_BANNER = "ssh-banner"
    RANDOM_BYTES = "random-bytes"
    RESET_AFTER_HELLO = "reset-after-hello"
    CLOSE_AFTER_HELLO = "close-after-hello"
    STALL_MID_HANDSHAKE = "stall-mid-handshake"


class FaultServer:
    """A TCP server on 127.0.0.1, port 0, with one fault for every connection."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> FaultServer:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(timeout=_IO_TIMEOUT)
        self._listener.close()
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=_IO_TIMEOUT)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            connection.settimeout(_IO_TIMEOUT)
            self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,))
            thread.daemon = True
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._misbehave(connection)
        except OSError:
            pass
        finally:
            connection.close()

    def _misbehave(self, connection: socket.socket) -> None:
        fault = self.fault
        if fault is Fault.SILENT:
            self._stopping.wait()
            return
        if fault is Fault.SSH_BANNER:
            connection.sendall(SSH_BANNER)
            self._stopping.wait()
            return
        connection.recv(4096)  # the ClientHello
        if fault is Fault.PLAIN_HTTP:
            connection.sendall(PLAIN_HTTP_ANSWER)
        elif fault is Fault.RANDOM_BYTES:
            connection.sendall(RANDOM_BYTES)
            self._stopping.wait()
        elif fault is Fault.RESET_AFTER_HELLO:
            linger_then_reset = struct.pack("ii", 1, 0)
            connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, linger_then_reset
            )
        elif fault is Fault.STALL_MID_HANDSHAKE:
            connection.sendall(PARTIAL_SERVER_HELLO)
            self._stopping.wait()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
