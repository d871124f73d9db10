"""Certificate and key files with every format and every flaw, made for the tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles

LEGACY_PASSWORD = "old-export-passphrase"

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL
PLAIN = serialization.NoEncryption()


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes


@dataclass(frozen=True)
class CredentialFiles:
    """Paths of the files each test hands to inspect or to load_client_identity."""

    root_ca: Path
    chain_leaf: Path
    chain_leaf_only: Path
    chain_key: Path
    chain_leaf_and_root: Path
    chain_wrong_order: Path
    chain_swapped: Path
    chain_impostor: Path
    chain_pkcs7_pem: Path
    chain_pkcs7_der: Path
    expired: Path
    not_yet_valid: Path
    expires_soon: Path
    server_only: Path
    no_digital_signature: Path
    ca_as_client: Path
    small_rsa: Path
    ed25519: Path
    rsa_traditional: Path
    rsa_proc_type_key: Path
    ec_traditional_key: Path
    key_then_cert: Path
    encrypted_der_key: Path
    legacy_p12: Path
    triple_des_p12: Path
    sha1_signed: Path
    empty: Path
    blank: Path
    garbage: Path
    text: Path
    csr: Path
    huge: Path
    folder: Path
    missing: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, "mtls-doctor credential tests"
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    common_name: str,
    issuer: Issued | None = None,
    *,
    key: CertificateIssuerPrivateKeyTypes | None = None,
    issuer_name: x509.Name | None = None,
    ca: bool = False,
    usages: tuple[x509.ObjectIdentifier, ...] | None = (
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ),
    digital_signature: bool = True,
    starts: dt.timedelta = dt.timedelta(days=-1),
    lasts: dt.timedelta = dt.timedelta(days=365),
) -> Issued:
    """A certificate made with cryptography; self-signed when no issuer is given."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(
            issuer_name
            or (issuer.certificate.subject if issuer else _name(common_name))
        )
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + starts)
        .not_valid_after(now + starts + lasts)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=False,
                key_encipherment=not digital_signature,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if usages is not None and not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(usages)), critical=False
        )
    algorithm = (
        None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    )
    return Issued(builder.sign(signer, algorithm), key)


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(PEM) for c in certificates)


def _key_pem(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    return key.private_bytes(PEM, PKCS8, PLAIN)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _openssl(*arguments: str, password: str) -> None:
    subprocess.run(
        ["openssl", *arguments],
        check=True,
        capture_output=True,
        env={**os.environ, "MTLS_DOCTOR_TEST_PASSWORD": password},
    )


def make_credential_files(folder: Path, pki: PkiFiles) -> CredentialFiles:
    """Write every good and flawed file into the folder."""
    root = _issue("credential test root", ca=True, lasts=dt.timedelta(days=3650))
    intermediate = _issue("credential test intermediate", root, ca=True)
    second = _issue("credential test second intermediate", intermediate, ca=True)
    leaf = _issue("chain client", intermediate)
    deep_leaf = _issue("deep client", second)
    impostor = _issue("credential test intermediate", root, ca=True)

    f = folder
    leaf_file = f / "chain-leaf.pem"
    _write(leaf_file, _pem(leaf.certificate, intermediate.certificate))
    deep_key = _write(f / "deep.key", _key_pem(deep_leaf.key))
    chain_key = _write(f / "chain.key", _key_pem(leaf.key))

    ca_as_client = _issue("a CA used as client", ca=True)
    small = _issue("small rsa", pki_ca(pki), key=rsa.generate_private_key(65537, 1024))
    edwards = _issue(
        "edwards client", pki_ca(pki), key=ed25519.Ed25519PrivateKey.generate()
    )
    rsa_client = _issue(
        "rsa client", pki_ca(pki), key=rsa.generate_private_key(65537, 2048)
    )
    ec_client = _issue("ec client", pki_ca(pki))

    rsa_plain_key = _write(f / "rsa-plain.key", _key_pem(rsa_client.key))
    rsa_proc_type = f / "rsa-proc-type.key"
    _openssl(
        "rsa", "-in", str(rsa_plain_key), "-aes128", "-traditional",
        "-passout", "env:MTLS_DOCTOR_TEST_PASSWORD", "-out", str(rsa_proc_type),
        password=KEY_PASSWORD,
    )  # fmt: skip
    legacy_p12 = f / "legacy.p12"
    triple_des_p12 = f / "triple-des.p12"
    rsa_cert = _write(f / "rsa.pem", _pem(rsa_client.certificate))
    _openssl(
        "pkcs12", "-export", "-legacy", "-in", str(rsa_cert), "-inkey",
        str(rsa_plain_key), "-out", str(legacy_p12),
        "-passout", "env:MTLS_DOCTOR_TEST_PASSWORD",
        password=LEGACY_PASSWORD,
    )  # fmt: skip
    _openssl(
        "pkcs12", "-export", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES",
        "-in", str(rsa_cert), "-inkey", str(rsa_plain_key), "-out", str(triple_des_p12),
        "-passout", "env:MTLS_DOCTOR_TEST_PASSWORD",
        password=LEGACY_PASSWORD,
    )  # fmt: skip

    sha1_signed = _sha1_signed(f, pki)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name("a request"))
        .sign(ec_client.key, hashes.SHA256())
    )
    huge = f / "huge.pem"
    with huge.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    (f / "a-folder").mkdir()

    return CredentialFiles(
        root_ca=_write(f / "root-ca.pem", _pem(root.certificate)),
        chain_leaf=leaf_file,
        chain_leaf_only=_write(f / "chain-leaf-only.pem", _pem(leaf.certificate)),
        chain_key=chain_key,
        chain_leaf_and_root=_write(
            f / "chain-leaf-and-root.pem", _pem(leaf.certificate, root.certificate)
        ),
        chain_wrong_order=_write(
            f / "chain-wrong-order.pem",
            _pem(intermediate.certificate, leaf.certificate) + _key_pem(leaf.key),
        ),
        chain_swapped=_write(
            f / "chain-swapped.pem",
            _pem(deep_leaf.certificate, intermediate.certificate, second.certificate)
            + deep_key.read_bytes(),
        ),
        chain_impostor=_write(
            f / "chain-impostor.pem",
            _pem(leaf.certificate, impostor.certificate) + _key_pem(leaf.key),
        ),
        chain_pkcs7_pem=_write(
            f / "chain.p7b",
            pkcs7.serialize_certificates(
                [leaf.certificate, intermediate.certificate], PEM
            ),
        ),
        chain_pkcs7_der=_write(
            f / "chain-der.p7b",
            pkcs7.serialize_certificates(
                [leaf.certificate, intermediate.certificate], DER
            ),
        ),
        expired=_flawed(f, "expired", pki, starts=dt.timedelta(days=-400)),
        not_yet_valid=_flawed(f, "not-yet-valid", pki, starts=dt.timedelta(days=3)),
        expires_soon=_flawed(
            f,
            "expires-soon",
            pki,
            starts=dt.timedelta(days=-355),
            lasts=dt.timedelta(days=365),
        ),
        server_only=_flawed(
            f, "server-only", pki, usages=(ExtendedKeyUsageOID.SERVER_AUTH,)
        ),
        no_digital_signature=_flawed(
            f, "no-digital-signature", pki, digital_signature=False
        ),
        ca_as_client=_write(
            f / "ca-as-client.pem",
            _pem(ca_as_client.certificate) + _key_pem(ca_as_client.key),
        ),
        small_rsa=_write(
            f / "small-rsa.pem", _pem(small.certificate) + _key_pem(small.key)
        ),
        ed25519=_write(
            f / "ed25519.pem", _pem(edwards.certificate) + _key_pem(edwards.key)
        ),
        rsa_traditional=rsa_cert,
        rsa_proc_type_key=rsa_proc_type,
        ec_traditional_key=_write(
            f / "ec-traditional.pem",
            _pem(ec_client.certificate)
            + ec_client.key.private_bytes(PEM, TRADITIONAL, PLAIN),
        ),
        key_then_cert=_write(
            f / "key-then-cert.pem",
            b"Bag Attributes\n    friendlyName: test\n"
            + _key_pem(ec_client.key)
            + _pem(ec_client.certificate),
        ),
        encrypted_der_key=_write(
            f / "encrypted.der",
            ec_client.key.private_bytes(
                DER, PKCS8, serialization.BestAvailableEncryption(KEY_PASSWORD.encode())
            ),
        ),
        legacy_p12=legacy_p12,
        triple_des_p12=triple_des_p12,
        sha1_signed=sha1_signed,
        empty=_write(f / "empty.pem", b""),
        blank=_write(f / "blank.pem", b"\n  \n"),
        garbage=_write(f / "garbage.bin", bytes(range(256)) * 8),
        text=_write(f / "notes.txt", b"my client certificate is in the other folder\n"),
        csr=_write(f / "request.csr", csr.public_bytes(PEM)),
        huge=huge,
        folder=f / "a-folder",
        missing=f / "no-such-file.pem",
    )


def _sha1_signed(folder: Path, pki: PkiFiles) -> Path:
    """A certificate signed with SHA-1, which cryptography refuses to make."""
    ca_key = _write(folder / "client-ca.key", pki.client_ca_obj.private_key_pem.bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = _write(folder / "sha1.key", _key_pem(key))
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name("sha1 client"))
        .sign(key, hashes.SHA256())
    )
    request_file = _write(folder / "sha1.csr", request.public_bytes(PEM))
    certificate = folder / "sha1-cert.pem"
    _openssl(
        "x509", "-req", "-sha1", "-days", "30", "-in", str(request_file),
        "-CA", str(pki.client_ca), "-CAkey", str(ca_key), "-out", str(certificate),
        password="",
    )  # fmt: skip
    return _write(folder / "sha1.pem", certificate.read_bytes() + key_file.read_bytes())


def pki_ca(pki: PkiFiles) -> Issued:
    """The shared test client CA as a certificate and key cryptography signs with."""
    ca = pki.client_ca_obj
    return Issued(
        x509.load_pem_x509_certificate(ca.cert_pem.bytes()),
        serialization.load_pem_private_key(ca.private_key_pem.bytes(), None),  # type: ignore[arg-type]
    )


def _flawed(folder: Path, name: str, pki: PkiFiles, **flaw: object) -> Path:
    """A combined PEM of a certificate from the shared client CA with one flaw."""
    issued = _issue(name, pki_ca(pki), **flaw)  # type: ignore[arg-type]
    return _write(
        folder / f"{name}.pem", _pem(issued.certificate) + _key_pem(issued.key)
    )


@pytest.fixture(scope="session")
def creds(pki: PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> CredentialFiles:
    """Every good and flawed certificate file the credential tests use."""
    return make_credential_files(Path(tmp_path_factory.mktemp("credentials")), pki)


@pytest.fixture
def key_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The variable MTLS_TEST_KEY_PASSWORD holds the encrypted key's passphrase."""
    monkeypatch.setenv("MTLS_TEST_KEY_PASSWORD", KEY_PASSWORD)
    return "MTLS_TEST_KEY_PASSWORD"


@pytest.fixture
def p12_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The variable MTLS_TEST_P12_PASSWORD holds the PKCS#12 file's passphrase."""
    monkeypatch.setenv("MTLS_TEST_P12_PASSWORD", P12_PASSWORD)
    return "MTLS_TEST_P12_PASSWORD"


@pytest.fixture
def legacy_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The variable MTLS_TEST_LEGACY_PASSWORD holds the legacy PKCS#12 passphrase."""
    monkeypatch.setenv("MTLS_TEST_LEGACY_PASSWORD", LEGACY_PASSWORD)
    return "MTLS_TEST_LEGACY_PASSWORD"
