"""What is right and wrong with a client certificate, its private key and its chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from knowledge.curl import reexport_pkcs12_command

EXPIRY_WARNING_DAYS = 30
"""A certificate this close to its end gets a warning."""

MIN_RSA_BITS = 2048
"""OpenSSL 3 at security level 2 (Debian's and most distributions' default) refuses
smaller RSA keys with 'ee key too small'."""

CAUSE_IDS = frozenset(
    {
        "client-key-mismatch",
        "client-cert-expired",
        "client-cert-not-yet-valid",
        "client-cert-wrong-purpose",
        "client-chain-incomplete",
        "client-cert-untrusted",
        "issuer-not-advertised",
        "client-key-unreadable",
        "pkcs12-legacy-encryption",
    }
)
"""The cause ids of the contract a credential finding can carry."""

CLIENTS_THAT_SEND_NOTHING = "Java (JSSE), Go's crypto/tls and browsers"
"""Clients that send an empty certificate message when the issuer is not advertised."""


class Severity(StrEnum):
    """How much a finding matters: an error breaks mutual TLS, info is reference."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class KeyProblem(StrEnum):
    """Why a private key could not be read."""

    NO_PASSPHRASE = "no-passphrase"
    WRONG_PASSPHRASE = "wrong-passphrase"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class CredentialFinding:
    """One thing found about the files: `id` is a contract cause id where one fits."""

    id: str
    severity: Severity
    message: str
    file: str | None = None

    @property
    def is_cause(self) -> bool:
        """Whether this finding names a cause of the contract (and so fails inspect)."""
        return self.id in CAUSE_IDS and self.severity is not Severity.INFO


@dataclass(frozen=True)
class CertificateFacts:
    """The reference details of one certificate of the chain."""

    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    sha256_fingerprint: str
    is_ca: bool


@dataclass(frozen=True)
class IdentityFacts:
    """What was learnt about a client certificate, its key and chain (no key bytes)."""

    subject: str
    issuer: str
    sha256_fingerprint: str
    cert_file: str
    key_file: str | None
    cert_format: str
    findings: tuple[CredentialFinding, ...]
    serial: str = ""
    subject_alt_names: tuple[str, ...] = ()
    not_before: str = ""
    not_after: str = ""
    days_left: int = 0
    key_type: str = ""
    has_private_key: bool = True
    key_encrypted: bool = False
    chain: tuple[CertificateFacts, ...] = ()
    chain_issuers: tuple[str, ...] = ()
    pkcs12_encryption: tuple[str, ...] = ()

    @property
    def causes(self) -> tuple[str, ...]:
        """The cause ids among the findings, each once, in the order found."""
        return tuple(dict.fromkeys(f.id for f in self.findings if f.is_cause))

    def issuer_advertised(self, acceptable_ca_names: Sequence[str]) -> bool:
        """Whether a client filtering by the server's CA names would pick this one."""
        return issuer_advertised(self.chain_issuers or self.issuer, acceptable_ca_names)


def sha256_fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 fingerprint as Cloudflare's logs and rules show it: lowercase hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial number in uppercase hex, as `openssl x509 -serial` prints it."""
    return format(certificate.serial_number, "X")


def describe_key(key: CertificatePublicKeyTypes | PrivateKeyTypes) -> str:
    """The key's type and size, such as 'RSA 2048' or 'EC secp256r1'."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def key_matches(certificate: x509.Certificate, private_key: PrivateKeyTypes) -> bool:
    """Whether the private key belongs to the certificate's public key."""
    try:
        public = private_key.public_key()
    except (AttributeError, UnsupportedAlgorithm):
        return False
    return _public_bytes(public) == _public_bytes(certificate.public_key())


def choose_leaf(
    certificates: Sequence[x509.Certificate], private_key: PrivateKeyTypes | None
) -> int:
    """The index of the client certificate among those of the files.

    The one the key belongs to; else the first that issued none of the others and is
    no CA; else the first that issued none of the others; else the first.
    """
    if private_key is not None:
        for index, certificate in enumerate(certificates):
            if key_matches(certificate, private_key):
                return index
    issuers = [
        index
        for index, candidate in enumerate(certificates)
        if any(
            other is not candidate and _issued(other, candidate)
            for other in certificates
        )
    ]
    not_issuers = [i for i in range(len(certificates)) if i not in issuers]
    for index in not_issuers:
        if not _is_ca(certificates[index]):
            return index
    return not_issuers[0] if not_issuers else 0


def issuer_advertised(
    issuer: str | x509.Name | Sequence[str | x509.Name],
    acceptable_ca_names: Sequence[str],
) -> bool:
    """Whether an issuer (or any issuer of the chain) is among the server's CA names.

    An empty list of names means the server accepts any issuer. Names are compared
    attribute by attribute, without case and with runs of spaces folded.
    """
    if not acceptable_ca_names:
        return True
    issuers = [issuer] if isinstance(issuer, str | x509.Name) else list(issuer)
    acceptable = {_name_key(name) for name in acceptable_ca_names}
    return any(_name_key(name) in acceptable for name in issuers)


def issuer_not_advertised_finding(
    issuer: str, acceptable_ca_names: Sequence[str], file: str | None = None
) -> CredentialFinding:
    """The finding for a certificate whose issuer the server did not name."""
    names = "; ".join(f"'{name}'" for name in acceptable_ca_names)
    return CredentialFinding(
        "issuer-not-advertised",
        Severity.WARNING,
        f"the server asks for certificates issued by {names}, but this one is issued "
        f"by '{issuer}'. {CLIENTS_THAT_SEND_NOTHING} then send no certificate at all; "
        "OpenSSL-based clients (curl, Python) send it anyway and the server decides. "
        "Use a certificate from one of those CAs, or add its CA to the server's "
        "client CA list",
        file,
    )


def unreadable_key_finding(
    problem: KeyProblem,
    file: str,
    password_env: str | None,
    what: str = "private key",
    empty_passphrase: bool = False,
) -> CredentialFinding:
    """The finding for a key (or PKCS#12 file) that could not be read."""
    if problem is KeyProblem.NO_PASSPHRASE:
        message = (
            f"the {what} in {file} is encrypted and no passphrase was given: put it "
            "in an environment variable and name it with --password-env VAR"
        )
    elif problem is KeyProblem.WRONG_PASSPHRASE and empty_passphrase:
        variable = f"${password_env}" if password_env else "the passphrase"
        message = (
            f"{variable} is empty and the {what} in {file} needs a passphrase: "
            "export the variable with the passphrase in it"
        )
    elif problem is KeyProblem.WRONG_PASSPHRASE:
        source = (
            f"the passphrase in ${password_env}" if password_env else "the passphrase"
        )
        openssl_says = (
            "Mac verify error: invalid password?"
            if what.startswith("PKCS#12")
            else "bad decrypt"
        )
        message = (
            f"{source} does not decrypt the {what} in {file}: check it "
            f"(OpenSSL says '{openssl_says}')"
        )
    else:
        message = (
            f"the {what} in {file} is in a form neither mtls-doctor nor OpenSSL can "
            "use: export it again as PEM (openssl pkey -in FILE -out key.pem)"
        )
    return CredentialFinding("client-key-unreadable", Severity.ERROR, message, file)


# PKCS#12 encryption algorithms by OID: (name as `openssl pkcs12 -info` shows it,
# whether OpenSSL 3 needs its legacy provider to decrypt it).
_PKCS12_CIPHERS: dict[str, tuple[str, bool]] = {
    "1.2.840.113549.1.12.1.1": ("pbeWithSHA1And128BitRC4", True),
    "1.2.840.113549.1.12.1.2": ("pbeWithSHA1And40BitRC4", True),
    "1.2.840.113549.1.12.1.3": ("pbeWithSHA1And3-KeyTripleDES-CBC", False),
    "1.2.840.113549.1.12.1.4": ("pbeWithSHA1And2-KeyTripleDES-CBC", False),
    "1.2.840.113549.1.12.1.5": ("pbeWithSHA1And128BitRC2-CBC", True),
    "1.2.840.113549.1.12.1.6": ("pbeWithSHA1And40BitRC2-CBC", True),
    "1.2.840.113549.1.5.1": ("pbeWithMD2AndDES-CBC", True),
    "1.2.840.113549.1.5.3": ("pbeWithMD5AndDES-CBC", True),
    "1.2.840.113549.1.5.4": ("pbeWithMD2AndRC2-CBC", True),
    "1.2.840.113549.1.5.6": ("pbeWithMD5AndRC2-CBC", True),
    "1.2.840.113549.1.5.10": ("pbeWithSHA1AndDES-CBC", True),
    "1.2.840.113549.1.5.11": ("pbeWithSHA1AndRC2-CBC", True),
    "1.2.840.113549.3.2": ("PBES2 RC2-CBC", True),
    "1.3.14.3.2.7": ("PBES2 DES-CBC", True),
    "1.2.840.113549.3.7": ("PBES2 DES-EDE3-CBC", False),
    "2.16.840.1.101.3.4.1.2": ("PBES2 AES-128-CBC", False),
    "2.16.840.1.101.3.4.1.22": ("PBES2 AES-192-CBC", False),
    "2.16.840.1.101.3.4.1.42": ("PBES2 AES-256-CBC", False),
}
_PKCS7_DATA = "1.2.840.113549.1.7.1"
_PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"


def is_pkcs12(data: bytes) -> bool:
    """Whether DER bytes have the shape of a PKCS#12 file (version 3, then content)."""
    try:
        (tag, body), *_ = _der_elements(data)
        if tag != 0x30:
            return False
        (version_tag, version), (content_tag, content), *_ = _der_elements(body)
        (oid_tag, oid), *_ = _der_elements(content)
    except ValueError:
        return False
    return (
        version_tag == 0x02
        and version == b"\x03"
        and content_tag == 0x30
        and oid_tag == 0x06
        and _decode_oid(oid) in (_PKCS7_DATA, _PKCS7_SIGNED_DATA)
    )


def is_pkcs7(data: bytes) -> bool:
    """Whether DER bytes have the shape of a PKCS#7 SignedData (a certificate list)."""
    try:
        (tag, body), *_ = _der_elements(data)
        (oid_tag, oid), *_ = _der_elements(body)
    except ValueError:
        return False
    return tag == 0x30 and oid_tag == 0x06 and _decode_oid(oid) == _PKCS7_SIGNED_DATA


def is_encrypted_pkcs8(data: bytes) -> bool:
    """Whether DER bytes have the shape of an EncryptedPrivateKeyInfo."""
    try:
        (tag, body), *_ = _der_elements(data)
        (algorithm_tag, _), (octets_tag, _) = _der_elements(body)
    except ValueError:
        return False
    return tag == 0x30 and algorithm_tag == 0x30 and octets_tag == 0x04


def pkcs12_encryption_algorithms(data: bytes) -> tuple[str, ...]:
    """The encryption algorithms a PKCS#12 file uses, readable without its password."""
    found = [
        _PKCS12_CIPHERS[oid][0] for oid in _oids_in(data) if oid in _PKCS12_CIPHERS
    ]
    return tuple(dict.fromkeys(found))


def pkcs12_legacy(algorithms: Sequence[str]) -> tuple[str, ...]:
    """Those of the algorithms that OpenSSL 3 refuses without its legacy provider."""
    legacy = {name for name, needs_legacy in _PKCS12_CIPHERS.values() if needs_legacy}
    return tuple(name for name in algorithms if name in legacy)


def pkcs12_findings(
    file: str, algorithms: Sequence[str], password_env: str | None = None
) -> tuple[CredentialFinding, ...]:
    """The finding for a PKCS#12 file that OpenSSL 3 tools refuse, if it is one; its
    re-export command reads the passphrase from password_env when there is one."""
    legacy = pkcs12_legacy(algorithms)
    if not legacy:
        return ()
    return (
        CredentialFinding(
            "pkcs12-legacy-encryption",
            Severity.WARNING,
            f"{file} is encrypted with {', '.join(legacy)}, which OpenSSL 3 (and the "
            "curl, nginx or HAProxy built on it) refuses by default with 'digital "
            "envelope routines::unsupported'. Re-export it with current algorithms "
            f"{_asks_or_reads(password_env)}: "
            f"{reexport_pkcs12_command(PurePath(file), password_env)}",
            file,
        ),
    )


def _asks_or_reads(password_env: str | None) -> str:
    if password_env is None:
        return (
            "(openssl asks for the passphrase; -passin and -passout env:VAR read it "
            "from a variable)"
        )
    return f"(the passphrase is read from ${password_env})"


def assess_identity(
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    private_key: PrivateKeyTypes | None = None,
    *,
    cert_file: str,
    key_file: str | None = None,
    cert_format: str = "pem",
    leaf_index: int = 0,
    key_encrypted: bool = False,
    pkcs12_encryption: Sequence[str] = (),
    password_env: str | None = None,
    trusted_cas: Sequence[x509.Certificate] | None = None,
    trusted_cas_file: str | None = None,
    acceptable_ca_names: Sequence[str] = (),
    extra_findings: Sequence[CredentialFinding] = (),
    certificate_files: Mapping[x509.Certificate, str] | None = None,
    now: dt.datetime | None = None,
) -> IdentityFacts:
    """Everything worth saying about a client certificate, its chain and its key.

    `chain` holds the files' other certificates in their order, and `leaf_index` where
    the client certificate stood among them; `trusted_cas` are the CAs the server
    trusts for client certificates, when known; `certificate_files` names the file of
    each chain certificate that did not come from cert_file.
    """
    moment = now or dt.datetime.now(dt.UTC)
    key_source = key_file or cert_file
    findings: list[CredentialFinding] = list(extra_findings)
    path, stray = issuer_path(certificate, chain)

    findings += _key_findings(certificate, private_key, key_source, extra_findings)
    findings += _validity_findings(path, moment, cert_file)
    findings += _purpose_findings(path, cert_file)
    findings += _signature_findings(path, cert_file)
    if cert_format == "pem":
        # PKCS#7 and PKCS#12 hold unordered sets; only a PEM file's order is sent
        findings += _order_findings(certificate, chain, path, leaf_index, cert_file)
    findings += _trust_findings(
        path, stray, trusted_cas, trusted_cas_file, cert_file, certificate_files or {}
    )
    findings += pkcs12_findings(cert_file, pkcs12_encryption, password_env)
    chain_issuers = tuple(c.issuer.rfc4514_string() for c in path)
    if not issuer_advertised(chain_issuers, acceptable_ca_names):
        findings.append(
            issuer_not_advertised_finding(
                certificate.issuer.rfc4514_string(), acceptable_ca_names, cert_file
            )
        )

    remaining = certificate.not_valid_after_utc - moment
    return IdentityFacts(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        sha256_fingerprint=sha256_fingerprint(certificate),
        cert_file=cert_file,
        key_file=key_file,
        cert_format=cert_format,
        findings=tuple(findings),
        serial=serial_hex(certificate),
        subject_alt_names=subject_alt_names(certificate),
        not_before=_when(certificate.not_valid_before_utc),
        not_after=_when(certificate.not_valid_after_utc),
        days_left=int(remaining.total_seconds() / 86400),  # -30, as "30 days ago"
        key_type=describe_key(certificate.public_key()),
        has_private_key=private_key is not None,
        key_encrypted=key_encrypted,
        chain=tuple(certificate_facts(c) for c in chain),
        chain_issuers=chain_issuers,
        pkcs12_encryption=tuple(pkcs12_encryption),
    )


def certificate_facts(certificate: x509.Certificate) -> CertificateFacts:
    """The reference details of one certificate."""
    return CertificateFacts(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=serial_hex(certificate),
        not_before=_when(certificate.not_valid_before_utc),
        not_after=_when(certificate.not_valid_after_utc),
        sha256_fingerprint=sha256_fingerprint(certificate),
        is_ca=_is_ca(certificate),
    )


def subject_alt_names(certificate: x509.Certificate) -> tuple[str, ...]:
    """The subject alternative names, each prefixed by its kind as OpenSSL does."""
    try:
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except x509.ExtensionNotFound:
        return ()
    prefixes: dict[type, str] = {
        x509.DNSName: "DNS",
        x509.IPAddress: "IP",
        x509.RFC822Name: "email",
        x509.UniformResourceIdentifier: "URI",
    }
    return tuple(
        f"{prefixes.get(type(name), type(name).__name__)}:{name.value}"
        for name in names
    )


def _key_findings(
    certificate: x509.Certificate,
    private_key: PrivateKeyTypes | None,
    key_source: str,
    extra_findings: Sequence[CredentialFinding],
) -> list[CredentialFinding]:
    if any(f.id == "client-key-unreadable" for f in extra_findings):
        return []
    if private_key is None:
        return [
            CredentialFinding(
                "client-key-missing",
                Severity.INFO,
                "no private key in these files: give the key file too to check it "
                "belongs to the certificate",
            )
        ]
    findings = []
    if not key_matches(certificate, private_key):
        findings.append(
            CredentialFinding(
                "client-key-mismatch",
                Severity.ERROR,
                f"the private key in {key_source} does not belong to the certificate "
                f"'{certificate.subject.rfc4514_string()}' (their public keys differ; "
                "OpenSSL says 'key values mismatch'): use the key the certificate was "
                "requested with, or the certificate issued for this key",
                key_source,
            )
        )
    if (
        isinstance(private_key, rsa.RSAPrivateKey)
        and private_key.key_size < MIN_RSA_BITS
    ):
        findings.append(
            CredentialFinding(
                "client-key-unreadable",
                Severity.ERROR,
                f"the RSA key in {key_source} has {private_key.key_size} bits; OpenSSL "
                f"3 refuses keys under {MIN_RSA_BITS} bits at its default security "
                "level ('ee key too small'): get a certificate for a new key of "
                f"{MIN_RSA_BITS} bits or more",
                key_source,
            )
        )
    return findings


def _validity_findings(
    path: Sequence[x509.Certificate], moment: dt.datetime, file: str
) -> list[CredentialFinding]:
    findings = []
    for position, certificate in enumerate(path):
        what = (
            "the certificate"
            if position == 0
            else f"the CA certificate '{certificate.subject.rfc4514_string()}' "
            "in the chain"
        )
        not_after = certificate.not_valid_after_utc
        not_before = certificate.not_valid_before_utc
        if moment > not_after:
            findings.append(
                CredentialFinding(
                    "client-cert-expired",
                    Severity.ERROR,
                    f"{what} expired on {_when(not_after)} "
                    f"({_days(moment - not_after)} ago): servers refuse it (alert 45, "
                    "certificate expired); get it renewed",
                    file,
                )
            )
        elif moment < not_before:
            findings.append(
                CredentialFinding(
                    "client-cert-not-yet-valid",
                    Severity.ERROR,
                    f"{what} is valid only from {_when(not_before)} (in "
                    f"{_days(not_before - moment)}): servers refuse it until then "
                    "(alert 42); check the clocks here and on the server",
                    file,
                )
            )
        elif position == 0 and not_after - moment <= dt.timedelta(
            days=EXPIRY_WARNING_DAYS
        ):
            findings.append(
                CredentialFinding(
                    "client-cert-expires-soon",
                    Severity.WARNING,
                    f"{what} expires on {_when(not_after)}, in "
                    f"{_days(not_after - moment)}: renew it soon",
                    file,
                )
            )
    return findings


def _purpose_findings(
    path: Sequence[x509.Certificate], file: str
) -> list[CredentialFinding]:
    leaf = path[0]
    subject = leaf.subject.rfc4514_string()
    problems = []
    usages = _extended_key_usages(leaf)
    if usages is not None and not _allows_client_auth(usages):
        problems.append(
            "its extended key usage allows only "
            f"{', '.join(_usage_name(u) for u in usages)}, not TLS client "
            "authentication (clientAuth)"
        )
    key_usage = _key_usage(leaf)
    if key_usage is not None and not key_usage.digital_signature:
        problems.append(
            "its key usage lacks digitalSignature, which TLS client auth needs"
        )
    if _is_ca(leaf):
        problems.append(
            "it is a CA certificate (basicConstraints CA:TRUE), meant to sign client "
            "certificates rather than be one"
        )
    findings = []
    if problems:
        findings.append(
            CredentialFinding(
                "client-cert-wrong-purpose",
                Severity.ERROR,
                f"'{subject}' may not be used as a client certificate: "
                f"{'; '.join(problems)}. Servers refuse it ('unsupported certificate "
                "purpose', alert 43): issue a client certificate with extendedKeyUsage "
                "clientAuth",
                file,
            )
        )
    for ca in path[1:]:
        usages = _extended_key_usages(ca)
        if usages is not None and not _allows_client_auth(usages):
            findings.append(
                CredentialFinding(
                    "client-cert-wrong-purpose",
                    Severity.ERROR,
                    f"the CA '{ca.subject.rfc4514_string()}' in the chain limits its "
                    f"extended key usage to {', '.join(_usage_name(u) for u in usages)}"
                    ", so OpenSSL refuses client certificates under it ('unsupported "
                    "certificate purpose')",
                    file,
                )
            )
    return findings


def _signature_findings(
    path: Sequence[x509.Certificate], file: str
) -> list[CredentialFinding]:
    leaf = path[0]
    algorithm = leaf.signature_hash_algorithm
    if _self_signed(leaf) or not isinstance(algorithm, hashes.SHA1 | hashes.MD5):
        return []
    return [
        CredentialFinding(
            "client-cert-untrusted",
            Severity.ERROR,
            f"the certificate is signed with {algorithm.name.upper()}, which OpenSSL 3 "
            "refuses at its default security level ('ca md too weak'), both to load it "
            "and to verify it: get it reissued with SHA-256",
            file,
        )
    ]


def _order_findings(
    leaf: x509.Certificate,
    chain: Sequence[x509.Certificate],
    path: Sequence[x509.Certificate],
    leaf_index: int,
    file: str,
) -> list[CredentialFinding]:
    findings = []
    if leaf_index > 0:
        first = chain[0].subject.rfc4514_string()
        findings.append(
            CredentialFinding(
                "client-chain-incomplete",
                Severity.ERROR,
                f"the first certificate in {file} is '{first}', not the client "
                f"certificate '{leaf.subject.rfc4514_string()}': curl, OpenSSL and "
                "most clients present the first one as theirs; put the client "
                "certificate first, then its intermediates",
                file,
            )
        )
    intermediates = list(path[1:])
    if list(chain[: len(intermediates)]) != intermediates:
        expected = " -> ".join(
            f"'{c.subject.rfc4514_string()}'" for c in [leaf, *intermediates]
        )
        findings.append(
            CredentialFinding(
                "client-chain-incomplete",
                Severity.WARNING,
                f"the intermediates in {file} are out of order; TLS 1.2 wants each "
                f"certificate followed by its issuer ({expected}) and strict servers "
                "refuse another order: reorder the file",
                file,
            )
        )
    return findings


def _extra_certificate_finding(
    certificate: x509.Certificate, leaf: x509.Certificate, cert_file: str, file: str
) -> CredentialFinding:
    fate = (
        "it is sent along and does nothing"
        if file == cert_file
        else "it is not used with this certificate"
    )
    return CredentialFinding(
        "chain-extra-certificate",
        Severity.INFO,
        f"'{certificate.subject.rfc4514_string()}' in {file} is not part of the chain "
        f"of '{leaf.subject.rfc4514_string()}'; {fate}",
        file,
    )


def _trust_findings(
    path: Sequence[x509.Certificate],
    stray: Sequence[x509.Certificate],
    trusted_cas: Sequence[x509.Certificate] | None,
    trusted_cas_file: str | None,
    file: str,
    certificate_files: Mapping[x509.Certificate, str],
) -> list[CredentialFinding]:
    leaf, end = path[0], path[-1]
    missing = end.issuer.rfc4514_string()
    end_name = end.subject.rfc4514_string()
    impostors = [c for c in stray if _same_name(c.subject, end.issuer)]
    unrelated = [c for c in stray if c not in impostors]
    unrelated_cas = [c for c in unrelated if _is_ca(c)]
    findings = [
        CredentialFinding(
            "client-chain-incomplete",
            Severity.ERROR,
            f"'{c.subject.rfc4514_string()}' in {certificate_files.get(c, file)} has "
            f"the name of the issuer of '{end_name}' but did not sign it (the "
            "signature does not verify with its key): it is another CA with the same "
            "name, perhaps an old or re-keyed one; replace it with the certificate "
            f"that issued '{end_name}'",
            certificate_files.get(c, file),
        )
        for c in impostors
    ]
    findings += [
        _extra_certificate_finding(c, leaf, file, certificate_files.get(c, file))
        for c in unrelated
    ]
    ends_at_root = _self_signed(end)

    if trusted_cas is None:
        if not ends_at_root and unrelated_cas and not impostors:
            holds = ", ".join(f"'{c.subject.rfc4514_string()}'" for c in unrelated_cas)
            findings.append(
                CredentialFinding(
                    "client-chain-incomplete",
                    Severity.ERROR,
                    f"the issuer of '{end_name}', '{missing}', is missing from {file}, "
                    f"which holds the CA {holds} instead: add that intermediate "
                    f"certificate right after the certificate it issued"
                    f"{_where_to_get(end)}",
                    file,
                )
            )
        elif not ends_at_root:
            findings.append(
                CredentialFinding(
                    "chain-not-checked",
                    Severity.INFO,
                    f"the chain ends at '{end_name}', issued by '{missing}'; give the "
                    "CAs the server trusts with --client-ca to check it reaches one",
                    file,
                )
            )
        return findings

    bundle = trusted_cas_file or "the client CA file"
    anchor = next(
        (
            ca
            for ca in trusted_cas
            if any(_same_certificate(ca, c) for c in path) or _issued(end, ca)
        ),
        None,
    )
    if anchor is not None:
        findings.append(
            CredentialFinding(
                "client-chain-trusted",
                Severity.INFO,
                f"the chain reaches '{anchor.subject.rfc4514_string()}' from {bundle}",
                file,
            )
        )
    elif any(_same_name(ca.subject, end.issuer) for ca in trusted_cas):
        findings.append(
            CredentialFinding(
                "client-cert-untrusted",
                Severity.ERROR,
                f"{bundle} holds a CA named '{missing}', but it did not sign "
                f"'{end_name}' (another key with the same name): the server will "
                "refuse the certificate as untrusted; get the CA certificate that "
                "really issued it",
                file,
            )
        )
    elif ends_at_root:
        findings.append(
            CredentialFinding(
                "client-cert-untrusted",
                Severity.ERROR,
                f"the chain ends at the root '{end_name}', which is not in {bundle}: "
                "the server will refuse the certificate as untrusted (alert 48, "
                "unknown CA); use a certificate from a CA in that file, or add the "
                "root to the server's client CA list",
                file,
            )
        )
    else:
        findings.append(
            CredentialFinding(
                "client-chain-incomplete",
                Severity.ERROR,
                f"no path from '{leaf.subject.rfc4514_string()}' to a CA in {bundle}: "
                f"'{missing}', the issuer of '{end_name}', is neither in {file} nor "
                f"in {bundle}. If it is an "
                f"intermediate CA, add its certificate to {file} after the one it "
                f"issued{_where_to_get(end)}; if it is a root CA, the server does not "
                "trust it",
                file,
            )
        )
    return findings


def issuer_path(
    leaf: x509.Certificate, others: Sequence[x509.Certificate]
) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """The leaf followed by its issuers among the others, and the others left over."""
    path = [leaf]
    remaining = list(others)
    while not _self_signed(path[-1]):
        issuer = next((c for c in remaining if _issued(path[-1], c)), None)
        if issuer is None:
            break
        path.append(issuer)
        remaining.remove(issuer)
    return path, remaining


def _where_to_get(certificate: x509.Certificate) -> str:
    """Where the certificate says its issuer's certificate can be downloaded."""
    try:
        access = certificate.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess
        ).value
    except x509.ExtensionNotFound:
        return ""
    urls = [
        d.access_location.value
        for d in access
        if d.access_method == x509.AuthorityInformationAccessOID.CA_ISSUERS
    ]
    return f" (the certificate says it is at {urls[0]})" if urls else ""


def _issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if not _same_name(child.issuer, parent.subject):
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _self_signed(certificate: x509.Certificate) -> bool:
    return _issued(certificate, certificate)


def _same_certificate(one: x509.Certificate, other: x509.Certificate) -> bool:
    return _same_name(one.subject, other.subject) and _public_bytes(
        one.public_key()
    ) == _public_bytes(other.public_key())


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(
            x509.BasicConstraints
        ).value.ca
    except x509.ExtensionNotFound:
        return False


def _extended_key_usages(
    certificate: x509.Certificate,
) -> list[x509.ObjectIdentifier] | None:
    try:
        return list(
            certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        )
    except x509.ExtensionNotFound:
        return None


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _allows_client_auth(usages: Sequence[x509.ObjectIdentifier]) -> bool:
    return (
        ExtendedKeyUsageOID.CLIENT_AUTH in usages
        or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages
    )


def _usage_name(usage: x509.ObjectIdentifier) -> str:
    name = getattr(usage, "_name", "")
    return name if name and name != "Unknown OID" else usage.dotted_string


def _public_bytes(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _name_key(name: str | x509.Name) -> tuple[tuple[tuple[str, str], ...], ...]:
    """A form of a distinguished name that compares equal across spellings."""
    if isinstance(name, str):
        try:
            parsed = x509.Name.from_rfc4514_string(name, _KEYWORDS)
        except ValueError:
            return ((("", " ".join(name.casefold().split())),),)
    else:
        parsed = name
    return tuple(
        tuple(
            sorted(
                (a.oid.dotted_string, " ".join(str(a.value).casefold().split()))
                for a in rdn
            )
        )
        for rdn in parsed.rdns
    )


_KEYWORDS = {
    spelling: oid
    for keyword, oid in {
        "CN": NameOID.COMMON_NAME,
        "C": NameOID.COUNTRY_NAME,
        "L": NameOID.LOCALITY_NAME,
        "ST": NameOID.STATE_OR_PROVINCE_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "STREET": NameOID.STREET_ADDRESS,
        "DC": NameOID.DOMAIN_COMPONENT,
        "UID": NameOID.USER_ID,
        "E": NameOID.EMAIL_ADDRESS,
        "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
        "emailAddress": NameOID.EMAIL_ADDRESS,
        "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    }.items()
    for spelling in (keyword, keyword.lower(), keyword.upper())
}
"""Attribute keywords as OpenSSL and people spell them, for parsing CA names."""


def _same_name(one: x509.Name, other: x509.Name) -> bool:
    return one == other or _name_key(one) == _name_key(other)


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _days(span: dt.timedelta) -> str:
    days = span.days
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(span.total_seconds() / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _der_elements(data: bytes) -> list[tuple[int, bytes]]:
    """Split BER/DER bytes into (tag, content) pairs; ValueError when they are not."""
    elements = []
    offset = 0
    while offset < len(data):
        tag, content, offset = _der_element(data, offset)
        elements.append((tag, content))
    return elements


def _der_element(data: bytes, offset: int) -> tuple[int, bytes, int]:
    if offset + 2 > len(data) or data[offset] & 0x1F == 0x1F:
        raise ValueError("not DER")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length == 0x80:
        # BER indefinite length (Windows and Java exports): children up to 00 00
        if not tag & 0x20:
            raise ValueError("not DER")
        start = offset
        while data[offset : offset + 2] != b"\x00\x00":
            _, _, offset = _der_element(data, offset)
        return tag, data[start:offset], offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count > 4 or offset + count > len(data):
            raise ValueError("not DER")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise ValueError("not DER")
    return tag, data[offset : offset + length], offset + length


def _decode_oid(content: bytes) -> str:
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return ""
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])


def _oids_in(data: bytes, depth: int = 0) -> list[str]:
    """Every object identifier in BER bytes, also inside octet strings holding BER."""
    if depth > 16:
        return []
    try:
        elements = _der_elements(data)
    except ValueError:
        return []
    oids = []
    for tag, content in elements:
        if tag == 0x06:
            oids.append(_decode_oid(content))
        elif tag == 0x24:
            pieces = _der_elements_or_empty(content)
            oids += _oids_in(b"".join(piece for _, piece in pieces), depth + 1)
        elif tag & 0x20 or tag == 0x04:
            oids += _oids_in(content, depth + 1)
    return oids


def _der_elements_or_empty(data: bytes) -> list[tuple[int, bytes]]:
    try:
        return _der_elements(data)
    except ValueError:
        return []
