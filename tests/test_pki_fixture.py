"""The shared test PKI makes every file it promises."""

from __future__ import annotations

from tests.pki import PkiFiles


def test_pki_fixture_writes_every_file_non_empty(pki: PkiFiles) -> None:
    """Each path the fixture names exists and holds bytes."""
    paths = [v for v in vars(pki).values() if hasattr(v, "is_file") and v != pki.folder]
    assert paths and all(p.is_file() and p.stat().st_size > 0 for p in paths)
