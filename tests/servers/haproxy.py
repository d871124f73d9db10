"""HAProxy on loopback with a configuration written into a test's folder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.pki import PkiFiles
from tests.servers.real import RunningServer, require_binary, running_server

_CONFIG = """\
global
    log stderr format raw local0 info

defaults
    mode http
    log global
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend mtls
    bind 127.0.0.1:{port} ssl crt {combined} {bind_options}
    http-request return status 200 content-type text/plain string "hello from haproxy"
"""


def bind_options(
    verify: str,
    pki: PkiFiles,
    tls_version: str = "TLSv1.3",
    ca_option: str | None = "ca-file",
) -> str:
    """The `bind` options: verify mode, CA option (ca-file names are sent,
    ca-verify-file ones are not) and one TLS version only."""
    options = [f"verify {verify}"]
    if ca_option:
        options.append(f"{ca_option} {pki.client_ca}")
    options.append(f"ssl-min-ver {tls_version} ssl-max-ver {tls_version}")
    return " ".join(options)


@contextmanager
def running_haproxy(
    folder: Path, pki: PkiFiles, options: str
) -> Iterator[RunningServer]:
    """Run `haproxy -db` with one TLS frontend answering 200; stop it with TERM."""
    binary = require_binary("haproxy")
    folder.mkdir(parents=True, exist_ok=True)
    combined = folder / "server-combined.pem"
    combined.write_bytes(pki.server_cert.read_bytes() + pki.server_key.read_bytes())

    def command(ports: Sequence[int]) -> list[str]:
        config = folder / "haproxy.cfg"
        text = _CONFIG.format(port=ports[0], combined=combined, bind_options=options)
        config.write_text(text)
        return [binary, "-db", "-f", str(config)]

    with running_server("haproxy", folder, command) as (server, _ports):
        yield server
