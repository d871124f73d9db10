"""A TLS 1.3 server that asks for the client certificate only after the request."""

from __future__ import annotations

import logging
import select
import socket
import ssl
import time
from pathlib import Path

from wizards.lab.server import HANDSHAKE_TIMEOUT, LabTlsServer, server_context

logger = logging.getLogger(__name__)

ANSWER_QUIET_TIME = 0.2
"""How long no more bytes must come before the client's answer counts as complete."""


class PostHandshakeAuthServer(LabTlsServer):
    """Completes the handshake without a CertificateRequest, like Apache with
    `SSLVerifyClient require` inside a `<Location>`, then asks once it has the request.

    Its contexts need `post_handshake_auth` on and a verify mode other than CERT_NONE
    (see `post_handshake_context`); the responder decides what a missing certificate
    gets.
    """

    def before_responding(self, connection: socket.socket) -> None:
        """Send a CertificateRequest and read the client's answer to it."""
        if not isinstance(connection, ssl.SSLSocket):
            return
        try:
            connection.verify_client_post_handshake()
            connection.do_handshake()
        except ssl.SSLError as error:
            logger.debug("%s: cannot ask after the handshake: %s", self.label, error)
            return
        _read_certificate_answer(connection)


def post_handshake_context(cert: Path, key: Path, client_ca: Path) -> ssl.SSLContext:
    """A TLS 1.3 server context that asks for client certificates only when told."""
    context = server_context(cert, key, ssl.CERT_OPTIONAL, client_ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.post_handshake_auth = True
    return context


def _read_certificate_answer(connection: ssl.SSLSocket) -> None:
    """Process the client's Certificate (and CertificateVerify, Finished) records.

    Nothing tells when they are all in: the client sends them together and then waits
    for the response, so the answer is complete once the socket has stayed quiet for
    ANSWER_QUIET_TIME after the first of them.
    """
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT
    wait = HANDSHAKE_TIMEOUT
    connection.setblocking(False)
    try:
        while wait > 0:
            readable, _, _ = select.select([connection], [], [], wait)
            if not readable:
                return
            try:
                connection.recv(1)
            except ssl.SSLWantReadError:
                wait = min(ANSWER_QUIET_TIME, deadline - time.monotonic())
                continue
            logger.debug("the client sent data or closed instead of answering")
            return
    except (ssl.SSLError, OSError) as error:
        logger.debug("the certificate answer failed: %s", error)
    finally:
        connection.settimeout(HANDSHAKE_TIMEOUT)
