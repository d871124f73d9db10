"""Fixtures for path tests: edge and origin certificates for a public name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pki import PkiFiles
from tests.topology.path_pki import PathPki, make_path_pki


@pytest.fixture(scope="session")
def path_pki(pki: PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> PathPki:
    """Edge and origin certificates valid for the public name, each its own key."""
    return make_path_pki(pki, Path(tmp_path_factory.mktemp("path-pki")))
