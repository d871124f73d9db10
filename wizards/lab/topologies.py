"""The servers each lab scenario starts: one hop, SNI-bound, an edge and an origin."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass

from wizards.lab.pki import LabPki
from wizards.lab.responses import (
    edge_forwarding_to,
    greeting,
    kong_requires_certificate,
)
from wizards.lab.server import ContextChooser, LabTlsServer, Responder, server_context

LAB_SERVER_HEADER = "mtls-doctor-lab"
PROTECTED_SERVER_NAME = "localhost"
SINGLE_HOP_LABEL = "direct"


@dataclass(frozen=True)
class LabHop:
    """One started lab server and the hop it plays."""

    label: str
    vendor: str | None
    server: LabTlsServer


StartServers = Callable[[LabPki], tuple[LabHop, ...]]


def _context(pki: LabPki, mode: ssl.VerifyMode) -> ssl.SSLContext:
    client_ca = pki.client_ca if mode is not ssl.CERT_NONE else None
    return server_context(pki.server_cert, pki.server_key, mode, client_ca)


def _single_hop(choose: ContextChooser, respond: Responder) -> tuple[LabHop, ...]:
    server = LabTlsServer(SINGLE_HOP_LABEL, choose, respond)
    return (LabHop(SINGLE_HOP_LABEL, None, server.start()),)


def one_server(mode: ssl.VerifyMode, respond: Responder | None = None) -> StartServers:
    """One server asking for client certificates in that mode (CERT_NONE: never)."""

    def start(pki: LabPki) -> tuple[LabHop, ...]:
        context = _context(pki, mode)
        return _single_hop(
            lambda _name: context, respond or greeting(LAB_SERVER_HEADER)
        )

    return start


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
