"""`openssl s_server` on loopback, in the client-authentication modes of its flags."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.pki import PkiFiles
from tests.servers.real import RunningServer, require_binary, running_server


@contextmanager
def running_s_server(
    folder: Path, pki: PkiFiles, flags: Sequence[str], tls_version: str = "-tls1_3"
) -> Iterator[RunningServer]:
    """Run `openssl s_server -www` with extra flags (-Verify 1, -CAfile ...)."""
    binary = require_binary("openssl")
    folder.mkdir(parents=True, exist_ok=True)

    def command(ports: Sequence[int]) -> list[str]:
        return [
            binary,
            "s_server",
            "-accept",
            f"127.0.0.1:{ports[0]}",
            "-cert",
            str(pki.server_cert),
            "-key",
            str(pki.server_key),
            "-www",
            tls_version,
            *flags,
        ]

    with running_server("openssl", folder, command) as (server, _ports):
        yield server
