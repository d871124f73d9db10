"""Configuration snippets: the values they are filled with and their rendering."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from knowledge.curl import reexport_pkcs12_command, reexported_pkcs12_path

if TYPE_CHECKING:
    import jinja2


REEXPORT_PASSWORD_VARIABLE = "P12_PASS"
"""The variable the legacy PKCS#12 re-export snippet reads the passphrase from."""


@dataclass(frozen=True)
class SnippetContext:
    """The person's names and files that fill a snippet or a step."""

    host: str
    port: int = 443
    sni: str | None = None
    client_ca_file: str = "/etc/ssl/mtls/client-ca.pem"
    cert_file: str = "client.crt"
    key_file: str = "client.key"
    server_ca_file: str | None = None  # the CA bundle the servers are verified with
    upstream: str = "UPSTREAM_HOST:8080"  # what the hop proxies to, where unknown
    hop: str = "origin"

    @property
    def server_name(self) -> str:
        """The name clients send and the policy should be bound to."""
        return self.sni or self.host

    @property
    def address(self) -> str:
        """host:port of the hop itself, an IPv6 host in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def upstream_host(self) -> str:
        """The host part of `upstream`, without IPv6 brackets."""
        host, _, _ = self.upstream.rpartition(":")
        return host.strip("[]") or self.upstream

    @property
    def upstream_port(self) -> int:
        """The port part of `upstream`; 443 when it names none."""
        _, _, port = self.upstream.rpartition(":")
        return int(port) if port.isdigit() else 443

    def variables(self) -> dict[str, object]:
        """Every template variable, by name."""
        return {
            **asdict(self),
            "server_name": self.server_name,
            "address": self.address,
            "upstream_host": self.upstream_host,
            "upstream_port": self.upstream_port,
            "reexported_cert_file": shlex.quote(
                str(reexported_pkcs12_path(PurePath(self.cert_file)))
            ),
            "reexport_command": reexport_pkcs12_command(
                PurePath(self.cert_file), REEXPORT_PASSWORD_VARIABLE
            ),
        }


@cache
def _environment() -> jinja2.Environment:
    # jinja2 is imported here so that loading the catalogue stays cheap.
    import jinja2

    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _compiled(template: str) -> jinja2.Template:
    return _environment().from_string(template)


def render(template: str, context: SnippetContext) -> str:
    """Fill a Jinja2 template with the context; an unknown variable is an error."""
    return _compiled(template).render(context.variables()).strip("\n")
