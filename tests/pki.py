"""Throwaway certificate authorities and files for the tests, made with trustme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

P12_PASSWORD = "correct horse battery staple"
KEY_PASSWORD = "tr0ub4dor&3"


@dataclass(frozen=True)
class PkiFiles:
    """Paths of every file a test may hand to a server or to mtls-doctor."""

    folder: Path
    server_ca: Path
    server_cert: Path
    server_key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path
    client_combined: Path
    client_der: Path
    client_key_der: Path
    client_key_encrypted: Path
    client_p12: Path
    other_ca: Path
    untrusted_client_cert: Path
    untrusted_client_key: Path
    server_ca_obj: trustme.CA
    client_ca_obj: trustme.CA


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_test_pki(folder: Path) -> PkiFiles:
    """Make a server CA, a client CA, a stranger CA and files of every format."""
    server_ca = trustme.CA(organization_name="mtls-doctor test server CA")
    client_ca = trustme.CA(organization_name="mtls-doctor test client CA")
    other_ca = trustme.CA(organization_name="mtls-doctor stranger CA")

    server = server_ca.issue_cert("localhost", "127.0.0.1", "::1")
    client = client_ca.issue_cert("client.test", common_name="test client")
    stranger = other_ca.issue_cert("stranger.test", common_name="stranger")

    client_key = serialization.load_pem_private_key(
        client.private_key_pem.bytes(), password=None
    )
    from cryptography import x509

    client_cert = x509.load_pem_x509_certificate(client.cert_chain_pems[0].bytes())

    f = folder
    return PkiFiles(
        folder=f,
        server_ca=_write(f / "server-ca.pem", server_ca.cert_pem.bytes()),
        server_cert=_write(
            f / "server.pem", b"".join(p.bytes() for p in server.cert_chain_pems)
        ),
        server_key=_write(f / "server.key", server.private_key_pem.bytes()),
        client_ca=_write(f / "client-ca.pem", client_ca.cert_pem.bytes()),
        client_cert=_write(f / "client.pem", client.cert_chain_pems[0].bytes()),
        client_key=_write(f / "client.key", client.private_key_pem.bytes()),
        client_combined=_write(
            f / "client-combined.pem",
            client.cert_chain_pems[0].bytes() + client.private_key_pem.bytes(),
        ),
        client_der=_write(
            f / "client.der", client_cert.public_bytes(serialization.Encoding.DER)
        ),
        client_key_der=_write(
            f / "client-key.der",
            client_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        ),
        client_key_encrypted=_write(
            f / "client-encrypted.key",
            client_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(KEY_PASSWORD.encode()),
            ),
        ),
        client_p12=_write(
            f / "client.p12",
            pkcs12.serialize_key_and_certificates(
                b"test client",
                client_key,  # type: ignore[arg-type]
                client_cert,
                None,
                serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
            ),
        ),
        other_ca=_write(f / "other-ca.pem", other_ca.cert_pem.bytes()),
        untrusted_client_cert=_write(
            f / "stranger.pem", stranger.cert_chain_pems[0].bytes()
        ),
        untrusted_client_key=_write(
            f / "stranger.key", stranger.private_key_pem.bytes()
        ),
        server_ca_obj=server_ca,
        client_ca_obj=client_ca,
    )
