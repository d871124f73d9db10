"""The answers a person gives, checked field by field into a request to run."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna

from knowledge.errors import InputError

if TYPE_CHECKING:
    # imported where a Target or Hop is built: its many frozen dataclasses cost the
    # app's first screen more than the rest of this module
    from knowledge.observations import Hop, Target

DEFAULT_TIMEOUT = 5.0
MIN_TIMEOUT = 0.2
MAX_TIMEOUT = 120.0
VENDORS = (
    "cloudflare",
    "f5",
    "kong",
    "nginx",
    "haproxy",
    "envoy",
    "apache",
    "aws-alb",
    "traefik",
)

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@dataclass
class Answers:
    """What the person has said so far; every field is text as typed."""

    url: str = ""
    sni: str = ""
    no_sni: bool = False
    cert: str = ""
    key: str = ""
    password_env: str = ""
    password: str = field(default="", repr=False)
    cacert: str = ""
    client_ca: str = ""
    hops: list[str] = field(default_factory=list)
    timeout: str = str(DEFAULT_TIMEOUT)
    error_text: str = ""


@dataclass(frozen=True)
class CheckRequest:
    """A complete, validated set of answers, ready to probe."""

    target: Target
    hops: tuple[Hop, ...]
    timeout: float = DEFAULT_TIMEOUT
    cert: Path | None = None
    key: Path | None = None
    password: str | None = field(default=None, repr=False)
    password_env: str | None = None
    cacert: Path | None = None
    client_ca: Path | None = None

    @property
    def probes_with_certificate(self) -> bool:
        return self.cert is not None


def parse_target(url: str, sni: str = "", no_sni: bool = False) -> Target:
    """Read `https://host[:port][/path]`, `host`, `host:port` or an IP literal."""
    text = url.strip()
    if not text:
        raise InputError(
            "URL", "enter a host name or URL, e.g. https://api.example.com"
        )
    if any(c.isspace() for c in text):
        raise InputError("URL", f"{text!r} contains spaces; enter one host name or URL")

    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
    except ValueError:
        raise InputError(
            "URL",
            f"{url.strip()!r} is not a valid URL: an IPv6 address goes in brackets, "
            "e.g. https://[2001:db8::1]:8443/",
        ) from None
    if parts.scheme.lower() != "https":
        raise InputError(
            "URL", f"scheme {parts.scheme!r} is not TLS; use https://{parts.netloc}"
        )
    if not parts.hostname:
        raise InputError(
            "URL", f"{url.strip()!r} names no host; e.g. https://api.example.com:8443/"
        )
    try:
        port = parts.port
    except ValueError:
        raise InputError(
            "URL",
            f"{url.strip()!r} is not a valid URL: its port must be a number from 1 to "
            "65535",
        ) from None
    if parts.username or parts.password:
        raise InputError("URL", "remove the user name and password from the URL")
    if port == 0:
        raise InputError("URL", "port 0 cannot be reached; give a port from 1 to 65535")

    host = _normalize_host(parts.hostname or "", "URL")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"

    server_name = None if no_sni else (parse_sni(sni) if sni.strip() else None)
    if server_name is None and not no_sni and not _is_ip(host):
        server_name = host
    from knowledge.observations import Target

    return Target(host=host, port=port or 443, path=path, sni=server_name)


def parse_sni(value: str) -> str:
    """Check a server name to send: a DNS name, never an IP literal (RFC 6066)."""
    text = value.strip().rstrip(".")
    if _is_ip(text.strip("[]")):
        raise InputError(
            "--sni",
            f"{text} is an IP address; SNI carries names only (or use --no-sni)",
        )
    return _normalize_host(text, "--sni")


def parse_hop(spec: str) -> Hop:
    """Read one `LABEL=HOST:PORT` hop; LABEL may name a vendor."""
    text = spec.strip()
    label, sep, address = text.partition("=")
    if not sep or not address.strip():
        raise InputError(
            "--hop", f"{text!r} is not LABEL=HOST:PORT, e.g. edge=1.2.3.4:443"
        )
    label = label.strip()
    if not label:
        raise InputError(
            "--hop", f"the hop at {address.strip()!r} needs a label, e.g. edge"
        )
    if not _LABEL.match(label):
        raise InputError(
            "--hop", f"label {label!r} may hold only letters, digits, '.', '_' and '-'"
        )
    try:
        parts = urlsplit(f"https://{address.strip()}")
        port = parts.port
    except ValueError:
        raise InputError(
            "--hop",
            f"{address.strip()!r} in hop {label!r} needs a port from 1 to 65535",
        ) from None
    if port == 0:
        raise InputError(
            "--hop", f"hop {label!r}: its port must be a number from 1 to 65535"
        )
    if parts.path or parts.query:
        raise InputError(
            "--hop", f"hop {label!r}: give HOST:PORT only, e.g. 10.0.0.5:8443"
        )
    host = _normalize_host(parts.hostname or "", "--hop")
    vendor = label.lower() if label.lower() in VENDORS else None
    from knowledge.observations import Hop

    return Hop(label=label, host=host, port=port or 443, vendor=vendor)


def parse_timeout(value: str | float) -> float:
    """Read the bound on each network step, in seconds."""
    if isinstance(value, str) and not value.strip():
        raise InputError("--timeout", f"enter the seconds, e.g. {DEFAULT_TIMEOUT:g}")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InputError(
            "--timeout", f"{value!r} is not a number of seconds, e.g. 5"
        ) from None
    if not (MIN_TIMEOUT <= seconds <= MAX_TIMEOUT) or seconds != seconds:
        raise InputError(
            "--timeout",
            f"{value} is out of range; give seconds from {MIN_TIMEOUT:g} to "
            f"{MAX_TIMEOUT:g}",
        )
    return seconds


def existing_file(value: str, field_name: str) -> Path | None:
    """A path that must name a readable file, or None when left empty."""
    text = value.strip()
    if not text:
        return None
    try:
        path = Path(text).expanduser()
        found = path.exists()
    except (OSError, RuntimeError) as error:  # a name too long, an unknown ~user
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(
            field_name, f"{text[:60]} cannot be looked up ({reason}); check the path"
        ) from None
    if not found:
        raise InputError(field_name, f"{text}: no such file; check the path")
    if path.is_dir():
        raise InputError(field_name, f"{text} is a folder; name the file inside it")
    if not os.access(path, os.R_OK):
        raise InputError(field_name, f"{text} cannot be read; check its permissions")
    return path


def read_password(password_env: str, environ: Mapping[str, str]) -> str | None:
    """The passphrase from the named environment variable, never the command line."""
    name = password_env.strip()
    if not name:
        return None
    if not _ENV_NAME.match(name):
        # never echoed: people type the passphrase itself here by mistake
        raise InputError(
            "--password-env",
            "takes the name of an environment variable, never the passphrase "
            "itself: export e.g. CLIENT_KEY_PASS=... and give --password-env "
            "CLIENT_KEY_PASS",
        )
    if name not in environ:
        raise InputError(
            "--password-env",
            f"{name} is not set; export {name}=... before running "
            "(read -s keeps the passphrase out of the shell history)",
        )
    return environ[name]


def build_request(answers: Answers, environ: Mapping[str, str]) -> CheckRequest:
    """Turn answers into a request, or raise InputError naming the first bad field."""
    target = parse_target(answers.url, answers.sni, answers.no_sni)
    hops = tuple(parse_hop(spec) for spec in answers.hops if spec.strip())
    timeout = parse_timeout(answers.timeout)

    cert = existing_file(answers.cert, "--cert")
    key = existing_file(answers.key, "--key")
    if key is not None and cert is None:
        raise InputError("--key", "a key needs its certificate; add --cert FILE")
    password = answers.password or read_password(answers.password_env, environ)

    return CheckRequest(
        target=target,
        hops=hops,
        timeout=timeout,
        cert=cert,
        key=key,
        password=password,
        password_env=answers.password_env.strip() or None,
        cacert=existing_file(answers.cacert, "--cacert"),
        client_ca=existing_file(answers.client_ca, "--client-ca"),
    )


def field_errors(answers: Answers, environ: Mapping[str, str]) -> dict[str, str]:
    """Every field's problem at once, keyed by Answers field, for inline messages."""
    checks = {
        "url": lambda: parse_target(answers.url),
        "sni": lambda: answers.sni.strip() and parse_sni(answers.sni),
        "hops": lambda: [parse_hop(s) for s in answers.hops if s.strip()],
        "timeout": lambda: parse_timeout(answers.timeout),
        "cert": lambda: existing_file(answers.cert, "--cert"),
        "key": lambda: existing_file(answers.key, "--key"),
        "password_env": lambda: read_password(answers.password_env, environ),
        "cacert": lambda: existing_file(answers.cacert, "--cacert"),
        "client_ca": lambda: existing_file(answers.client_ca, "--client-ca"),
    }
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except InputError as error:
            errors[name] = error.message
    if "key" not in errors and answers.key.strip() and not answers.cert.strip():
        errors["key"] = "--key: a key needs its certificate; add --cert FILE"
    return errors


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _normalize_host(host: str, field_name: str) -> str:
    """An IP literal as is, or a host name in its ASCII (IDNA) form, lower case."""
    text = host.strip().strip("[]").rstrip(".")
    if not text:
        raise InputError(field_name, "the host name is missing")
    if _is_ip(text):
        return str(ipaddress.ip_address(text))
    if len(text) > 253:
        raise InputError(field_name, f"host name {text[:40]}... is over 253 characters")
    ascii_name = text.lower()
    if not ascii_name.isascii():
        try:
            ascii_name = idna.encode(text, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise InputError(
                field_name, f"{text!r} is not a valid host name; check its spelling"
            ) from None
    if not all(_DNS_LABEL.match(label) for label in ascii_name.split(".")):
        raise InputError(
            field_name, f"{text!r} is not a valid host name; check its spelling"
        )
    if ascii_name.rpartition(".")[2].isdigit():
        # getaddrinfo would read "1.2.3" as the address 1.2.0.3 and dial it
        raise InputError(
            field_name,
            f"{text!r} is neither an IP address nor a host name; check its digits",
        )
    if "xn--" in ascii_name:
        try:
            idna.decode(ascii_name)
        except idna.IDNAError:
            raise InputError(
                field_name, f"{text!r} holds a broken IDN label (xn--...); check it"
            ) from None
    return ascii_name


def path_hops(request: CheckRequest) -> tuple[Hop, ...]:
    """The hops to probe: those given, or the target itself as one direct hop."""
    if request.hops:
        return request.hops
    target = request.target
    from knowledge.observations import DIRECT_LABEL, Hop

    return (Hop(label=DIRECT_LABEL, host=target.host, port=target.port),)
