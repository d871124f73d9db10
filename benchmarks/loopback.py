"""Certificates made with trustme and loopback TLS servers started for the benchmark."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

_SERVER_SCRIPT = Path(__file__).with_name("tls_server.py")


@dataclass(frozen=True)
class PkiFiles:
    """The files a server, mtls-doctor, curl and openssl are given."""

    server_ca: Path
    server_cert: Path
    server_key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path


def make_pki(folder: Path) -> PkiFiles:
    """A server CA and certificate for 127.0.0.1, a client CA and client certificate."""
    server_ca = trustme.CA(organization_name="benchmark server CA")
    client_ca = trustme.CA(organization_name="benchmark client CA")
    server = server_ca.issue_cert("localhost", "127.0.0.1")
    client = client_ca.issue_cert("client.test", common_name="benchmark client")

    files = PkiFiles(
        server_ca=folder / "server-ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        client_ca=folder / "client-ca.pem",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
    )
    server_ca.cert_pem.write_to_path(str(files.server_ca))
    files.server_cert.write_bytes(b"".join(p.bytes() for p in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(files.server_key))
    client_ca.cert_pem.write_to_path(str(files.client_ca))
    client.cert_chain_pems[0].write_to_path(str(files.client_cert))
    client.private_key_pem.write_to_path(str(files.client_key))
    return files


@contextmanager
def tls_servers(pki: PkiFiles, count: int) -> Iterator[list[int]]:
    """Run `count` TLS 1.3 servers requiring a client certificate; yield their ports."""
    server = subprocess.Popen(
        [
            sys.executable,
            str(_SERVER_SCRIPT),
            str(pki.server_cert),
            str(pki.server_key),
            str(pki.client_ca),
            str(count),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield [int(port) for port in server.stdout.readline().split()]
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
