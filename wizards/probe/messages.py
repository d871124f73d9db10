"""Parsing of the TLS handshake messages and alerts a probe sees on the wire."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from knowledge.tls_alerts import ALERT_NAMES

logger = logging.getLogger(__name__)

TLS13_VERSION = 0x0304

_CONTENT_ALERT = 21
_CONTENT_HANDSHAKE = 22
_CONTENT_HEADER = 0x100
_NEW_SESSION_TICKET = 4
_CERTIFICATE = 11
_CERTIFICATE_REQUEST = 13
_EXTENSION_SIGNATURE_ALGORITHMS = 13
_EXTENSION_CERTIFICATE_AUTHORITIES = 47
_QUIET_ALERTS = frozenset({0, 90})  # close_notify and user_canceled end nothing

SIGNATURE_SCHEME_NAMES = {
    0x0201: "rsa_pkcs1_sha1",
    0x0202: "dsa_sha1",
    0x0203: "ecdsa_sha1",
    0x0301: "rsa_pkcs1_sha224",
    0x0302: "dsa_sha224",
    0x0303: "ecdsa_sha224",
    0x0401: "rsa_pkcs1_sha256",
    0x0402: "dsa_sha256",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0501: "rsa_pkcs1_sha384",
    0x0502: "dsa_sha384",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0601: "rsa_pkcs1_sha512",
    0x0602: "dsa_sha512",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
}

CERTIFICATE_TYPE_NAMES = {
    1: "rsa_sign",
    2: "dss_sign",
    3: "rsa_fixed_dh",
    4: "dss_fixed_dh",
    64: "ecdsa_sign",
    65: "rsa_fixed_ecdh",
    66: "ecdsa_fixed_ecdh",
}


def alert_name(description: int) -> str:
    """The RFC name of an alert description, or its number when unknown."""
    return ALERT_NAMES.get(description, f"alert {description}")


def signature_scheme_name(code: int) -> str:
    """The RFC 8446 name of a signature scheme, or its hex code when unknown."""
    return SIGNATURE_SCHEME_NAMES.get(code, f"0x{code:04x}")


class MalformedMessageError(ValueError):
    """A handshake message shorter or longer than its length fields say."""


class _Reader:
    """A cursor over a message body reading TLS's big-endian length-prefixed fields."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    @property
    def at_end(self) -> bool:
        return self._offset >= len(self._data)

    def take(self, count: int) -> bytes:
        end = self._offset + count
        if end > len(self._data):
            raise MalformedMessageError(f"{count} bytes wanted, fewer left")
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk

    def rest(self) -> bytes:
        return self.take(len(self._data) - self._offset)

    def number(self, width: int) -> int:
        return int.from_bytes(self.take(width), "big")

    def vector(self, length_width: int) -> _Reader:
        return _Reader(self.take(self.number(length_width)))


@dataclass(frozen=True)
class ParsedCertificateRequest:
    """The fields of a CertificateRequest message, still as wire values."""

    ca_names_der: tuple[bytes, ...]
    signature_schemes: tuple[int, ...]
    certificate_types: tuple[int, ...]
    tls13: bool


def _distinguished_names(reader: _Reader) -> tuple[bytes, ...]:
    names: list[bytes] = []
    while not reader.at_end:
        names.append(reader.take(reader.number(2)))
    return tuple(names)


def _signature_schemes(reader: _Reader) -> tuple[int, ...]:
    schemes: list[int] = []
    while not reader.at_end:
        schemes.append(reader.number(2))
    return tuple(schemes)


def parse_certificate_request(body: bytes, tls13: bool) -> ParsedCertificateRequest:
    """Read a CertificateRequest body (without its 4-byte handshake header)."""
    reader = _Reader(body)
    if not tls13:
        types = tuple(reader.vector(1).rest())
        schemes_12 = _signature_schemes(reader.vector(2))
        names_12 = _distinguished_names(reader.vector(2))
        return ParsedCertificateRequest(names_12, schemes_12, types, tls13=False)

    reader.vector(1)  # certificate_request_context
    extensions = reader.vector(2)
    schemes: tuple[int, ...] = ()
    names: tuple[bytes, ...] = ()
    while not extensions.at_end:
        extension_type = extensions.number(2)
        content = extensions.vector(2)
        if extension_type == _EXTENSION_SIGNATURE_ALGORITHMS:
            schemes = _signature_schemes(content.vector(2))
        elif extension_type == _EXTENSION_CERTIFICATE_AUTHORITIES:
            names = _distinguished_names(content.vector(2))
    return ParsedCertificateRequest(names, schemes, (), tls13=True)


def parse_certificate_list(body: bytes, tls13: bool) -> tuple[bytes, ...]:
    """The DER certificates of a Certificate message body, leaf first."""
    reader = _Reader(body)
    if tls13:
        reader.vector(1)  # certificate_request_context
    entries = reader.vector(3)
    certificates: list[bytes] = []
    while not entries.at_end:
        certificates.append(entries.take(entries.number(3)))
        if tls13:
            entries.vector(2)  # per-certificate extensions
    return tuple(certificates)


@dataclass(frozen=True)
class SeenAlert:
    """One TLS alert, as (level, description)."""

    level: int
    description: int

    @property
    def ends_connection(self) -> bool:
        return self.description not in _QUIET_ALERTS


@dataclass
class HandshakeRecorder:
    """The message callback of one connection: keeps what the server and client sent.

    It runs inside OpenSSL's handshake, where an exception would abort the handshake,
    so every failure to parse is logged and swallowed.
    """

    handshake_done: bool = False
    certificate_request: ParsedCertificateRequest | None = None
    certificate_request_after_handshake: bool = False
    server_certificates_der: tuple[bytes, ...] = ()
    client_certificate_sent: bool = False
    alerts_received: list[SeenAlert] = field(default_factory=list)
    alerts_sent: list[SeenAlert] = field(default_factory=list)
    first_record_header: bytes | None = None
    session_ticket_received: bool = False
    protocol_version: int | None = None

    def __call__(
        self,
        conn: Any,
        direction: str,
        version: Any,
        content_type: Any,
        msg_type: Any,
        data: bytes,
    ) -> None:
        try:
            self._record(direction, int(version), int(content_type), data)
        except Exception:  # noqa: BLE001 - an escaping exception aborts the handshake
            logger.debug("could not read a TLS message", exc_info=True)

    @property
    def first_alert_received(self) -> SeenAlert | None:
        return next((a for a in self.alerts_received if a.ends_connection), None)

    @property
    def first_alert_sent(self) -> SeenAlert | None:
        return next((a for a in self.alerts_sent if a.ends_connection), None)

    @property
    def received_anything(self) -> bool:
        return self.first_record_header is not None

    def _record(
        self, direction: str, version: int, content_type: int, data: bytes
    ) -> None:
        received = direction == "read"
        if content_type == _CONTENT_HEADER:
            if received and self.first_record_header is None:
                self.first_record_header = bytes(data)
        elif content_type == _CONTENT_ALERT and len(data) >= 2:
            alerts = self.alerts_received if received else self.alerts_sent
            alerts.append(SeenAlert(level=data[0], description=data[1]))
        elif content_type == _CONTENT_HANDSHAKE and len(data) >= 4:
            if received:
                self.protocol_version = version
            self._record_handshake(received, version == TLS13_VERSION, data)

    def _record_handshake(self, received: bool, tls13: bool, data: bytes) -> None:
        message_type, body = data[0], data[4:]
        if received and message_type == _CERTIFICATE_REQUEST:
            if self.certificate_request is None:
                self.certificate_request = parse_certificate_request(body, tls13)
                self.certificate_request_after_handshake = self.handshake_done
        elif received and message_type == _CERTIFICATE:
            if not self.server_certificates_der:
                self.server_certificates_der = parse_certificate_list(body, tls13)
        elif received and message_type == _NEW_SESSION_TICKET:
            self.session_ticket_received = True
        elif not received and message_type == _CERTIFICATE:
            sent_any = bool(parse_certificate_list(body, tls13))
            self.client_certificate_sent = self.client_certificate_sent or sent_any


def version_name(version: int | None) -> str | None:
    """The name Python's ssl gives a protocol version number (0x0303: TLSv1.2)."""
    names = {0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
    return names.get(version) if version is not None else None


def looks_like_tls_record(header: bytes) -> bool:
    """Whether five bytes read from a server can start a TLS record."""
    return len(header) >= 3 and header[0] in (20, 21, 22, 23) and header[1] == 3
