"""nginx on loopback with a configuration written into a test's folder."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.pki import PkiFiles
from tests.servers.real import RunningServer, require_binary, running_server

_MAIN = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{servers}
}}
"""

_SERVER = """\
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
{client_auth}
        location / {{
{location}
        }}
    }}
"""

_ANSWER = """\
            default_type text/plain;
            return 200 "hello from nginx, client verify: $ssl_client_verify\\n";"""


def client_auth_lines(
    verify_client: str, advertised: Path | None = None, trusted: Path | None = None
) -> str:
    """The ssl_verify_client lines: the mode, the CAs whose names are sent
    (`ssl_client_certificate`) and those trusted without being named
    (`ssl_trusted_certificate`).

    nginx 1.22 refuses `on` and `optional` without `ssl_client_certificate`.
    """
    lines = [f"        ssl_verify_client {verify_client};"]
    if advertised:
        lines.append(f"        ssl_client_certificate {advertised};")
    if trusted:
        lines.append(f"        ssl_trusted_certificate {trusted};")
    return "\n".join(lines)


def server_block(
    port: int,
    pki: PkiFiles,
    client_auth: str = "",
    location: str = _ANSWER,
    protocols: str = "TLSv1.2 TLSv1.3",
    certificate: tuple[Path, Path] | None = None,
) -> str:
    """One TLS server block on 127.0.0.1:port; `certificate` (cert, key) replaces
    the shared server certificate."""
    cert, key = certificate or (pki.server_cert, pki.server_key)
    return _SERVER.format(
        port=port,
        cert=cert,
        key=key,
        client_auth=client_auth,
        location=location,
        protocols=protocols,
    )


def proxy_location(origin_port: int, pki: PkiFiles) -> str:
    """A location ending TLS and opening new TLS to an origin, without a client cert."""
    return (
        f"            proxy_pass https://127.0.0.1:{origin_port};\n"
        "            proxy_ssl_server_name on;\n"
        "            proxy_ssl_name localhost;\n"
        "            proxy_ssl_verify on;\n"
        f"            proxy_ssl_trusted_certificate {pki.server_ca};"
    )


@contextmanager
def running_nginx(
    folder: Path,
    servers_for_ports: Callable[[Sequence[int]], str],
    port_count: int = 1,
) -> Iterator[tuple[RunningServer, tuple[int, ...]]]:
    """Run nginx with the server blocks made for free ports; stop it with QUIT."""
    binary = require_binary("nginx")
    folder.mkdir(parents=True, exist_ok=True)

    def command(ports: Sequence[int]) -> list[str]:
        config = folder / "nginx.conf"
        text = _MAIN.format(folder=folder, servers=servers_for_ports(ports))
        config.write_text(text)
        return [
            binary,
            "-p",
            str(folder),
            "-e",
            str(folder / "error.log"),
            "-c",
            str(config),
        ]

    with running_server(
        "nginx", folder, command, port_count=port_count, stop_signal=signal.SIGQUIT
    ) as started:
        yield started
