"""Loopback servers for path tests: SNI-bound policies, edges, relays, vendor faces."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from wizards.lab.sni import peek_server_name

logger = logging.getLogger(__name__)

IO_TIMEOUT = 5.0
_MAX_HEAD_BYTES = 64 * 1024
_MAX_RELAYED_BYTES = 256 * 1024


@dataclass(frozen=True)
class SeenRequest:
    """What a test server knows about one request it answers."""

    head: bytes
    server_name: str | None
    client_cert_presented: bool


Respond = Callable[[SeenRequest], bytes]
ChooseContext = Callable[[str | None], ssl.SSLContext]


def server_context(
    cert: Path, key: Path, client_ca: Path | None = None, required: bool = False
) -> ssl.SSLContext:
    """A server context; with a client CA it asks for a certificate (or requires it)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    return context


def http_response(
    status: int,
    reason: str,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> bytes:
    """One HTTP/1.1 answer that closes the connection."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def greeting(server_header: str) -> Respond:
    """Answer 200, saying whether a client certificate came."""

    def respond(request: SeenRequest) -> bytes:
        body = f"hello; client certificate: {request.client_cert_presented}\n"
        return http_response(200, "OK", (("Server", server_header),), body.encode())

    return respond


def forwarding_to(origin_port: int, origin_ca: Path, server_header: str) -> Respond:
    """An edge: the request goes on over new TLS to the origin, with no client cert."""

    def respond(request: SeenRequest) -> bytes:
        context = ssl.create_default_context(cafile=str(origin_ca))
        name = request.server_name or "localhost"
        try:
            raw = socket.create_connection(("127.0.0.1", origin_port), IO_TIMEOUT)
            with context.wrap_socket(raw, server_hostname=name) as upstream:
                upstream.sendall(request.head)
                return _read_to_end(upstream)
        except (OSError, ssl.SSLError) as error:
            body = f"the origin refused the edge: {error}\n".encode()
            return http_response(502, "Bad Gateway", (("Server", server_header),), body)

    return respond


def _read_to_end(connection: ssl.SSLSocket) -> bytes:
    answer = b""
    while len(answer) < _MAX_RELAYED_BYTES:
        chunk = connection.recv(16 * 1024)
        if not chunk:
            break
        answer += chunk
    return answer


class LoopbackHttpsServer:
    """HTTPS on 127.0.0.1 port 0, its TLS context chosen by the ClientHello's SNI.

    Python's `sni_callback` can switch the certificate but not whether a certificate
    is asked for, so the server name is peeked before the handshake instead.
    """

    def __init__(self, choose_context: ChooseContext, respond: Respond) -> None:
        self._choose_context = choose_context
        self._respond = respond
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="topology-accept", daemon=True
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackHttpsServer:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stopping.set()
        _shut(self._listener)
        self._acceptor.join(timeout=IO_TIMEOUT)
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                _shut(connection)
        for thread in self._threads:
            thread.join(timeout=IO_TIMEOUT)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(connection)
            thread = threading.Thread(
                target=self._serve, args=(connection,), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        server_name = peek_server_name(connection, IO_TIMEOUT)
        connection.settimeout(IO_TIMEOUT)
        tls = self._choose_context(server_name).wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        try:
            tls.do_handshake()
            head = _read_head(tls)
            if head is None:
                return
            presented = bool(tls.getpeercert(binary_form=True))
            tls.sendall(self._respond(SeenRequest(head, server_name, presented)))
        except OSError as error:
            logger.debug("topology test server connection ended: %s", error)
        finally:
            tls.close()


def _read_head(tls: ssl.SSLSocket) -> bytes | None:
    received = b""
    while b"\r\n\r\n" not in received and len(received) < _MAX_HEAD_BYTES:
        chunk = tls.recv(4096)
        if not chunk:
            return None
        received += chunk
    return received


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._accepted: list[socket.socket] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="topology-silent", daemon=True
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> SilentServer:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _shut(self._listener)
        self._acceptor.join(timeout=IO_TIMEOUT)
        self._listener.close()
        for connection in self._accepted:
            connection.close()

    def _accept_loop(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._accepted.append(connection)


class TcpRelay:
    """Passes TCP connections on 127.0.0.1 through to a port, TLS untouched."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="topology-relay", daemon=True
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> TcpRelay:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _shut(self._listener)
        self._acceptor.join(timeout=IO_TIMEOUT)
        self._listener.close()
        for connection in self._sockets:
            _shut(connection)
        for thread in self._threads:
            thread.join(timeout=IO_TIMEOUT)
        for connection in self._sockets:
            connection.close()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(
                    ("127.0.0.1", self._target_port), IO_TIMEOUT
                )
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                thread = threading.Thread(
                    target=_pipe, args=(source, sink), daemon=True
                )
                self._threads.append(thread)
                thread.start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes one way until either side ends, then end the other side too."""
    with contextlib.suppress(OSError):
        while chunk := source.recv(16 * 1024):
            sink.sendall(chunk)
    _shut(sink)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
