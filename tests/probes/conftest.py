"""Helpers for the probe tests: a PEM client identity and loopback probe settings."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.observations import Hop, HopObservation
from tests.pki import PkiFiles
from wizards.probe import ProbeSettings, probe_hop


@dataclass(frozen=True)
class PemIdentity:
    """A client certificate and key in PEM files, loaded the plain way."""

    cert: Path
    key: Path

    def load_into(self, context: ssl.SSLContext) -> None:
        context.load_cert_chain(self.cert, self.key)


def loopback_settings(
    pki: PkiFiles,
    port: int,
    timeout: float = 2.0,
    server_name: str | None = "localhost",
    verify_name: str | None = "localhost",
    cacert: Path | None = None,
) -> ProbeSettings:
    """Settings to probe localhost:port, trusting the test server CA."""
    return ProbeSettings(
        server_name=server_name,
        host_header=f"localhost:{port}",
        path="/",
        timeout=timeout,
        cacert=cacert or pki.server_ca,
        verify_name=verify_name,
    )


def probe_localhost(
    pki: PkiFiles,
    port: int,
    identity: PemIdentity | None,
    host: str = "localhost",
    **settings: object,
) -> HopObservation:
    """Probe a loopback server on port with the test CA and optional identity."""
    return probe_hop(
        Hop(label="origin", host=host, port=port),
        loopback_settings(pki, port, **settings),  # type: ignore[arg-type]
        identity,
    )


@pytest.fixture(scope="session")
def client_identity(pki: PkiFiles) -> PemIdentity:
    """The client certificate the test servers trust."""
    return PemIdentity(pki.client_cert, pki.client_key)


@pytest.fixture(scope="session")
def stranger_identity(pki: PkiFiles) -> PemIdentity:
    """A client certificate from a CA no test server trusts."""
    return PemIdentity(pki.untrusted_client_cert, pki.untrusted_client_key)
