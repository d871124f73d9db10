"""Fixtures shared by every test tier: test PKI files and a clean environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pki import PkiFiles, make_test_pki

_MACHINE_VARIABLES = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep SSL and proxy settings of the machine out of every test."""
    for name in _MACHINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiFiles:
    """Server and client CAs with certificate files in every format."""
    return make_test_pki(Path(tmp_path_factory.mktemp("pki")))
