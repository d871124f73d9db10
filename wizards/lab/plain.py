"""Loopback ports without TLS: a plain HTTP server and a port nothing listens on."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

from wizards.lab.responses import NGINX_SERVER
from wizards.lab.server import (
    HANDSHAKE_TIMEOUT,
    LabRequestHandler,
    LoopbackHttpServer,
    drain_then_close,
)

logger = logging.getLogger(__name__)

_BAD_REQUEST_PAGE = f"""\
<html>
<head><title>400 Bad Request</title></head>
<body>
<center><h1>400 Bad Request</h1></center>
<hr><center>{NGINX_SERVER}</center>
</body>
</html>
""".encode()
_BAD_REQUEST = (
    "HTTP/1.1 400 Bad Request\r\n"
    f"Server: {NGINX_SERVER}\r\n"
    "Content-Type: text/html\r\n"
    f"Content-Length: {len(_BAD_REQUEST_PAGE)}\r\n"
    "Connection: close\r\n"
    "\r\n"
).encode() + _BAD_REQUEST_PAGE
_RECEIVE_SIZE = 16384


class PlainHttpServer(LoopbackHttpServer):
    """HTTP without TLS, like an nginx `listen` without `ssl`.

    Like nginx, it answers 400 as soon as the first byte cannot begin a request line,
    which is what a TLS ClientHello gets instead of a ServerHello.
    """

    def finish_request(self, request: Any, client_address: Any) -> None:
        connection: socket.socket = request
        connection.settimeout(HANDSHAKE_TIMEOUT)
        try:
            first_byte = connection.recv(1, socket.MSG_PEEK)
        except OSError as error:
            logger.debug("%s: nothing came: %s", self.label, error)
            return
        if first_byte.isalpha() and first_byte.isupper():
            LabRequestHandler(connection, client_address, self)
            return
        try:
            connection.recv(_RECEIVE_SIZE)
            connection.sendall(_BAD_REQUEST)
        except OSError as error:
            logger.debug("%s: could not refuse: %s", self.label, error)
        drain_then_close(connection)


@dataclass(frozen=True)
class ClosedPort:
    """A loopback port that was free when reserved, and that nothing listens on."""

    port: int

    def stop(self) -> None:
        """Nothing listens, so nothing stops."""


def reserve_closed_port() -> ClosedPort:
    """A port the kernel had free on 127.0.0.1, bound and released at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as reservation:
        reservation.bind(("127.0.0.1", 0))
        port = int(reservation.getsockname()[1])
    logger.info("lab closed port: nothing listens on 127.0.0.1:%d", port)
    return ClosedPort(port)
