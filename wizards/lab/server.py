"""Small HTTP(S) servers on 127.0.0.1 in a thread, answering with a given function."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from wizards.lab.sni import peek_server_name

logger = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 5.0
DRAIN_TIME = 0.5


@dataclass(frozen=True)
class LabRequest:
    """What a lab server knows about one request."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    server_name: str | None
    client_cert_presented: bool


@dataclass(frozen=True)
class LabResponse:
    """The answer a lab server sends."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


Responder = Callable[[LabRequest], LabResponse]
ContextChooser = Callable[[str | None], ssl.SSLContext]


class LabRequestHandler(BaseHTTPRequestHandler):
    """Reads one request and sends what the server's responder answers."""

    server: LoopbackHttpServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        connection = self.connection
        self.server.before_responding(connection)
        presented = isinstance(connection, ssl.SSLSocket) and bool(
            connection.getpeercert(binary_form=True)
        )
        request = LabRequest(
            method=self.command,
            path=self.path,
            headers=tuple(self.headers.items()),
            server_name=self.server.server_name_of_this_thread(),
            client_cert_presented=presented,
        )
        response = self.server.respond(request)
        self.send_response(response.status, response.reason)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.close_connection = True

    do_HEAD = do_GET
    do_POST = do_GET

    def version_string(self) -> str:
        return ""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "server" and not value:
            return
        super().send_header(keyword, value)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s: " + format, self.server.label, *args)


class LoopbackHttpServer(ThreadingHTTPServer):
    """HTTP on 127.0.0.1:0 in a daemon thread, answering with a responder."""

    daemon_threads = True

    def __init__(self, label: str, respond: Responder):
        self.label = label
        self.respond = respond
        self._thread: threading.Thread | None = None
        self._per_thread = threading.local()
        super().__init__(("127.0.0.1", 0), LabRequestHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"lab-{self.label}",
            daemon=True,
        )
        self._thread.start()
        logger.info("lab server %s listening on 127.0.0.1:%d", self.label, self.port)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def server_name_of_this_thread(self) -> str | None:
        """The SNI of the connection this request thread is serving."""
        return getattr(self._per_thread, "server_name", None)

    def before_responding(self, connection: socket.socket) -> None:
        """What the server does between reading a request and answering it: nothing."""

    def shutdown_request(self, request: Any) -> None:
        with contextlib.suppress(OSError):
            request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("%s: error serving %s", self.label, client_address, exc_info=True)


class LabTlsServer(LoopbackHttpServer):
    """HTTPS on 127.0.0.1:0; the TLS context may depend on the ClientHello's SNI."""

    def __init__(self, label: str, choose_context: ContextChooser, respond: Responder):
        self.choose_context = choose_context
        super().__init__(label, respond)

    def finish_request(self, request: Any, client_address: Any) -> None:
        connection: socket.socket = request
        server_name = peek_server_name(connection, HANDSHAKE_TIMEOUT)
        connection.settimeout(HANDSHAKE_TIMEOUT)
        tls = self.choose_context(server_name).wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError) as error:
            logger.debug("%s: handshake refused: %s", self.label, error)
            drain_then_close(tls)
            return
        self._per_thread.server_name = server_name
        try:
            LabRequestHandler(tls, client_address, self)
        except (ssl.SSLError, OSError) as error:
            logger.debug("%s: connection ended: %s", self.label, error)
        finally:
            tls.close()


def drain_then_close(connection: socket.socket) -> None:
    """Read what the client still sends before closing, so it gets the last answer.

    Closing with unread bytes makes the kernel send a reset, and a client that wrote
    its request right after a TLS 1.3 handshake then loses the alert (a ClientHello
    sent to plain HTTP loses the 400 the same way).
    """
    deadline = time.monotonic() + DRAIN_TIME
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_WR)
        while (remaining := deadline - time.monotonic()) > 0:
            connection.settimeout(remaining)
            if not socket.socket.recv(connection, 4096):
                break
    connection.close()


def server_context(
    cert: Path, key: Path, verify_mode: ssl.VerifyMode, client_ca: Path | None
) -> ssl.SSLContext:
    """A server TLS context with the given certificate and client-certificate mode."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.verify_mode = verify_mode
    if client_ca is not None:
        context.load_verify_locations(client_ca)
    return context
