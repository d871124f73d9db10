"""The lab's scenarios: what each shows, the servers it starts, what to try."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from enum import StrEnum

from knowledge.errors import InputError
from wizards.lab.pki import ClientFiles, LabPki
from wizards.lab.responses import nginx_requires_certificate
from wizards.lab.topologies import (
    PROTECTED_SERVER_NAME,
    StartServers,
    closed_port,
    edge_before_origin,
    one_server,
    other_ca_advertised,
    plain_http,
    post_handshake_auth,
    sni_bound,
    unknown_server,
)

OTHER_SERVER_NAME = "www.localhost"


class ClientChoice(StrEnum):
    """Which client certificate the scenario's command to try presents."""

    NONE = "none"
    GOOD = "good"
    UNTRUSTED = "untrusted"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    LEAF_ONLY = "leaf-only"

    def files(self, pki: LabPki) -> ClientFiles | None:
        """The certificate and key files of this choice, None for no certificate."""
        return {
            ClientChoice.NONE: None,
            ClientChoice.GOOD: pki.good_client,
            ClientChoice.UNTRUSTED: pki.untrusted_client,
            ClientChoice.EXPIRED: pki.expired_client,
            ClientChoice.NOT_YET_VALID: pki.not_yet_valid_client,
            ClientChoice.LEAF_ONLY: pki.leaf_only_client,
        }[self]


@dataclass(frozen=True)
class Scenario:
    """A reproducible situation: its servers, the command to try, the cause it shows."""

    name: str
    description: str
    cause_ids: tuple[str, ...]
    start_servers: StartServers
    client: ClientChoice
    sni: str | None = None
    gives_client_ca: bool = False
    """Whether the command to try names the CA file the server trusts (--client-ca)."""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "required",
        "requires a client certificate in the TLS handshake; tried without one",
        ("client-cert-not-sent",),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.NONE,
    ),
    Scenario(
        "optional",
        "asks for a client certificate but serves requests without one",
        ("client-auth-optional",),
        one_server(ssl.CERT_OPTIONAL),
        ClientChoice.NONE,
    ),
    Scenario(
        "none",
        "never asks for a client certificate; tried with one",
        ("client-auth-not-requested",),
        one_server(ssl.CERT_NONE),
        ClientChoice.GOOD,
    ),
    Scenario(
        "http-400",
        "completes the handshake, then answers nginx's 400 page without a certificate",
        ("client-cert-not-sent",),
        one_server(ssl.CERT_OPTIONAL, nginx_requires_certificate),
        ClientChoice.NONE,
    ),
    Scenario(
        "healthy",
        "requires a client certificate and the good one works",
        (),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.GOOD,
    ),
    Scenario(
        "untrusted-server",
        "the server's certificate comes from a CA the client does not trust",
        ("server-cert-untrusted",),
        unknown_server,
        ClientChoice.GOOD,
    ),
    Scenario(
        "untrusted-client",
        "requires a client certificate; tried with one from an unknown CA",
        ("client-cert-untrusted",),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.UNTRUSTED,
    ),
    Scenario(
        "expired-client",
        "requires a client certificate; tried with an expired one",
        ("client-cert-expired",),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.EXPIRED,
    ),
    Scenario(
        "not-yet-valid-client",
        "requires a client certificate; tried with one valid only from next month",
        ("client-cert-not-yet-valid",),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.NOT_YET_VALID,
    ),
    Scenario(
        "chain-incomplete",
        "trusts only the client root CA; tried with a certificate from an "
        "intermediate, without the intermediate",
        ("client-chain-incomplete",),
        one_server(ssl.CERT_REQUIRED),
        ClientChoice.LEAF_ONLY,
        gives_client_ca=True,
    ),
    Scenario(
        "post-handshake",
        "asks for the certificate only after reading the request (TLS 1.3, like "
        "Apache's SSLVerifyClient in a <Location>), 403 without one",
        ("post-handshake-auth-required",),
        post_handshake_auth,
        ClientChoice.GOOD,
    ),
    Scenario(
        "plain-http",
        "plain HTTP answers on the port, like nginx listening without ssl",
        ("not-tls",),
        plain_http,
        ClientChoice.GOOD,
    ),
    Scenario(
        "issuer-not-advertised",
        "openssl s_server trusts the client CA but names another CA in its "
        "request; curl still sends the certificate, Java and Go would not",
        ("issuer-not-advertised",),
        other_ca_advertised,
        ClientChoice.GOOD,
    ),
    Scenario(
        "closed-port",
        "nothing listens on the port, so the connection is refused",
        ("hop-unreachable",),
        closed_port,
        ClientChoice.GOOD,
    ),
    Scenario(
        "edge",
        "a Cloudflare-like edge asks for the certificate, ends TLS, and its "
        "Kong-like origin requires one",
        ("tls-terminated-before-origin",),
        edge_before_origin,
        ClientChoice.GOOD,
    ),
    Scenario(
        "sni-bound",
        f"requires a certificate only for {PROTECTED_SERVER_NAME}; tried with SNI "
        f"{OTHER_SERVER_NAME}",
        ("sni-mismatch",),
        sni_bound,
        ClientChoice.GOOD,
        sni=OTHER_SERVER_NAME,
    ),
)


def list_scenarios() -> tuple[Scenario, ...]:
    """Every scenario, in the order the lab lists them."""
    return SCENARIOS


def find_scenario(name: str) -> Scenario:
    """The scenario of that name; InputError naming the known ones otherwise."""
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in SCENARIOS)
    raise InputError("scenario", f"no lab scenario {name!r}; choose one of: {known}")
