"""Apache httpd on loopback with a configuration in a folder www-data can read."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.pki import PkiFiles
from tests.servers.real import RunningServer, require_binary, running_server

_MODULES = (
    "mpm_event",
    "authz_core",
    "mime",
    "dir",
    "socache_shmcb",
    "ssl",
    "http2",
)

_CONFIG = """\
ServerRoot /etc/apache2
{load_modules}
ServerName localhost
User www-data
Group www-data
PidFile {folder}/httpd.pid
DefaultRuntimeDir {folder}/run
Mutex file:{folder}/run default
ErrorLog {folder}/error.log
LogLevel warn ssl:info
TypesConfig /etc/mime.types
DirectoryIndex index.html
SSLSessionCache shmcb:{folder}/run/ssl_scache(512000)
Listen 127.0.0.1:{port}
Protocols {protocols}

<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
    DocumentRoot {folder}/htdocs
    SSLEngine on
    SSLCertificateFile {folder}/server.pem
    SSLCertificateKeyFile {folder}/server.key
    SSLCACertificateFile {folder}/client-ca.pem
    SSLProtocol {ssl_protocol}
{vhost_client_auth}
    <Directory {folder}/htdocs>
        Require all granted
    </Directory>
    <Location /secure>
{location_client_auth}
    </Location>
</VirtualHost>
"""


@contextmanager
def running_apache(
    pki: PkiFiles,
    vhost_client_auth: str = "",
    location_client_auth: str = "",
    tls_version: str = "TLSv1.3",
    protocols: str = "http/1.1",
) -> Iterator[RunningServer]:
    """Run `apache2 -DFOREGROUND` serving / and /secure/; stop it with TERM.

    The folder is made outside pytest's private tmp tree because Apache's children
    run as www-data and must read the documents.
    """
    binary = require_binary("apache2")
    folder = Path(tempfile.mkdtemp(prefix="mtls-doctor-apache-"))
    try:
        _prepare_folder(folder, pki)

        def command(ports: Sequence[int]) -> list[str]:
            config = folder / "apache2.conf"
            config.write_text(
                _CONFIG.format(
                    load_modules=_load_modules(),
                    folder=folder,
                    port=ports[0],
                    protocols=protocols,
                    ssl_protocol=f"-all +{tls_version}",
                    vhost_client_auth=vhost_client_auth,
                    location_client_auth=location_client_auth,
                )
            )
            return [binary, "-DFOREGROUND", "-f", str(config)]

        with running_server("apache2", folder, command) as (server, _ports):
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load_modules() -> str:
    return "\n".join(
        f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so"
        for name in _MODULES
    )


def _prepare_folder(folder: Path, pki: PkiFiles) -> None:
    folder.chmod(0o755)
    (folder / "run").mkdir()
    for name in ("htdocs", "htdocs/secure"):
        (folder / name).mkdir()
        (folder / name / "index.html").write_text(f"hello from apache {name}\n")
    shutil.copy(pki.server_cert, folder / "server.pem")
    shutil.copy(pki.server_key, folder / "server.key")
    shutil.copy(pki.client_ca, folder / "client-ca.pem")
    (folder / "server.key").chmod(0o600)
