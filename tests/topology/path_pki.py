"""Edge and origin certificates for a public name that need not resolve."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.pki import PkiFiles

PUBLIC_NAME = "api.mtls-doctor.test"
OTHER_NAME = "other.mtls-doctor.test"


@dataclass(frozen=True)
class ServerFiles:
    """A server certificate chain and its key, issued by the test server CA."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class PathPki:
    """The shared test PKI plus distinct edge and origin certificates."""

    pki: PkiFiles
    edge: ServerFiles
    origin: ServerFiles


def _issue(pki: PkiFiles, folder: Path, name: str) -> ServerFiles:
    issued = pki.server_ca_obj.issue_cert(
        PUBLIC_NAME, OTHER_NAME, "localhost", "127.0.0.1", common_name=name
    )
    cert = folder / f"{name}.pem"
    key = folder / f"{name}.key"
    cert.write_bytes(b"".join(pem.bytes() for pem in issued.cert_chain_pems))
    key.write_bytes(issued.private_key_pem.bytes())
    return ServerFiles(cert, key)


def make_path_pki(pki: PkiFiles, folder: Path) -> PathPki:
    """Edge and origin certificates valid for both test names, each with its own key."""
    return PathPki(pki, _issue(pki, folder, "edge"), _issue(pki, folder, "origin"))
