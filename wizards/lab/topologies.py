"""The servers each lab scenario starts: single hops of each kind, edge and origin."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from knowledge.observations import DIRECT_LABEL
from wizards.lab.openssl_server import OpenSslServer
from wizards.lab.pki import LabPki
from wizards.lab.plain import PlainHttpServer, reserve_closed_port
from wizards.lab.post_handshake import PostHandshakeAuthServer, post_handshake_context
from wizards.lab.responses import (
    NGINX_SERVER,
    apache_requires_certificate,
    edge_forwarding_to,
    greeting,
    kong_requires_certificate,
)
from wizards.lab.server import ContextChooser, LabTlsServer, Responder, server_context

LAB_SERVER_HEADER = "mtls-doctor-lab"
PROTECTED_SERVER_NAME = "localhost"


class LabListener(Protocol):
    """What a lab hop has on its port: a server, or nothing listening."""

    @property
    def port(self) -> int: ...

    def stop(self) -> None:
        """Stop serving, if anything serves."""


@dataclass(frozen=True)
class LabHop:
    """One started lab server (or closed port) and the hop it plays."""

    label: str
    vendor: str | None
    server: LabListener


StartServers = Callable[[LabPki], tuple[LabHop, ...]]


def _context(pki: LabPki, mode: ssl.VerifyMode) -> ssl.SSLContext:
    client_ca = pki.client_ca if mode is not ssl.CERT_NONE else None
    return server_context(pki.server_cert, pki.server_key, mode, client_ca)


def _single_hop(choose: ContextChooser, respond: Responder) -> tuple[LabHop, ...]:
    return _only_hop(LabTlsServer(DIRECT_LABEL, choose, respond).start())


def _only_hop(listener: LabListener, vendor: str | None = None) -> tuple[LabHop, ...]:
    return (LabHop(DIRECT_LABEL, vendor, listener),)


def one_server(mode: ssl.VerifyMode, respond: Responder | None = None) -> StartServers:
    """One server asking for client certificates in that mode (CERT_NONE: never)."""

    def start(pki: LabPki) -> tuple[LabHop, ...]:
        context = _context(pki, mode)
        return _single_hop(
            lambda _name: context, respond or greeting(LAB_SERVER_HEADER)
        )

    return start


def plain_http(pki: LabPki) -> tuple[LabHop, ...]:
    """nginx listening without `ssl`: plain HTTP where TLS is expected."""
    server = PlainHttpServer(DIRECT_LABEL, greeting(NGINX_SERVER))
    return _only_hop(server.start(), "nginx")


def other_ca_advertised(pki: LabPki) -> tuple[LabHop, ...]:
    """A server that trusts the client CA but names only another CA in its request:
    OpenSSL clients send their certificate anyway, Java, Go and browsers send none."""
    server = OpenSslServer(
        pki.server_cert, pki.server_key, pki.stranger_ca, trusted_ca=pki.client_ca
    )
    return _only_hop(server.start())


def closed_port(pki: LabPki) -> tuple[LabHop, ...]:
    """No server: a port nothing listens on, so connections are refused."""
    return _only_hop(reserve_closed_port())


def post_handshake_auth(pki: LabPki) -> tuple[LabHop, ...]:
    """Apache-like: the certificate is asked for after the request, over TLS 1.3."""
    context = post_handshake_context(pki.server_cert, pki.server_key, pki.client_ca)
    server = PostHandshakeAuthServer(
        DIRECT_LABEL, lambda _name: context, apache_requires_certificate
    )
    return _only_hop(server.start(), "apache")


def unknown_server(pki: LabPki) -> tuple[LabHop, ...]:
    """A server requiring a client certificate, its own certificate from a stranger."""
    context = server_context(
        pki.unknown_server_cert,
        pki.unknown_server_key,
        ssl.CERT_REQUIRED,
        pki.client_ca,
    )
    return _single_hop(lambda _name: context, greeting(LAB_SERVER_HEADER))


def sni_bound(pki: LabPki) -> tuple[LabHop, ...]:
    """A server requiring a certificate only when the ClientHello names localhost."""
    enforcing = _context(pki, ssl.CERT_REQUIRED)
    open_door = _context(pki, ssl.CERT_NONE)

    def choose(server_name: str | None) -> ssl.SSLContext:
        return enforcing if server_name == PROTECTED_SERVER_NAME else open_door

    return _single_hop(choose, greeting(LAB_SERVER_HEADER))


def edge_before_origin(pki: LabPki) -> tuple[LabHop, ...]:
    """A Cloudflare-like edge with its own certificate, then a Kong-like origin."""
    origin_context = _context(pki, ssl.CERT_OPTIONAL)
    edge_context = server_context(
        pki.edge_server_cert, pki.edge_server_key, ssl.CERT_OPTIONAL, pki.client_ca
    )
    origin = LabTlsServer(
        "origin", lambda _name: origin_context, kong_requires_certificate
    ).start()
    try:
        edge = LabTlsServer(
            "edge", lambda _name: edge_context, edge_forwarding_to(origin.port, pki.ca)
        )
    except OSError:
        origin.stop()
        raise
    return (
        LabHop("edge", "cloudflare", edge.start()),
        LabHop("origin", "kong", origin),
    )
