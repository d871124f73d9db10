"""Small builders of observations for the knowledge tables."""

from __future__ import annotations

from knowledge.certificate_findings import CredentialFinding, IdentityFacts, Severity
from knowledge.observations import (
    CertificateRequest,
    CertificateSummary,
    DnsView,
    HandshakeAttempt,
    Hop,
    HopObservation,
    HttpResponse,
    Outcome,
    SniVariant,
)

PUBLIC_NAME = "api.example.com"
CLIENT_CA_NAME = "CN=Example Client CA,O=Example"
OTHER_CA_NAME = "CN=Other Client CA,O=Other"

ORIGIN_CERT = CertificateSummary(
    subject=f"CN={PUBLIC_NAME}",
    issuer="CN=Example Server CA",
    not_before="2026-01-01T00:00:00Z",
    not_after="2027-01-01T00:00:00Z",
    sha256_fingerprint="a1" * 32,
)
EDGE_CERT = CertificateSummary(
    subject=f"CN={PUBLIC_NAME}",
    issuer="CN=Edge Certificate Authority",
    not_before="2026-01-01T00:00:00Z",
    not_after="2027-01-01T00:00:00Z",
    sha256_fingerprint="b2" * 32,
)


def requested(*names: str, late: bool = False) -> CertificateRequest:
    """A CertificateRequest naming these CAs."""
    return CertificateRequest(acceptable_ca_names=names, after_handshake=late)


def answer(status: int, body: str = "", *headers: tuple[str, str]) -> HttpResponse:
    """An HTTP answer as the probe records it."""
    server = next((v for k, v in headers if k.lower() == "server"), None)
    return HttpResponse(status, "", server, headers, body)


def without_cert(
    outcome: Outcome,
    detail: str = "",
    *,
    request: CertificateRequest | None = None,
    alert: int | None = None,
    http: HttpResponse | None = None,
    chain: tuple[CertificateSummary, ...] = (ORIGIN_CERT,),
    verify_error: str | None = None,
) -> HandshakeAttempt:
    """The attempt without a client certificate."""
    return HandshakeAttempt(
        with_client_cert=False,
        outcome=outcome,
        detail=detail or outcome.value,
        certificate_request=request,
        alert_received=alert,
        server_chain=chain,
        server_verify_error=verify_error,
        http=http,
        handshake_completed=outcome in (Outcome.ACCEPTED, Outcome.REJECTED_HTTP),
    )


def with_cert(
    outcome: Outcome,
    detail: str = "",
    *,
    request: CertificateRequest | None = None,
    sent: bool | None = None,
    alert: int | None = None,
    http: HttpResponse | None = None,
    chain: tuple[CertificateSummary, ...] = (ORIGIN_CERT,),
    verify_error: str | None = None,
) -> HandshakeAttempt:
    """The attempt with the client certificate loaded; sent when one was asked for."""
    return HandshakeAttempt(
        with_client_cert=True,
        outcome=outcome,
        detail=detail or outcome.value,
        certificate_request=request,
        client_cert_sent=request is not None if sent is None else sent,
        alert_received=alert,
        server_chain=chain,
        server_verify_error=verify_error,
        http=http,
        handshake_completed=outcome in (Outcome.ACCEPTED, Outcome.REJECTED_HTTP),
    )


def at_hop(
    without: HandshakeAttempt | None,
    with_: HandshakeAttempt | None = None,
    *,
    label: str = "origin",
    host: str = "127.0.0.1",
    port: int = 8443,
    vendor: str | None = None,
    detected: str | None = None,
    sni: str | None = PUBLIC_NAME,
    connect_error: str | None = None,
    variants: tuple[SniVariant, ...] = (),
    dns: DnsView | None = None,
) -> HopObservation:
    """Everything probed at one hop."""
    return HopObservation(
        hop=Hop(label, host, port, vendor),
        sni=sni,
        connect_error=connect_error,
        connect_outcome=Outcome.UNREACHABLE if connect_error else None,
        without_cert=without,
        with_cert=with_,
        detected_vendor=detected,
        sni_variants=variants,
        dns=dns,
    )


def identity(
    *findings: tuple[str, Severity, str], issuer: str = CLIENT_CA_NAME
) -> IdentityFacts:
    """A client identity with these (id, severity, message) findings."""
    return IdentityFacts(
        subject="CN=client",
        issuer=issuer,
        sha256_fingerprint="c3" * 32,
        cert_file="client.crt",
        key_file="client.key",
        cert_format="pem",
        findings=tuple(
            CredentialFinding(cause_id, severity, message, "client.crt")
            for cause_id, severity, message in findings
        ),
    )


def requires_a_certificate(tls13: bool = True) -> HandshakeAttempt:
    """A server with ssl_verify_client on / -Verify 1, seen without a certificate."""
    if tls13:
        return without_cert(
            Outcome.REJECTED_TLS,
            "the server refused after the handshake with alert 116 "
            "(certificate_required)",
            request=requested(CLIENT_CA_NAME),
            alert=116,
        )
    return without_cert(
        Outcome.REJECTED_TLS,
        "the server refused the handshake with alert 40 (handshake_failure)",
        request=requested(CLIENT_CA_NAME),
        alert=40,
    )


def accepts_the_certificate(
    chain: tuple[CertificateSummary, ...] = (ORIGIN_CERT,),
) -> HandshakeAttempt:
    """The certificate was asked for, sent and the request served."""
    return with_cert(
        Outcome.ACCEPTED,
        "HTTP 200 OK",
        request=requested(CLIENT_CA_NAME),
        http=answer(200, "hello"),
        chain=chain,
    )


def serves_without_asking(with_client_cert: bool) -> HandshakeAttempt:
    """No CertificateRequest, and HTTP 200."""
    build = with_cert if with_client_cert else without_cert
    return build(Outcome.ACCEPTED, "HTTP 200 OK", http=answer(200, "hello"))
