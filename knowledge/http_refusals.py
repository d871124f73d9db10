"""HTTP answers by which servers refuse a request because of its client certificate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class RefusalReason(StrEnum):
    """What an HTTP-layer refusal says about the client certificate."""

    NO_CERTIFICATE = "no-certificate"
    CERTIFICATE_REFUSED = "certificate-refused"
    POST_HANDSHAKE_AUTH = "post-handshake-auth"


@dataclass(frozen=True)
class CertificateRefusal:
    """A known way a server words a refusal over the client certificate."""

    vendor: str | None
    reason: RefusalReason
    text: str


# Statuses servers use for a request they refuse over its client certificate;
# 495 and 496 are nginx's own codes, which it normally rewrites to 400.
REFUSAL_STATUSES = frozenset({400, 401, 403, 495, 496})

KNOWN_REFUSALS = (
    CertificateRefusal(
        "nginx", RefusalReason.NO_CERTIFICATE, "No required SSL certificate was sent"
    ),
    CertificateRefusal(
        "nginx", RefusalReason.CERTIFICATE_REFUSED, "The SSL certificate error"
    ),
    CertificateRefusal(
        "kong", RefusalReason.NO_CERTIFICATE, "No required TLS certificate was sent"
    ),
    CertificateRefusal(
        "kong", RefusalReason.CERTIFICATE_REFUSED, "TLS certificate failed verification"
    ),
    CertificateRefusal(
        "apache",
        RefusalReason.POST_HANDSHAKE_AUTH,
        "Cannot perform Post-Handshake Authentication",
    ),
    CertificateRefusal(
        "apache", RefusalReason.POST_HANDSHAKE_AUTH, "Re-negotiation handshake failed"
    ),
)

_STATUS_REFUSALS = {
    495: CertificateRefusal(None, RefusalReason.CERTIFICATE_REFUSED, "HTTP 495"),
    496: CertificateRefusal(None, RefusalReason.NO_CERTIFICATE, "HTTP 496"),
}


def find_certificate_refusal(
    status: int, body: str, headers: Iterable[tuple[str, str]] = ()
) -> CertificateRefusal | None:
    """The known certificate refusal an HTTP answer carries, if it carries one."""
    if status not in REFUSAL_STATUSES:
        return None
    if status in _STATUS_REFUSALS:
        return _STATUS_REFUSALS[status]
    haystack = " ".join([body, *(value for _, value in headers)]).lower()
    return next((r for r in KNOWN_REFUSALS if r.text.lower() in haystack), None)


def is_refusal_status(status: int) -> bool:
    """Whether a status is one servers use to refuse over a client certificate."""
    return status in REFUSAL_STATUSES
