"""Turning DER names and certificates seen on the wire into readable summaries."""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from knowledge.observations import CertificateSummary

logger = logging.getLogger(__name__)

_SEQUENCE = 0x30
_SET = 0x31
_OID = 0x06
_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # TeletexString, read as Latin-1 like OpenSSL does
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


class _DerError(ValueError):
    """DER that does not hold the Name structure it should."""


def _read_element(data: bytes, offset: int) -> tuple[int, bytes, int]:
    """The tag, the content and the offset after one DER element."""
    if offset + 2 > len(data):
        raise _DerError("truncated element")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        width = length & 0x7F
        if width == 0 or width > 4 or offset + width > len(data):
            raise _DerError("unsupported length")
        length = int.from_bytes(data[offset : offset + width], "big")
        offset += width
    end = offset + length
    if end > len(data):
        raise _DerError("truncated content")
    return tag, data[offset:end], end


def _elements(data: bytes) -> list[tuple[int, bytes]]:
    found: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        tag, content, offset = _read_element(data, offset)
        found.append((tag, content))
    return found


def _dotted_oid(content: bytes) -> str:
    if not content:
        raise _DerError("empty OID")
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(n) for n in (first, arcs[0] - 40 * first, *arcs[1:]))


def name_to_rfc4514(der: bytes) -> str:
    """An X.501 Name in DER (as in a CertificateRequest) as an RFC 4514 string."""
    from cryptography import x509
    from cryptography.x509.oid import ObjectIdentifier

    try:
        tag, content, end = _read_element(der, 0)
        if tag != _SEQUENCE or end != len(der):
            raise _DerError("not a SEQUENCE")
        rdns: list[x509.RelativeDistinguishedName] = []
        for set_tag, set_content in _elements(content):
            if set_tag != _SET:
                raise _DerError("RDN is not a SET")
            attributes: list[x509.NameAttribute] = []
            for pair_tag, pair in _elements(set_content):
                (oid_tag, oid), (value_tag, value) = _elements(pair)
                if pair_tag != _SEQUENCE or oid_tag != _OID:
                    raise _DerError("attribute is not (OID, value)")
                codec = _STRING_CODECS.get(value_tag)
                if codec is None:
                    raise _DerError(f"value type 0x{value_tag:02x}")
                attributes.append(
                    x509.NameAttribute(
                        ObjectIdentifier(_dotted_oid(oid)), value.decode(codec)
                    )
                )
            rdns.append(x509.RelativeDistinguishedName(attributes))
        return x509.Name(rdns).rfc4514_string()
    except (ValueError, UnicodeDecodeError) as error:
        logger.debug("unreadable CA name %s: %s", der.hex(), error)
        return f"#{der.hex()}"


def summarize_certificate(der: bytes) -> CertificateSummary:
    """The subject, issuer, validity, fingerprint and names of a DER certificate."""
    from cryptography import x509

    fingerprint = hashlib.sha256(der).hexdigest()
    try:
        certificate = x509.load_der_x509_certificate(der)
        names = _subject_alt_names(certificate)
        return CertificateSummary(
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            not_before=certificate.not_valid_before_utc.isoformat(),
            not_after=certificate.not_valid_after_utc.isoformat(),
            sha256_fingerprint=fingerprint,
            subject_alt_names=names,
        )
    except ValueError as error:
        logger.debug("unreadable server certificate %s: %s", fingerprint, error)
        return CertificateSummary(
            subject="(unreadable certificate)",
            issuer="",
            not_before="",
            not_after="",
            sha256_fingerprint=fingerprint,
        )


def _subject_alt_names(certificate: object) -> tuple[str, ...]:
    from cryptography import x509

    assert isinstance(certificate, x509.Certificate)
    try:
        extension = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
    except x509.ExtensionNotFound:
        return ()
    dns_names = extension.value.get_values_for_type(x509.DNSName)
    addresses = extension.value.get_values_for_type(x509.IPAddress)
    return (*dns_names, *(str(address) for address in addresses))


def certificate_matches_name(summary: CertificateSummary, name: str) -> bool:
    """Whether a certificate's subject alternative names cover a host name or IP."""
    wanted = name.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(wanted)
    except ValueError:
        address = None
    for entry in summary.subject_alt_names:
        if address is not None:
            try:
                if ipaddress.ip_address(entry) == address:
                    return True
            except ValueError:
                continue
        elif _dns_name_matches(entry.lower().rstrip("."), wanted):
            return True
    return False


def _dns_name_matches(pattern: str, name: str) -> bool:
    if not pattern.startswith("*."):
        return pattern == name
    label, _, rest = name.partition(".")
    return bool(label) and rest == pattern[2:]
