"""Client certificate and key files: read any format, check them, load them for TLS."""

from __future__ import annotations

import atexit
import logging
import os
import re
import secrets
import shutil
import ssl
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from knowledge.certificate_findings import (
    CredentialFinding,
    IdentityFacts,
    KeyProblem,
    Severity,
    assess_identity,
    choose_leaf,
    describe_key,
    is_encrypted_pkcs8,
    is_pkcs7,
    is_pkcs12,
    issuer_path,
    key_matches,
    pkcs12_encryption_algorithms,
    pkcs12_findings,
    pkcs12_legacy,
    unreadable_key_finding,
)
from knowledge.errors import InputError
from wizards.answers import read_password

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
"""Certificate and key files larger than this are refused before being read."""

MAX_CA_BUNDLE_BYTES = 8 * 1024 * 1024
"""A CA bundle may be larger: a whole public trust store is about 250 KiB."""

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)
_CERTIFICATE_LABELS = frozenset({b"CERTIFICATE", b"X509 CERTIFICATE"})
_PKCS7_LABELS = frozenset({b"PKCS7", b"PKCS #7 SIGNED DATA"})
_KEY_LABELS = frozenset(
    {
        b"PRIVATE KEY",
        b"ENCRYPTED PRIVATE KEY",
        b"RSA PRIVATE KEY",
        b"EC PRIVATE KEY",
        b"DSA PRIVATE KEY",
    }
)
_EXPLAINED_LABELS = {
    b"CERTIFICATE REQUEST": "holds a certificate signing request (CSR), not a "
    "certificate: send it to your CA and use the certificate it returns",
    b"NEW CERTIFICATE REQUEST": "holds a certificate signing request (CSR), not a "
    "certificate: send it to your CA and use the certificate it returns",
    b"PUBLIC KEY": "holds a public key only: give the private key file",
    b"RSA PUBLIC KEY": "holds a public key only: give the private key file",
    b"OPENSSH PRIVATE KEY": "holds an OpenSSH key, which TLS cannot use: convert "
    "a copy with ssh-keygen -p -m PKCS8 -f COPY",
    b"X509 CRL": "holds a certificate revocation list, not a certificate",
    b"TRUSTED CERTIFICATE": "holds an OpenSSL 'trusted certificate': convert it "
    "with openssl x509 -in FILE -out cert.pem",
}
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}

_live_folders: set[str] = set()


@atexit.register
def _remove_leftover_folders() -> None:
    """Remove temporary identity folders an interrupted load left behind."""
    for folder in list(_live_folders):
        shutil.rmtree(folder, ignore_errors=True)


class UnreadableKeyError(InputError):
    """A key or PKCS#12 file that stays closed: no or a wrong passphrase, or no use."""

    def __init__(self, field: str, finding: CredentialFinding) -> None:
        super().__init__(field, f"{finding.message} ({finding.id})")
        self.finding = finding


@dataclass(frozen=True)
class CredentialFile:
    """What one file holds, recognised from its content."""

    path: Path
    file_format: str  # "pem" | "der" | "pkcs12" | "pkcs7"
    certificates: tuple[x509.Certificate, ...] = ()
    private_keys: tuple[PrivateKeyTypes, ...] = field(
        default=(), repr=False, compare=False
    )
    key_encrypted: bool = False
    key_problem: KeyProblem | None = None
    pkcs12_encryption: tuple[str, ...] = ()

    def describe(self) -> str:
        """What the file holds, such as 'PEM: 1 certificate, 1 private key'."""
        parts = []
        if self.certificates:
            count = len(self.certificates)
            parts.append(f"{count} certificate{'s' if count != 1 else ''}")
        for key in self.private_keys:
            encrypted = ", encrypted" if self.key_encrypted else ""
            parts.append(f"private key ({describe_key(key)}{encrypted})")
        if self.key_problem is not None:
            parts.append("encrypted content, not opened")
        if self.pkcs12_encryption:
            parts.append(f"encryption {', '.join(self.pkcs12_encryption)}")
        names = {"pem": "PEM", "der": "DER", "pkcs12": "PKCS#12", "pkcs7": "PKCS#7"}
        return f"{names[self.file_format]}: {'; '.join(parts) or 'nothing usable'}"


@dataclass(frozen=True)
class ClientIdentity:
    """A client certificate with its chain and private key, ready for a TLS context."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # intermediates from the files, in order
    private_key: PrivateKeyTypes = field(repr=False, compare=False)
    cert_path: Path
    key_path: Path | None  # None when the certificate file holds the key
    cert_format: str  # "pem" | "der" | "pkcs12" | "pkcs7"
    key_encrypted: bool
    password_env: str | None
    pkcs12_legacy: bool
    key_format: str = "pem"  # the format of the key's file: "pem" | "der" | "pkcs12"
    leaf_index: int = 0  # where the certificate stood among its file's certificates
    pkcs12_encryption: tuple[str, ...] = ()

    def load_into(self, context: ssl.SSLContext) -> None:
        """Put the certificate, chain and key into a TLS context.

        Raises InputError when OpenSSL refuses them (a key that does not match, a
        key too small for its security level).
        """
        try:
            self._load_through_private_file(context)
        except ssl.SSLError as error:
            raise self._refusal(error) from None

    def _load_through_private_file(self, context: ssl.SSLContext) -> None:
        """`ssl` loads only from files: the key goes into a private temporary file,
        encrypted with a one-time password, and the file is removed at once."""
        one_time_password = secrets.token_urlsafe(32)
        contents = b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (self.certificate, *self.chain)
        ) + encrypted_pem(self.private_key, one_time_password.encode())

        folder = tempfile.mkdtemp(prefix="mtls-doctor-")
        _live_folders.add(folder)
        try:
            path = os.path.join(folder, "identity.pem")
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(contents)
            context.load_cert_chain(path, password=one_time_password)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            _live_folders.discard(folder)

    def facts(
        self,
        acceptable_ca_names: Sequence[str] = (),
        client_ca: Path | None = None,
    ) -> IdentityFacts:
        """What is right and wrong with this identity, against the server's CA names
        and the CAs it trusts for client certificates when those are known."""
        trusted_cas = load_ca_certificates(client_ca) if client_ca else None
        return assess_identity(
            self.certificate,
            self.chain,
            self.private_key,
            cert_file=str(self.cert_path),
            key_file=str(self.key_path) if self.key_path else None,
            cert_format=self.cert_format,
            leaf_index=self.leaf_index,
            key_encrypted=self.key_encrypted,
            pkcs12_encryption=self.pkcs12_encryption,
            password_env=self.password_env,
            trusted_cas=trusted_cas,
            trusted_cas_file=str(client_ca) if client_ca else None,
            acceptable_ca_names=acceptable_ca_names,
        )

    def _refusal(self, error: ssl.SSLError) -> InputError:
        reason = _openssl_reason(error)
        if reason == "key values mismatch":
            return InputError(
                "--key" if self.key_path else "--cert",
                f"the private key in {self.key_path or self.cert_path} does not belong "
                f"to the certificate in {self.cert_path} (client-key-mismatch): use "
                "the key the certificate was requested with",
            )
        return InputError(
            "--cert",
            f"OpenSSL refuses the certificate and key from {self.cert_path} "
            f"('{reason}'): run mtls-doctor inspect "
            f"{self.cert_path} to see why",
        )


@dataclass(frozen=True)
class Inspection:
    """What `inspect` found: each file's content, the identity, and the findings."""

    files: tuple[CredentialFile, ...]
    identity: IdentityFacts | None
    findings: tuple[CredentialFinding, ...]

    @property
    def causes(self) -> tuple[str, ...]:
        """The cause ids among the findings, each once."""
        return tuple(dict.fromkeys(f.id for f in self.findings if f.is_cause))


def load_client_identity(
    cert_path: Path,
    key_path: Path | None,
    password: str | None,
    password_env: str | None = None,
) -> ClientIdentity:
    """Read a client certificate (and its key, from its own file or the certificate's).

    Raises InputError naming the option and the file, with what to do; the
    passphrase is used to decrypt and kept nowhere.
    """
    cert_file = read_credential_file(cert_path, password, field="--cert")
    if not cert_file.certificates:
        if cert_file.key_problem is not None:
            raise _unreadable(
                "--cert", cert_file, cert_file.key_problem, password, password_env
            )
        raise InputError(
            "--cert",
            f"{cert_path} holds a private key but no certificate: give the "
            "certificate file with --cert and this one with --key",
        )

    key_file = cert_file
    if key_path is not None:
        key_file = read_credential_file(key_path, password, field="--key")
    if key_file.key_problem is not None and not key_file.private_keys:
        field = "--key" if key_path else "--cert"
        raise _unreadable(field, key_file, key_file.key_problem, password, password_env)
    if not key_file.private_keys:
        if key_path is None:
            message = f"{cert_path} holds no private key: give its key file with --key"
        else:
            message = (
                f"{key_path} holds no private key, only certificates: give the "
                "private key's file with --key"
            )
        raise InputError("--key", message)

    certificates = cert_file.certificates
    private_key = next(
        (
            k
            for k in key_file.private_keys
            if any(key_matches(c, k) for c in certificates)
        ),
        key_file.private_keys[0],
    )
    leaf_index = choose_leaf(certificates, private_key)
    leaf = certificates[leaf_index]
    chain = certificates[:leaf_index] + certificates[leaf_index + 1 :]
    if cert_file.file_format != "pem":
        # PKCS#7 and PKCS#12 hold unordered sets: send them issuer after issuer
        path, others = issuer_path(leaf, chain)
        chain = (*path[1:], *others)
    return ClientIdentity(
        certificate=leaf,
        chain=chain,
        private_key=private_key,
        cert_path=cert_path,
        key_path=key_path,
        cert_format=cert_file.file_format,
        key_encrypted=key_file.key_encrypted,
        password_env=password_env,
        pkcs12_legacy=bool(pkcs12_legacy(cert_file.pkcs12_encryption)),
        key_format=key_file.file_format,
        leaf_index=leaf_index,
        pkcs12_encryption=cert_file.pkcs12_encryption,
    )


def encrypted_pem(private_key: PrivateKeyTypes, password: bytes) -> bytes:
    """The key as PEM encrypted with a one-time password.

    RSA and EC keys take OpenSSL's traditional encryption (AES-256 keyed by a single
    digest of the password): a random 32-byte password needs no slow key derivation,
    and PKCS#8's PBKDF2 would cost more than a handshake. Other keys take PKCS#8.
    """
    encryption = serialization.BestAvailableEncryption(password)
    key_format = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        else serialization.PrivateFormat.PKCS8
    )
    return private_key.private_bytes(serialization.Encoding.PEM, key_format, encryption)


def load_ca_certificates(
    path: Path, field: str = "--client-ca"
) -> tuple[x509.Certificate, ...]:
    """The CA certificates of a bundle (PEM, DER or PKCS#7) for checking a chain."""
    bundle = read_credential_file(
        path, None, field=field, max_bytes=MAX_CA_BUNDLE_BYTES
    )
    if bundle.file_format == "pkcs12":
        raise _unusable(
            path,
            field,
            "is a PKCS#12 file; a CA list must be PEM: openssl pkcs12 -in "
            f"{path} -nokeys -cacerts -out client-ca.pem writes one",
        )
    if not bundle.certificates:
        raise _unusable(path, field, "holds no certificate: give the CA bundle file")
    return bundle.certificates


def check_ca_files(cacert: Path | None, client_ca: Path | None) -> None:
    """Refuse a CA file that cannot be used, naming its option, before any probe."""
    if client_ca is not None:
        load_ca_certificates(client_ca)
    if cacert is None:
        return
    load_ca_certificates(cacert, field="--cacert")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=cacert)
    except (ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", None) or type(error).__name__
        raise InputError(
            "--cacert",
            f"OpenSSL cannot read the CA certificates in {cacert} ('{reason}'): "
            "give them in PEM, e.g. openssl x509 -inform DER -in FILE -out ca.pem",
        ) from None


def inspect_files(
    paths: Sequence[Path],
    password_env: str | None = None,
    client_ca: Path | None = None,
    acceptable_ca_names: Sequence[str] = (),
) -> Inspection:
    """Read every file, find the client certificate and its key among them, and say
    what is right and wrong with them."""
    password = read_password(password_env or "", os.environ)
    trusted_cas = load_ca_certificates(client_ca) if client_ca else None
    files = tuple(read_credential_file(p, password, field=str(p)) for p in paths)

    unreadable = [
        unreadable_key_finding(
            f.key_problem,
            str(f.path),
            password_env,
            _locked_content(f),
            empty_passphrase=password == "",
        )
        for f in files
        if f.key_problem is not None
    ]
    holders = [f for f in files if f.certificates]
    if not holders:
        if any(f.file_format == "pkcs12" for f in files):
            locked = list(unreadable)
            for f in files:
                locked += pkcs12_findings(
                    str(f.path), f.pkcs12_encryption, password_env
                )
            return Inspection(files, None, tuple(locked))
        first = paths[0]
        raise _unusable(
            first,
            str(first),
            "holds no certificate: inspect the certificate together with its key, "
            f"as in: mtls-doctor inspect CERT {first}",
        )

    keys = [(k, f) for f in files for k in f.private_keys]
    all_certificates = [c for f in holders for c in f.certificates]
    private_key, key_file = next(
        ((k, f) for k, f in keys if any(key_matches(c, k) for c in all_certificates)),
        keys[0] if keys else (None, None),
    )
    leaf_position = choose_leaf(all_certificates, private_key)
    leaf = all_certificates[leaf_position]
    cert_file = next(f for f in holders if leaf in f.certificates)
    ordered = [c for c in cert_file.certificates] + [
        c for f in holders if f is not cert_file for c in f.certificates
    ]
    leaf_index = ordered.index(leaf)
    chain = tuple(ordered[:leaf_index] + ordered[leaf_index + 1 :])

    extra = list(unreadable)
    for f in files:
        if f is not cert_file:
            extra += pkcs12_findings(str(f.path), f.pkcs12_encryption, password_env)
    facts = assess_identity(
        leaf,
        chain,
        private_key,
        cert_file=str(cert_file.path),
        key_file=str(key_file.path) if key_file and key_file is not cert_file else None,
        cert_format=cert_file.file_format,
        leaf_index=leaf_index,
        key_encrypted=bool(key_file and key_file.key_encrypted),
        pkcs12_encryption=cert_file.pkcs12_encryption,
        password_env=password_env,
        trusted_cas=trusted_cas,
        trusted_cas_file=str(client_ca) if client_ca else None,
        acceptable_ca_names=acceptable_ca_names,
        extra_findings=extra,
        certificate_files={
            c: str(f.path)
            for f in holders
            if f is not cert_file
            for c in f.certificates
        },
    )
    findings = facts.findings
    if private_key is not None and not any(
        f.severity is Severity.ERROR for f in findings
    ):
        identity = ClientIdentity(
            certificate=leaf,
            chain=chain,
            private_key=private_key,
            cert_path=cert_file.path,
            key_path=None,
            cert_format=cert_file.file_format,
            key_encrypted=False,
            password_env=None,
            pkcs12_legacy=False,
        )
        refusal = _openssl_refusal(identity)
        if refusal:
            findings += (
                CredentialFinding(
                    "client-key-unreadable",
                    Severity.ERROR,
                    f"OpenSSL ({ssl.OPENSSL_VERSION}) refuses to load this certificate "
                    f"and key: '{refusal}'",
                    str(cert_file.path),
                ),
            )
    return Inspection(files, facts, findings)


def read_credential_file(
    path: Path,
    password: str | None,
    *,
    field: str,
    max_bytes: int = MAX_FILE_BYTES,
) -> CredentialFile:
    """Read one certificate, key, PKCS#12 or PKCS#7 file, whatever its name says.

    A key that cannot be decrypted is reported in `key_problem`; a file that is no
    certificate or key file at all raises InputError.
    """
    data = _read_bounded(path, field, max_bytes)
    if b"-----BEGIN " in data:
        return _parse_pem(data, path, password, field)
    if all(byte in _TEXT_BYTES for byte in data[:4096]):
        raise _unusable(
            path,
            field,
            "holds text but no PEM block (-----BEGIN ...-----): check it is the "
            "right file and that its header lines are intact",
        )
    return _parse_der(data, path, password, field)


def _read_bounded(path: Path, field: str, max_bytes: int) -> bytes:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise _unusable(path, field, "does not exist: check the path") from None
    except PermissionError:
        raise _unusable(
            path, field, "cannot be reached (permission denied): check its folders"
        ) from None
    except OSError as error:
        raise _unusable(path, field, f"cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(status.st_mode):
        raise _unusable(
            path, field, "is a folder: give the certificate or key file inside it"
        )
    if not stat.S_ISREG(status.st_mode):
        raise _unusable(
            path, field, "is not a regular file: save its content to a file first"
        )
    if status.st_size > max_bytes:
        raise _too_big(path, field, status.st_size, max_bytes)

    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except PermissionError:
        raise _unusable(
            path,
            field,
            "cannot be read (permission denied): make it readable for this user "
            "(chmod u+r) or run as its owner",
        ) from None
    except OSError as error:
        raise _unusable(path, field, f"cannot be read ({error.strerror})") from None
    if len(data) > max_bytes:
        raise _too_big(path, field, len(data), max_bytes)
    if not data.strip():
        raise _unusable(
            path, field, "is empty: export the certificate or key into it again"
        )
    return data


def _parse_pem(
    data: bytes, path: Path, password: str | None, field: str
) -> CredentialFile:
    certificates: list[x509.Certificate] = []
    keys: list[PrivateKeyTypes] = []
    encrypted = False
    problem: KeyProblem | None = None
    explanations: list[str] = []
    bundled = False

    for match in _PEM_BLOCK.finditer(data):
        label, block = match.group(1), match.group(0)
        if label in _CERTIFICATE_LABELS:
            certificates.append(_pem_certificate(block, path, field))
        elif label in _PKCS7_LABELS:
            bundled = True
            certificates += _pkcs7_certificates(
                pkcs7.load_pem_pkcs7_certificates, block, path, field
            )
        elif label in _KEY_LABELS:
            block_encrypted = (
                label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
            )
            encrypted = encrypted or block_encrypted
            outcome = _load_key(
                serialization.load_pem_private_key, block, password, block_encrypted
            )
            if isinstance(outcome, KeyProblem):
                problem = problem or outcome
            else:
                keys.append(outcome)
        elif label in _EXPLAINED_LABELS:
            explanations.append(_EXPLAINED_LABELS[label])

    if not certificates and not keys and problem is None:
        raise _unusable(
            path,
            field,
            explanations[0]
            if explanations
            else "holds no certificate or private key block: check it is the right "
            "file",
        )
    return CredentialFile(
        path=path,
        file_format="pkcs7" if bundled else "pem",
        certificates=tuple(certificates),
        private_keys=tuple(keys),
        key_encrypted=encrypted,
        key_problem=problem,
    )


def _parse_der(
    data: bytes, path: Path, password: str | None, field: str
) -> CredentialFile:
    if is_pkcs12(data):
        return _parse_pkcs12(data, path, password)
    try:
        certificate = x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    else:
        return CredentialFile(path=path, file_format="der", certificates=(certificate,))
    if is_pkcs7(data):
        return CredentialFile(
            path=path,
            file_format="pkcs7",
            certificates=_pkcs7_certificates(
                pkcs7.load_der_pkcs7_certificates, data, path, field
            ),
        )

    encrypted = is_encrypted_pkcs8(data)
    outcome = _load_key(serialization.load_der_private_key, data, password, encrypted)
    if isinstance(outcome, KeyProblem):
        if not encrypted:
            raise _unusable(
                path,
                field,
                "is not a certificate or key file (neither PEM, DER, PKCS#12 nor "
                "PKCS#7): check it is the right file",
            )
        return CredentialFile(
            path=path, file_format="der", key_encrypted=True, key_problem=outcome
        )
    return CredentialFile(
        path=path, file_format="der", private_keys=(outcome,), key_encrypted=encrypted
    )


def _parse_pkcs12(data: bytes, path: Path, password: str | None) -> CredentialFile:
    algorithms = pkcs12_encryption_algorithms(data)
    attempts: list[bytes | None] = [] if password is None else [password.encode()]
    attempts += [None, b""]
    for secret in attempts:
        try:
            bundle = pkcs12.load_pkcs12(data, secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        certificates = [bundle.cert.certificate] if bundle.cert else []
        certificates += [c.certificate for c in bundle.additional_certs]
        return CredentialFile(
            path=path,
            file_format="pkcs12",
            certificates=tuple(certificates),
            private_keys=(bundle.key,) if bundle.key is not None else (),
            key_encrypted=bool(secret),
            pkcs12_encryption=algorithms,
        )
    problem = (
        KeyProblem.NO_PASSPHRASE if password is None else KeyProblem.WRONG_PASSPHRASE
    )
    return CredentialFile(
        path=path,
        file_format="pkcs12",
        key_encrypted=True,
        key_problem=problem,
        pkcs12_encryption=algorithms,
    )


def _load_key(
    loader: Callable[[bytes, bytes | None], PrivateKeyTypes],
    blob: bytes,
    password: str | None,
    encrypted: bool,
) -> PrivateKeyTypes | KeyProblem:
    if encrypted and not password:
        # cryptography takes an empty passphrase for none at all
        return (
            KeyProblem.NO_PASSPHRASE
            if password is None
            else KeyProblem.WRONG_PASSPHRASE
        )
    secret = password.encode() if encrypted and password is not None else None
    try:
        return loader(blob, secret)
    except TypeError:
        return KeyProblem.NO_PASSPHRASE if secret is None else KeyProblem.UNSUPPORTED
    except UnsupportedAlgorithm:
        return KeyProblem.UNSUPPORTED
    except ValueError:
        return KeyProblem.WRONG_PASSPHRASE if encrypted else KeyProblem.UNSUPPORTED


def _pem_certificate(block: bytes, path: Path, field: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError:
        raise _unusable(
            path, field, "holds a damaged CERTIFICATE block: export it again"
        ) from None


def _pkcs7_certificates(
    loader: Callable[[bytes], list[x509.Certificate]],
    blob: bytes,
    path: Path,
    field: str,
) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(loader(blob))
    except (ValueError, UnsupportedAlgorithm):
        raise _unusable(
            path, field, "holds a damaged or empty PKCS#7 bundle: export it again"
        ) from None


def _openssl_refusal(identity: ClientIdentity) -> str | None:
    """Why OpenSSL would refuse to load the identity, in its own words, if it would."""
    try:
        identity._load_through_private_file(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    except ssl.SSLError as error:
        return _openssl_reason(error)
    return None


def _openssl_reason(error: ssl.SSLError) -> str:
    """OpenSSL's reason as its command line tools print it, like 'ee key too small'."""
    return (error.reason or type(error).__name__).lower().replace("_", " ")


def _locked_content(file: CredentialFile) -> str:
    return "PKCS#12 content" if file.file_format == "pkcs12" else "private key"


def _unreadable(
    field: str,
    file: CredentialFile,
    problem: KeyProblem,
    password: str | None,
    password_env: str | None,
) -> UnreadableKeyError:
    finding = unreadable_key_finding(
        problem,
        str(file.path),
        password_env,
        _locked_content(file),
        empty_passphrase=password == "",
    )
    if problem is not KeyProblem.UNSUPPORTED:
        field = "--password-env"
    return UnreadableKeyError(field, finding)


def _unusable(path: Path, field: str, predicate: str) -> InputError:
    """The error for a file that cannot be used; names the file once."""
    subject = "the file" if field == str(path) else str(path)
    return InputError(field, f"{subject} {predicate}")


def _too_big(path: Path, field: str, size: int, limit: int) -> InputError:
    return _unusable(
        path,
        field,
        f"is {size / 1024 / 1024:.1f} MiB, more than a certificate or key file can "
        f"be (at most {limit // 1024 // 1024} MiB): check it is the right file",
    )
