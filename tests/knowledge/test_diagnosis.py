"""Observations in, causes out: a row per cause id, and healthy paths that give none."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from knowledge.causes import CAUSE_IDS, catalogue
from knowledge.certificate_findings import IdentityFacts, Severity
from knowledge.diagnosis import diagnose
from knowledge.observations import (
    DnsView,
    HopObservation,
    Outcome,
    SniVariant,
    Target,
)
from knowledge.snippets import SnippetContext
from tests.knowledge.observation_rows import (
    CLIENT_CA_NAME,
    EDGE_CERT,
    OTHER_CA_NAME,
    PUBLIC_NAME,
    accepts_the_certificate,
    answer,
    at_hop,
    identity,
    requested,
    requires_a_certificate,
    serves_without_asking,
    with_cert,
    without_cert,
)

TARGET = Target(host=PUBLIC_NAME, port=443, sni=PUBLIC_NAME)
CONTEXT = SnippetContext(
    host=PUBLIC_NAME,
    sni=PUBLIC_NAME,
    client_ca_file="/etc/ssl/client-ca.pem",
    cert_file="/home/me/client.crt",
    key_file="/home/me/client.key",
)
GOOD_IDENTITY = identity()


@dataclass(frozen=True)
class Row:
    """One table row: what was observed and the (cause id, hop) pairs expected."""

    name: str
    observations: tuple[HopObservation, ...]
    identity: IdentityFacts | None
    expected: tuple[tuple[str, str | None], ...]


def _diagnose(row: Row):
    return diagnose(TARGET, row.observations, row.identity, CONTEXT)


NGINX_NO_CERT_PAGE = (
    "<html><head><title>400 No required SSL certificate was sent</title></head>"
    "<body><center><h1>400 Bad Request</h1></center>"
    "<center>No required SSL certificate was sent</center><hr>"
    "<center>nginx/1.22.1</center></body></html>"
)
NGINX_CERT_ERROR_PAGE = (
    "<html><head><title>400 The SSL certificate error</title></head>"
    "<body><center>The SSL certificate error</center></body></html>"
)
KONG_NO_CERT = '{"message":"No required TLS certificate was sent"}'

EDGE_CHAIN = (EDGE_CERT,)

HEALTHY_ROWS = (
    Row(
        "required-tls13-good-certificate",
        (at_hop(requires_a_certificate(), accepts_the_certificate()),),
        GOOD_IDENTITY,
        (),
    ),
    Row(
        "required-tls12-good-certificate",
        (at_hop(requires_a_certificate(tls13=False), accepts_the_certificate()),),
        GOOD_IDENTITY,
        (),
    ),
    Row(
        "passthrough-edge-in-front-of-requiring-origin",
        (
            at_hop(requires_a_certificate(), accepts_the_certificate(), label="edge"),
            at_hop(requires_a_certificate(), accepts_the_certificate()),
        ),
        GOOD_IDENTITY,
        (),
    ),
    Row(
        "never-asks-and-no-certificate-given",
        (at_hop(serves_without_asking(False)),),
        None,
        (),
    ),
)

CAUSE_ROWS = (
    Row(
        "client-cert-not-sent-tls13-no-identity",
        (at_hop(requires_a_certificate()),),
        None,
        (("client-cert-not-sent", "origin"),),
    ),
    Row(
        "client-cert-not-sent-tls12-no-identity",
        (at_hop(requires_a_certificate(tls13=False)),),
        None,
        (("client-cert-not-sent", "origin"),),
    ),
    Row(
        "client-cert-not-sent-nginx-400-page",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 400 Bad Request: "No required SSL certificate was sent"',
                    request=requested(CLIENT_CA_NAME),
                    http=answer(400, NGINX_NO_CERT_PAGE, ("Server", "nginx/1.22.1")),
                )
            ),
        ),
        None,
        (("client-cert-not-sent", "origin"),),
    ),
    Row(
        "client-cert-not-sent-loaded-but-not-sent",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(
                    Outcome.REJECTED_TLS,
                    "the server refused after the handshake with alert 116",
                    request=requested(CLIENT_CA_NAME),
                    sent=False,
                    alert=116,
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-not-sent", "origin"),),
    ),
    Row(
        "client-cert-not-sent-answer-says-none-arrived",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 401: "No required TLS certificate was sent" (kong)',
                    http=answer(401, KONG_NO_CERT),
                ),
                with_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 401: "No required TLS certificate was sent" (kong)',
                    request=requested(),
                    http=answer(401, KONG_NO_CERT),
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-not-sent", "origin"),),
    ),
    Row(
        "client-auth-optional-no-identity",
        (
            at_hop(
                without_cert(
                    Outcome.ACCEPTED,
                    "HTTP 200 OK",
                    request=requested(CLIENT_CA_NAME),
                    http=answer(200, "hello"),
                )
            ),
        ),
        None,
        (("client-auth-optional", "origin"),),
    ),
    Row(
        "client-auth-optional-with-identity",
        (
            at_hop(
                without_cert(
                    Outcome.ACCEPTED,
                    "HTTP 200 OK",
                    request=requested(),
                    http=answer(200, "hello"),
                ),
                accepts_the_certificate(),
            ),
        ),
        GOOD_IDENTITY,
        (("client-auth-optional", "origin"),),
    ),
    Row(
        "client-auth-not-requested-single-hop",
        (at_hop(serves_without_asking(False), serves_without_asking(True)),),
        GOOD_IDENTITY,
        (("client-auth-not-requested", "origin"),),
    ),
    Row(
        "client-auth-not-requested-flags-the-first-hop-only",
        (
            at_hop(
                serves_without_asking(False),
                serves_without_asking(True),
                label="edge",
            ),
            at_hop(serves_without_asking(False), serves_without_asking(True)),
        ),
        GOOD_IDENTITY,
        (("client-auth-not-requested", "edge"),),
    ),
    Row(
        "tls-terminated-before-origin-edge-asks-origin-requires",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 401: "No required TLS certificate was sent" (kong)',
                    request=requested(),
                    http=answer(401, KONG_NO_CERT, ("Server", "cloudflare")),
                    chain=EDGE_CHAIN,
                ),
                with_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 401: "No required TLS certificate was sent" (kong)',
                    request=requested(),
                    http=answer(401, KONG_NO_CERT, ("Server", "cloudflare")),
                    chain=EDGE_CHAIN,
                ),
                label="edge",
                port=9443,
            ),
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 401: "No required TLS certificate was sent" (kong)',
                    request=requested(CLIENT_CA_NAME),
                    http=answer(401, KONG_NO_CERT),
                ),
                accepts_the_certificate(),
            ),
        ),
        GOOD_IDENTITY,
        (("tls-terminated-before-origin", "edge"),),
    ),
    Row(
        "tls-terminated-before-origin-edge-never-asks",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 400 Bad Request: "No required SSL certificate was sent"',
                    http=answer(400, NGINX_NO_CERT_PAGE),
                    chain=EDGE_CHAIN,
                ),
                with_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 400 Bad Request: "No required SSL certificate was sent"',
                    http=answer(400, NGINX_NO_CERT_PAGE),
                    chain=EDGE_CHAIN,
                ),
                label="edge",
            ),
            at_hop(requires_a_certificate(), accepts_the_certificate()),
        ),
        GOOD_IDENTITY,
        (("tls-terminated-before-origin", "edge"),),
    ),
    Row(
        "sni-mismatch-policy-on-the-public-name",
        (
            at_hop(
                serves_without_asking(False),
                serves_without_asking(True),
                sni="internal.example.net",
                variants=(
                    SniVariant(PUBLIC_NAME, True, Outcome.REJECTED_TLS, "alert 116"),
                    SniVariant(None, False, Outcome.ACCEPTED, "HTTP 200 OK"),
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("sni-mismatch", "origin"),),
    ),
    Row(
        "sni-mismatch-no-sni-sent",
        (
            at_hop(
                serves_without_asking(False),
                serves_without_asking(True),
                sni=None,
                variants=(
                    SniVariant(PUBLIC_NAME, True, Outcome.ACCEPTED, "HTTP 200 OK"),
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("sni-mismatch", "origin"),),
    ),
    Row(
        "issuer-not-advertised-and-refused",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_TLS,
                    "alert 116",
                    request=requested(OTHER_CA_NAME),
                    alert=116,
                ),
                with_cert(
                    Outcome.REJECTED_TLS,
                    "the server refused the handshake with alert 48 (unknown_ca)",
                    request=requested(OTHER_CA_NAME),
                    alert=48,
                ),
            ),
        ),
        GOOD_IDENTITY,
        (
            ("issuer-not-advertised", "origin"),
            ("client-cert-untrusted", "origin"),
        ),
    ),
    Row(
        "client-cert-untrusted-alert-48",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(
                    Outcome.REJECTED_TLS,
                    "alert 48 (unknown_ca)",
                    request=requested(),
                    alert=48,
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-untrusted", "origin"),),
    ),
    Row(
        "client-cert-untrusted-nginx-page",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 400: "The SSL certificate error" (nginx)',
                    request=requested(),
                    http=answer(400, NGINX_CERT_ERROR_PAGE),
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-untrusted", "origin"),),
    ),
    Row(
        "client-cert-untrusted-alert-42-without-a-date-finding",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(Outcome.REJECTED_TLS, request=requested(), alert=42),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-untrusted", "origin"),),
    ),
    Row(
        "client-cert-expired-alert-and-file",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(Outcome.REJECTED_TLS, request=requested(), alert=45),
            ),
        ),
        identity(("client-cert-expired", Severity.ERROR, "expired 3 days ago")),
        (("client-cert-expired", "origin"),),
    ),
    Row(
        "client-cert-not-yet-valid-alert-42-and-file",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(Outcome.REJECTED_TLS, request=requested(), alert=42),
            ),
        ),
        identity(("client-cert-not-yet-valid", Severity.ERROR, "valid in 2 days")),
        (("client-cert-not-yet-valid", "origin"),),
    ),
    Row(
        "client-chain-incomplete-alert-48-and-file",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(Outcome.REJECTED_TLS, request=requested(), alert=48),
            ),
        ),
        identity(("client-chain-incomplete", Severity.ERROR, "intermediate missing")),
        (("client-chain-incomplete", "origin"),),
    ),
    Row(
        "client-cert-wrong-purpose-alert-43",
        (
            at_hop(
                requires_a_certificate(),
                with_cert(Outcome.REJECTED_TLS, request=requested(), alert=43),
            ),
        ),
        GOOD_IDENTITY,
        (("client-cert-wrong-purpose", "origin"),),
    ),
    *(
        Row(
            f"{cause_id}-from-the-files",
            (at_hop(requires_a_certificate()),),
            identity((cause_id, Severity.ERROR, f"{cause_id} seen in the files")),
            tuple(
                sorted(
                    (("client-cert-not-sent", "origin"), (cause_id, None)),
                    key=lambda pair: catalogue()[pair[0]].rank,
                )
            ),
        )
        for cause_id in (
            "client-key-mismatch",
            "client-chain-incomplete",
            "client-key-unreadable",
            "pkcs12-legacy-encryption",
        )
    ),
    Row(
        "server-cert-untrusted",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_TLS,
                    "alert 116",
                    request=requested(),
                    alert=116,
                    verify_error="unable to get local issuer certificate",
                ),
                with_cert(
                    Outcome.ACCEPTED,
                    "HTTP 200 OK",
                    request=requested(),
                    http=answer(200),
                    verify_error="unable to get local issuer certificate",
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("server-cert-untrusted", "origin"),),
    ),
    Row(
        "post-handshake-auth-required-apache-location",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    "HTTP 403 Forbidden after a certificate request that came after "
                    "the request",
                    request=requested(CLIENT_CA_NAME, late=True),
                    http=answer(403, "Forbidden", ("Server", "Apache/2.4.62")),
                ),
                with_cert(
                    Outcome.ACCEPTED,
                    "HTTP 200 OK",
                    request=requested(CLIENT_CA_NAME, late=True),
                    http=answer(200),
                ),
            ),
        ),
        GOOD_IDENTITY,
        (("post-handshake-auth-required", "origin"),),
    ),
    Row(
        "post-handshake-auth-required-text-only",
        (
            at_hop(
                without_cert(
                    Outcome.REJECTED_HTTP,
                    'HTTP 403: "Cannot perform Post-Handshake Authentication"',
                    http=answer(403, "Cannot perform Post-Handshake Authentication."),
                ),
            ),
        ),
        None,
        (
            ("post-handshake-auth-required", "origin"),
            ("client-cert-not-sent", "origin"),
        ),
    ),
    Row(
        "hop-unreachable-refused",
        (
            at_hop(
                without_cert(
                    Outcome.UNREACHABLE, "connection refused by 127.0.0.1:8443"
                ),
                connect_error="connection refused by 127.0.0.1:8443",
            ),
        ),
        GOOD_IDENTITY,
        (("hop-unreachable", "origin"),),
    ),
    Row(
        "hop-unreachable-silent-among-four-hops",
        (
            at_hop(requires_a_certificate(), accepts_the_certificate(), label="a"),
            at_hop(requires_a_certificate(), accepts_the_certificate(), label="b"),
            at_hop(
                without_cert(
                    Outcome.TIMEOUT,
                    "the server accepted the connection but sent nothing in 2 s",
                ),
                label="c",
                dns=DnsView(name="c.example", error="no answer"),
            ),
            at_hop(requires_a_certificate(), accepts_the_certificate(), label="d"),
        ),
        GOOD_IDENTITY,
        (("hop-unreachable", "c"),),
    ),
    Row(
        "not-tls-plain-http-port",
        (
            at_hop(
                without_cert(
                    Outcome.NOT_TLS,
                    "something other than TLS answers; it began with 'HTTP/'",
                ),
                port=8000,
            ),
        ),
        GOOD_IDENTITY,
        (("not-tls", "origin"),),
    ),
)


@pytest.mark.parametrize("row", HEALTHY_ROWS, ids=lambda r: r.name)
def test_diagnose_healthy_path_finds_no_cause(row: Row) -> None:
    """A path where mutual TLS works, or nothing is wrong, gives no cause at all."""
    assert _diagnose(row) == ()


@pytest.mark.parametrize("row", CAUSE_ROWS, ids=lambda r: r.name)
def test_diagnose_observation_row_gives_expected_causes(row: Row) -> None:
    """Each row of observations turns into exactly its causes, at its hops, by rank."""
    found = _diagnose(row)
    assert [(c.id, c.hop) for c in found] == list(row.expected)


def test_diagnose_table_covers_every_cause_id() -> None:
    """Every cause id of the contract is produced by at least one table row."""
    produced = {cause_id for row in CAUSE_ROWS for cause_id, _ in row.expected}
    assert produced == set(CAUSE_IDS)


@pytest.mark.parametrize("row", CAUSE_ROWS, ids=lambda r: r.name)
def test_diagnose_found_cause_carries_evidence_steps_and_rank_order(row: Row) -> None:
    """Every cause shows evidence in words, its steps, and comes in rank order."""
    found = _diagnose(row)
    for cause in found:
        assert cause.evidence and all(line.strip() for line in cause.evidence)
        assert cause.steps and cause.title and cause.summary
        assert cause.rank == catalogue()[cause.id].rank
    assert [c.rank for c in found] == sorted(c.rank for c in found)


def test_diagnose_required_hop_evidence_names_request_and_alert() -> None:
    """The evidence of a missing certificate quotes the CertificateRequest and alert."""
    (cause,) = diagnose(TARGET, (at_hop(requires_a_certificate()),), None, CONTEXT)
    text = "\n".join(cause.evidence)
    assert "hop origin (127.0.0.1:8443): the server sent a CertificateRequest" in text
    assert f"with 1 CA name: {CLIENT_CA_NAME}" in text
    assert "alert 116 (certificate_required)" in text
    assert "no client certificate was given" in text


def test_diagnose_file_finding_joins_the_same_cause_at_a_hop() -> None:
    """An expiry seen in the files and as alert 45 at a hop is one cause with both."""
    row = next(r for r in CAUSE_ROWS if r.name == "client-cert-expired-alert-and-file")
    (cause,) = _diagnose(row)
    assert cause.hop == "origin"
    assert any("alert 45 certificate_expired" in line for line in cause.evidence)
    assert any("expired 3 days ago" in line for line in cause.evidence)


def test_diagnose_terminated_edge_evidence_compares_server_certificates() -> None:
    """The terminating edge is shown by its own server certificate and the origin's."""
    row = next(r for r in CAUSE_ROWS if r.name.startswith("tls-terminated-before"))
    (cause,) = _diagnose(row)
    text = "\n".join(cause.evidence)
    assert "edge answers the TLS handshake itself" in text
    assert "asks for the client certificate, then ends TLS there" in text
    assert "it accepts the same certificate" in text


def _edge_with_the_origin_certificate(body: str) -> HopObservation:
    """An edge presenting the origin's own certificate; it asks, and answers 400."""
    return at_hop(
        without_cert(
            Outcome.REJECTED_HTTP,
            "HTTP 400",
            request=requested(),
            http=answer(400, body),
        ),
        with_cert(
            Outcome.REJECTED_HTTP,
            "HTTP 400",
            request=requested(),
            http=answer(400, body),
        ),
        label="edge",
        port=9443,
    )


def test_diagnose_edge_sharing_the_origin_certificate_that_loses_it_is_named() -> None:
    """Same server certificate, but the edge says none arrived: it still ends TLS."""
    observations = (
        _edge_with_the_origin_certificate(NGINX_NO_CERT_PAGE),
        at_hop(requires_a_certificate(), accepts_the_certificate()),
    )
    causes = diagnose(TARGET, observations, GOOD_IDENTITY, CONTEXT)
    cause = next(c for c in causes if c.id == "tls-terminated-before-origin")
    assert cause.hop == "edge"
    assert any("the same server certificate" in line for line in cause.evidence)


def test_diagnose_edge_sharing_the_origin_certificate_otherwise_is_not_named() -> None:
    """Same certificate and a refusal that says nothing of a missing one: not named."""
    observations = (
        _edge_with_the_origin_certificate("<html>400 Bad Request</html>"),
        at_hop(requires_a_certificate(), accepts_the_certificate()),
    )
    causes = diagnose(TARGET, observations, GOOD_IDENTITY, CONTEXT)
    assert "tls-terminated-before-origin" not in [c.id for c in causes]


def test_diagnose_sni_mismatch_evidence_names_the_name_that_works() -> None:
    """The SNI evidence says which name brought a CertificateRequest."""
    row = next(
        r for r in CAUSE_ROWS if r.name == "sni-mismatch-policy-on-the-public-name"
    )
    (cause,) = _diagnose(row)
    text = "\n".join(cause.evidence)
    assert (
        "with 'internal.example.net' (the name sent): no certificate was asked" in text
    )
    assert f"with '{PUBLIC_NAME}': a CertificateRequest came" in text


@pytest.mark.parametrize(
    ("vendor", "label", "detected", "expected"),
    [
        (None, "origin", None, ("nginx", "kong")),
        ("cloudflare", "edge", None, ("cloudflare",)),
        (None, "kong", None, ("kong",)),
        (None, "gateway", "kong", ("kong",)),
        ("f5", "lb", None, ("f5",)),
    ],
)
def test_diagnose_snippets_follow_the_vendor_of_the_hop(
    vendor: str | None, label: str, detected: str | None, expected: tuple[str, ...]
) -> None:
    """The hop's given, labelled or detected vendor picks snippets; else nginx, Kong."""
    observation = at_hop(
        serves_without_asking(False),
        serves_without_asking(True),
        label=label,
        vendor=vendor,
        detected=detected,
    )
    (cause,) = diagnose(TARGET, (observation,), GOOD_IDENTITY, CONTEXT)
    assert tuple(v for v, _ in cause.snippets) == expected


def test_diagnose_snippets_hold_every_vendor_on_the_path() -> None:
    """The terminating Cloudflare edge gets its snippets and the Kong origin's too."""
    row = next(r for r in CAUSE_ROWS if r.name.startswith("tls-terminated-before"))
    edge, origin = row.observations
    observations = (
        at_hop(edge.without_cert, edge.with_cert, label="cloudflare", port=9443),
        at_hop(origin.without_cert, origin.with_cert, vendor="kong"),
    )
    (cause,) = diagnose(TARGET, observations, GOOD_IDENTITY, CONTEXT)
    snippets = dict(cause.snippets)
    assert list(snippets) == ["cloudflare", "kong"]
    assert "cf.tls_client_auth.cert_verified" in snippets["cloudflare"]
    assert "header-cert-auth" in snippets["kong"]


def test_diagnose_snippets_are_filled_with_the_hop_and_files() -> None:
    """Snippets carry the person's names and files, and the hop behind as upstream."""
    observations = (
        at_hop(
            serves_without_asking(False),
            serves_without_asking(True),
            label="edge",
            host="10.0.0.5",
            port=9443,
            vendor="nginx",
        ),
        at_hop(serves_without_asking(False), serves_without_asking(True)),
    )
    (cause,) = diagnose(TARGET, observations, GOOD_IDENTITY, CONTEXT)
    nginx = dict(cause.snippets)["nginx"]
    assert f"server_name {PUBLIC_NAME};" in nginx
    assert "listen 9443 ssl;" in nginx
    assert "ssl_client_certificate /etc/ssl/client-ca.pem;" in nginx
    assert "proxy_pass http://127.0.0.1:8443;" in nginx
    assert any("edge" in step for step in cause.steps)


def test_diagnosis_import_leaves_jinja2_unloaded() -> None:
    """Importing the diagnosis does not import jinja2; only rendering does."""
    script = (
        "import json, sys, knowledge.diagnosis, knowledge.vendors\n"
        "print(json.dumps('jinja2' in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) is False
