"""What a probe can observe about one hop, as frozen values the diagnosis reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """How one attempt to reach a hop ended (the report's `outcome`)."""

    ACCEPTED = "accepted"
    REJECTED_TLS = "rejected-tls"
    REJECTED_HTTP = "rejected-http"
    UNREACHABLE = "unreachable"
    NOT_TLS = "not-tls"
    TIMEOUT = "timeout"
    ERROR = "error"


class ClientAuth(StrEnum):
    """What a hop does about client certificates (the report's `client_auth`)."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CertificateRequest:
    """A CertificateRequest message the server sent."""

    acceptable_ca_names: tuple[str, ...]
    signature_algorithms: tuple[str, ...] = ()
    after_handshake: bool = False
    certificate_types: tuple[str, ...] = ()  # TLS 1.2 only, e.g. "rsa_sign"
    acceptable_ca_names_der: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class CertificateSummary:
    """The parts of a server or client certificate worth showing."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    sha256_fingerprint: str
    subject_alt_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpResponse:
    """The start of the HTTP answer read on a TLS connection."""

    status: int
    reason: str
    server_header: str | None
    headers: tuple[tuple[str, str], ...]
    body_prefix: str

    def header(self, name: str) -> str | None:
        """The first value of a header, compared without case."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


@dataclass(frozen=True)
class HandshakeAttempt:
    """One TLS connection to a hop, with or without the client certificate."""

    with_client_cert: bool
    outcome: Outcome
    detail: str
    certificate_request: CertificateRequest | None = None
    client_cert_sent: bool = False
    tls_version: str | None = None
    cipher: str | None = None
    alert_received: int | None = None
    server_chain: tuple[CertificateSummary, ...] = ()
    server_verify_error: str | None = None
    http: HttpResponse | None = None
    elapsed_ms: float = 0.0
    alert_sent: int | None = None
    handshake_completed: bool = False

    @property
    def certificate_requested(self) -> bool:
        return self.certificate_request is not None


@dataclass(frozen=True)
class DnsView:
    """What DNS says about a name, apart from the system's own resolution."""

    name: str
    cname_chain: tuple[str, ...] = ()
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    error: str | None = None


DIRECT_LABEL = "direct"
"""The label of the one hop of a path given without hops: the server itself."""


@dataclass(frozen=True)
class Hop:
    """One stop on the path, client side first."""

    label: str
    host: str
    port: int
    vendor: str | None = None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class SniVariant:
    """One more handshake at a hop with another server name (None: no SNI at all)."""

    server_name: str | None
    client_cert_requested: bool | None
    outcome: Outcome
    detail: str = ""
    http_status: int | None = None


@dataclass(frozen=True)
class HopObservation:
    """Everything probed at one hop."""

    hop: Hop
    sni: str | None
    resolved_addresses: tuple[str, ...] = ()
    dns: DnsView | None = None
    connect_error: str | None = None
    connect_outcome: Outcome | None = None
    without_cert: HandshakeAttempt | None = None
    with_cert: HandshakeAttempt | None = None
    detected_vendor: str | None = None
    vendor_evidence: tuple[str, ...] = field(default=())
    sni_variants: tuple[SniVariant, ...] = ()

    @property
    def vendor(self) -> str | None:
        return self.hop.vendor or self.detected_vendor

    @property
    def client_cert_requested(self) -> bool | None:
        attempts = [a for a in (self.without_cert, self.with_cert) if a is not None]
        if not attempts or all(a.outcome in _NO_TLS for a in attempts):
            return None
        return any(a.certificate_requested for a in attempts)

    @property
    def acceptable_ca_names(self) -> tuple[str, ...]:
        for attempt in (self.without_cert, self.with_cert):
            if attempt and attempt.certificate_request:
                return attempt.certificate_request.acceptable_ca_names
        return ()

    @property
    def client_auth(self) -> ClientAuth:
        without = self.without_cert
        if without is None or without.outcome in _NO_TLS:
            return ClientAuth.UNKNOWN
        if without.outcome in (Outcome.REJECTED_TLS, Outcome.REJECTED_HTTP):
            return ClientAuth.REQUIRED
        if self.client_cert_requested:
            return ClientAuth.OPTIONAL
        if without.outcome is Outcome.ACCEPTED:
            return ClientAuth.NONE
        return ClientAuth.UNKNOWN


_NO_TLS = frozenset(
    {Outcome.UNREACHABLE, Outcome.NOT_TLS, Outcome.TIMEOUT, Outcome.ERROR}
)


@dataclass(frozen=True)
class Target:
    """What the person wants to reach."""

    host: str
    port: int = 443
    path: str = "/"
    sni: str | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == 443 else f":{self.port}"
        return f"https://{host}{port}{self.path}"
