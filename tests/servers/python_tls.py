"""A threaded Python TLS server on 127.0.0.1 that may ask for client certificates."""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType

from tests.pki import PkiFiles

logger = logging.getLogger(__name__)

_IO_TIMEOUT = 5.0
_MAX_REQUEST_BYTES = 64 * 1024

NGINX_NO_CERTIFICATE_PAGE = (
    b"<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>"
    b"\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
    b"<center>No required SSL certificate was sent</center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

FORBIDDEN_PAGE = (
    b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>"
    b"<p>You don't have permission to access this resource.</p></body></html>\n"
)


class ClientAuthMode(StrEnum):
    """What the server does about client certificates."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"
    POST_HANDSHAKE = "post-handshake"  # TLS 1.3: asks only after the request


class HttpBehaviour(StrEnum):
    """How the server answers a request once the handshake is done."""

    ANSWER = "answer"
    REFUSE_WITHOUT_CERT = "refuse-without-cert"  # nginx-style 400 page
    SILENT = "silent"
    ENDLESS_HEADER = "endless-header"
    ENDLESS_BODY = "endless-body"
    RESET = "reset"  # reset the connection right after the handshake, no alert


@dataclass
class ServedConnections:
    """What the server saw, for tests that check the certificate was on the wire."""

    client_certificates: list[bool] = field(default_factory=list)
    handshake_errors: list[str] = field(default_factory=list)


class PythonTlsServer:
    """A TLS server on loopback, port 0, serving each connection in a thread."""

    def __init__(
        self,
        pki: PkiFiles,
        client_auth: ClientAuthMode,
        tls_version: str = "1.3",
        http: HttpBehaviour = HttpBehaviour.ANSWER,
        host: str = "127.0.0.1",
    ) -> None:
        self.client_auth = client_auth
        self.http = http
        self.served = ServedConnections()
        self._context = _server_context(pki, client_auth, tls_version)
        self._asked_late: set[ssl.SSLSocket] = set()
        self._answered_late: set[ssl.SSLSocket] = set()
        if client_auth is ClientAuthMode.POST_HANDSHAKE:
            self._context._msg_callback = self._watch_client_finished  # type: ignore[attr-defined]
        self._stopping = threading.Event()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, 0), family=family)
        self.port = int(self._listener.getsockname()[1])
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="python-tls-accept", daemon=True
        )

    def start(self) -> PythonTlsServer:
        """Start accepting connections."""
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end every open connection and wait for the threads."""
        self._stopping.set()
        _shut(self._listener)  # wakes the blocked accept() on Linux
        self._acceptor.join(timeout=_IO_TIMEOUT)
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                _shut(connection)
        for thread in self._threads:
            thread.join(timeout=_IO_TIMEOUT)

    def __enter__(self) -> PythonTlsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            connection.settimeout(_IO_TIMEOUT)
            thread = threading.Thread(
                target=self._serve, args=(connection,), name="python-tls-conn"
            )
            thread.daemon = True
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        tls = self._context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        with self._lock:
            self._connections.add(tls)
        try:
            tls.do_handshake()
            if self.http is HttpBehaviour.RESET:
                reset_on_close = struct.pack("ii", 1, 0)
                tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset_on_close)
                return
            if not _read_request(tls):
                return
            if self.client_auth is ClientAuthMode.POST_HANDSHAKE:
                self._ask_after_request(tls)
            presented = bool(tls.getpeercert(binary_form=True))
            self.served.client_certificates.append(presented)
            self._answer(tls, presented)
        except OSError as error:
            self.served.handshake_errors.append(str(error))
            logger.debug("test server connection ended: %s", error)
        finally:
            tls.close()

    def _ask_after_request(self, tls: ssl.SSLSocket) -> None:
        """Send a post-handshake CertificateRequest and read the client's reply."""
        self._asked_late.add(tls)
        tls.verify_client_post_handshake()
        tls.do_handshake()
        tls.settimeout(0.0)
        deadline = time.monotonic() + _IO_TIMEOUT
        while tls not in self._answered_late and time.monotonic() < deadline:
            try:
                tls.recv(1)
            except ssl.SSLWantReadError:
                if tls not in self._answered_late:
                    select.select([tls], [], [], deadline - time.monotonic())
        tls.settimeout(_IO_TIMEOUT)

    def _watch_client_finished(
        self,
        conn: ssl.SSLSocket,
        direction: str,
        version: object,
        content_type: object,
        msg_type: object,
        data: bytes,
    ) -> None:
        finished = direction == "read" and data[:1] == b"\x14"
        if finished and content_type == 22 and conn in self._asked_late:
            self._answered_late.add(conn)

    def _answer(self, tls: ssl.SSLSocket, presented: bool) -> None:
        behaviour = self.http
        if self.client_auth is ClientAuthMode.POST_HANDSHAKE and not presented:
            tls.sendall(_response(403, "Forbidden", "Apache", FORBIDDEN_PAGE))
        elif behaviour is HttpBehaviour.SILENT:
            self._stopping.wait()
        elif behaviour is HttpBehaviour.ENDLESS_HEADER:
            tls.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self._stopping.is_set():
                tls.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        elif behaviour is HttpBehaviour.ENDLESS_BODY:
            tls.sendall(b"HTTP/1.1 200 OK\r\nServer: python-tls-test\r\n\r\n")
            while not self._stopping.is_set():
                tls.sendall(b"b" * 16384)
        elif behaviour is HttpBehaviour.REFUSE_WITHOUT_CERT and not presented:
            tls.sendall(
                _response(400, "Bad Request", "nginx", NGINX_NO_CERTIFICATE_PAGE)
            )
        else:
            body = f"hello; client certificate presented: {presented}\n".encode()
            tls.sendall(_response(200, "OK", "python-tls-test", body))


def _server_context(
    pki: PkiFiles, client_auth: ClientAuthMode, tls_version: str
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    version = ssl.TLSVersion.TLSv1_3 if tls_version == "1.3" else ssl.TLSVersion.TLSv1_2
    context.minimum_version = version
    context.maximum_version = version
    if client_auth is not ClientAuthMode.NONE:
        context.load_verify_locations(pki.client_ca)
        context.verify_mode = (
            ssl.CERT_REQUIRED
            if client_auth is ClientAuthMode.REQUIRED
            else ssl.CERT_OPTIONAL
        )
        context.post_handshake_auth = client_auth is ClientAuthMode.POST_HANDSHAKE
    return context


def _read_request(tls: ssl.SSLSocket) -> bool:
    """Read up to the end of the request head; False when the client went away."""
    received = b""
    while b"\r\n\r\n" not in received and len(received) < _MAX_REQUEST_BYTES:
        chunk = tls.recv(4096)
        if not chunk:
            return False
        received += chunk
    return True


def _response(status: int, reason: str, server: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nServer: {server}\r\n"
        f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
