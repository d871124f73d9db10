"""Reading TLS messages, CA names and HTTP refusals from bytes, without a network."""

from __future__ import annotations

import struct

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from knowledge.http_refusals import RefusalReason, find_certificate_refusal
from knowledge.observations import CertificateSummary
from wizards.probe.messages import (
    HandshakeRecorder,
    parse_certificate_list,
    parse_certificate_request,
)
from wizards.probe.summaries import certificate_matches_name, name_to_rfc4514


def _vector(length_width: int, content: bytes) -> bytes:
    return len(content).to_bytes(length_width, "big") + content


def _names_field(*names: bytes) -> bytes:
    return _vector(2, b"".join(_vector(2, name) for name in names))


CLIENT_CA = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ünïcode, Inc."),
        x509.NameAttribute(NameOID.COMMON_NAME, "client CA #1 + more"),
    ]
)
MULTI_VALUED = x509.Name(
    [
        x509.RelativeDistinguishedName(
            [
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ops"),
                x509.NameAttribute(NameOID.USER_ID, "u1"),
            ]
        ),
        x509.RelativeDistinguishedName(
            [x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ca@example.com")]
        ),
    ]
)


@pytest.mark.parametrize("name", [CLIENT_CA, MULTI_VALUED], ids=["escaped", "multi"])
def test_name_to_rfc4514_der_name_matches_cryptography(name: x509.Name) -> None:
    """A DER name reads as the same RFC 4514 string cryptography gives."""
    assert name_to_rfc4514(name.public_bytes()) == name.rfc4514_string()


def test_name_to_rfc4514_garbage_hex_fallback() -> None:
    """Bytes that are no Name come back as #hex instead of raising."""
    assert name_to_rfc4514(b"\x30\x05\x01") == "#300501"


def test_certificate_request_tls12_fields_read() -> None:
    """A TLS 1.2 request gives its certificate types, algorithms and CA names."""
    body = (
        _vector(1, bytes([1, 64]))
        + _vector(2, struct.pack(">HH", 0x0804, 0x0403))
        + _names_field(CLIENT_CA.public_bytes())
    )

    parsed = parse_certificate_request(body, tls13=False)

    assert parsed.certificate_types == (1, 64)
    assert parsed.signature_schemes == (0x0804, 0x0403)
    assert parsed.ca_names_der == (CLIENT_CA.public_bytes(),)


def test_certificate_request_tls12_empty_ca_list_kept_empty() -> None:
    """An empty CA list in TLS 1.2 parses to no names, still a request."""
    body = _vector(1, b"\x01") + _vector(2, b"\x04\x01") + _names_field()

    assert parse_certificate_request(body, tls13=False).ca_names_der == ()


def test_certificate_request_tls13_extensions_read() -> None:
    """A TLS 1.3 request's signature_algorithms and certificate_authorities are read."""
    signature_algorithms = _vector(2, struct.pack(">H", 0x0807))
    authorities = _names_field(CLIENT_CA.public_bytes(), MULTI_VALUED.public_bytes())
    extensions = (
        struct.pack(">H", 13)
        + _vector(2, signature_algorithms)
        + struct.pack(">H", 47)
        + _vector(2, authorities)
        + struct.pack(">H", 0xFF01)
        + _vector(2, b"")
    )
    body = _vector(1, b"") + _vector(2, extensions)

    parsed = parse_certificate_request(body, tls13=True)

    assert parsed.signature_schemes == (0x0807,)
    assert parsed.ca_names_der == (
        CLIENT_CA.public_bytes(),
        MULTI_VALUED.public_bytes(),
    )


def test_certificate_list_tls13_entries_read() -> None:
    """A TLS 1.3 Certificate message gives its DER entries, skipping extensions."""
    entries = (
        _vector(3, b"leaf") + _vector(2, b"") + _vector(3, b"ca") + _vector(2, b"")
    )
    body = _vector(1, b"") + _vector(3, entries)

    assert parse_certificate_list(body, tls13=True) == (b"leaf", b"ca")


def test_recorder_truncated_request_swallowed() -> None:
    """A malformed message inside the callback is ignored instead of raising."""
    recorder = HandshakeRecorder()
    message = b"\x0d\x00\x00\x09" + b"\x05\x01"

    recorder(None, "read", 0x0303, 22, 13, message)

    assert recorder.certificate_request is None


def test_recorder_alerts_both_ways_kept() -> None:
    """Alerts received and sent are kept apart; close_notify ends nothing."""
    recorder = HandshakeRecorder()

    recorder(None, "read", 0x0304, 21, 0, b"\x01\x00")
    recorder(None, "read", 0x0304, 21, 116, b"\x02\x74")
    recorder(None, "write", 0x0304, 21, 48, b"\x02\x30")

    assert recorder.first_alert_received is not None
    assert recorder.first_alert_received.description == 116
    assert recorder.first_alert_sent is not None
    assert recorder.first_alert_sent.description == 48


def _summary(*names: str) -> CertificateSummary:
    return CertificateSummary("CN=x", "CN=ca", "", "", "00", names)


@pytest.mark.parametrize(
    ("names", "host", "matches"),
    [
        (("api.example.com",), "API.example.com.", True),
        (("*.example.com",), "api.example.com", True),
        (("*.example.com",), "a.b.example.com", False),
        (("*.example.com",), "example.com", False),
        (("127.0.0.1",), "127.0.0.1", True),
        (("::1",), "[::1]", True),
        (("localhost",), "127.0.0.1", False),
    ],
)
def test_certificate_matches_name_cases(
    names: tuple[str, ...], host: str, matches: bool
) -> None:
    """Names match exactly or by a leftmost wildcard; IPs only as IP entries."""
    assert certificate_matches_name(_summary(*names), host) is matches


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, "<title>400 No required SSL certificate was sent</title>", "no-cert"),
        (400, "<title>400 The SSL certificate error</title>", "refused"),
        (401, '{"message":"No required TLS certificate was sent"}', "no-cert"),
        (401, '{"message":"TLS certificate failed verification"}', "refused"),
        (403, "Cannot perform Post-Handshake Authentication", "late"),
        (496, "", "no-cert"),
        (403, "Forbidden", None),
        (200, "No required SSL certificate was sent", None),
    ],
)
def test_find_certificate_refusal_known_texts(
    status: int, body: str, reason: str | None
) -> None:
    """Known certificate refusals are found only with a refusal status."""
    expected = {
        "no-cert": RefusalReason.NO_CERTIFICATE,
        "refused": RefusalReason.CERTIFICATE_REFUSED,
        "late": RefusalReason.POST_HANDSHAKE_AUTH,
        None: None,
    }[reason]

    refusal = find_certificate_refusal(status, body)

    assert (refusal.reason if refusal else None) == expected
