"""The curl command that reproduces a check: client certificate, CA bundle, address."""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Protocol

from knowledge.errors import InputError
from knowledge.observations import Target

CERT_TYPES = ("PEM", "DER", "P12")
"""The values curl's `--cert-type` takes that mtls-doctor can produce."""

KEY_TYPES = ("PEM", "DER")
"""The values curl's `--key-type` takes that mtls-doctor can produce."""

TYPED_PASSPHRASE_VARIABLE = "MTLS_DOCTOR_PASS"
"""The variable the curl command reads a typed (not named) passphrase from."""

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GLOB_CHARACTERS = frozenset("[]{}")
_FORMAT_TO_CERT_TYPE = {"pem": "PEM", "der": "DER", "pkcs12": "P12", "p12": "P12"}


class IdentityFiles(Protocol):
    """The parts of a loaded client identity the command needs (no key material)."""

    @property
    def cert_path(self) -> Path: ...
    @property
    def key_path(self) -> Path | None: ...
    @property
    def cert_format(self) -> str: ...
    @property
    def leaf_index(self) -> int: ...


@dataclass(frozen=True)
class CurlInputs:
    """Everything a curl command is built from; a passphrase only by variable name."""

    host: str
    port: int = 443
    path: str = "/"
    server_name: str | None = None
    send_sni: bool = True
    connect_host: str | None = None
    connect_port: int | None = None
    resolve_address: str | None = None
    cert_path: PurePath | None = None
    cert_type: str = "PEM"
    key_path: PurePath | None = None
    key_type: str = "PEM"
    password_env: str | None = None
    passphrase_typed: bool = False
    cacert: PurePath | None = None
    server_untrusted: bool = False
    pkcs12_legacy: bool = False
    pkcs7: bool = False
    leaf_index: int = 0  # where the client certificate stands in its PEM file
    notes: tuple[str, ...] = ()

    @classmethod
    def from_check(
        cls,
        target: Target,
        connect_host: str | None = None,
        connect_port: int | None = None,
        identity: IdentityFiles | None = None,
        password_env: str | None = None,
        cacert: PurePath | None = None,
        server_untrusted: bool = False,
        resolve_address: str | None = None,
        passphrase_typed: bool = False,
    ) -> CurlInputs:
        """The inputs for a target reached through its first hop with an identity.

        A passphrase typed into the app has no variable: the command then reads it
        from TYPED_PASSPHRASE_VARIABLE, which the person sets before running it."""
        cert_type, key_type, legacy, pkcs7 = "PEM", "PEM", False, False
        cert_path = key_path = None
        leaf_index = 0
        if identity is not None:
            cert_path, key_path = identity.cert_path, identity.key_path
            cert_type = _FORMAT_TO_CERT_TYPE.get(identity.cert_format.lower(), "PEM")
            key_format = str(getattr(identity, "key_format", "pem")).lower()
            key_type = "DER" if key_format == "der" else "PEM"
            legacy = bool(getattr(identity, "pkcs12_legacy", False))
            pkcs7 = identity.cert_format.lower() == "pkcs7"
            if identity.cert_format.lower() == "pem":
                leaf_index = identity.leaf_index
        return cls(
            host=target.host,
            port=target.port,
            path=target.path,
            server_name=target.sni,
            send_sni=target.sni is not None or _is_ip(target.host),
            connect_host=connect_host,
            connect_port=connect_port,
            resolve_address=resolve_address,
            cert_path=cert_path,
            cert_type=cert_type,
            key_path=key_path,
            key_type=key_type,
            password_env=password_env
            or (TYPED_PASSPHRASE_VARIABLE if passphrase_typed else None),
            passphrase_typed=passphrase_typed and not password_env,
            cacert=cacert,
            server_untrusted=server_untrusted,
            pkcs12_legacy=legacy,
            pkcs7=pkcs7,
            leaf_index=leaf_index,
        )

    @property
    def url_host(self) -> str:
        """The host name in the URL: the name to send, since curl sends that as SNI."""
        return _ascii_host(self.server_name or self.host)

    @property
    def url(self) -> str:
        """The URL curl is given."""
        port = "" if self.port == 443 else f":{self.port}"
        path = self.path if self.path.startswith("/") else f"/{self.path}"
        return f"https://{_bracketed(self.url_host)}{port}{path}"

    @property
    def insecure(self) -> bool:
        """Whether the server check is skipped: untrusted, and no bundle to fix it."""
        return self.server_untrusted and self.cacert is None

    @property
    def effective_cert_path(self) -> PurePath | None:
        """The certificate file the command uses (the re-exported one for legacy)."""
        if (
            self.cert_path is not None
            and self.cert_type == "P12"
            and self.pkcs12_legacy
        ):
            return reexported_pkcs12_path(self.cert_path)
        if self.cert_path is not None and self.pkcs7:
            return pkcs7_pem_path(self.cert_path)
        if self.cert_path is not None and self.leaf_index > 0:
            return leaf_first_path(self.cert_path)
        return self.cert_path

    @property
    def connect_to(self) -> tuple[str, int] | None:
        """The address to dial instead of the URL's host (hop or target), if any."""
        address = (self.connect_host or self.host, self.connect_port or self.port)
        if (_ascii_host(address[0]), address[1]) == (self.url_host, self.port):
            return None
        return address


@dataclass(frozen=True)
class CurlCommand:
    """A curl command line as text to copy and as argv, with what to know about it.

    `argv` holds the passphrase variable as the literal placeholder "$VAR"; `works` is
    None until the command was run (see wizards.curl_check).
    """

    text: str
    argv: tuple[str, ...]
    notes: tuple[str, ...] = ()
    works: bool | None = None
    setup: tuple[str, ...] = ()
    inputs: CurlInputs | None = None

    @property
    def password_placeholder(self) -> str | None:
        """The "$VAR" token standing for the passphrase in argv, if there is one."""
        if self.inputs is None or self.inputs.password_env is None:
            return None
        return f"${self.inputs.password_env}"

    def marked(self, works: bool) -> CurlCommand:
        """The same command, marked as known to work or to fail."""
        return replace(self, works=works)


def reexported_pkcs12_path(path: PurePath) -> PurePath:
    """Where the re-export of a legacy PKCS#12 file goes: beside it, renamed."""
    return path.with_name(f"{path.stem}-reexported{path.suffix or '.p12'}")


def pkcs7_pem_path(path: PurePath) -> PurePath:
    """Where the PEM copy of a PKCS#7 bundle goes, since curl cannot read PKCS#7."""
    return path.with_name(f"{path.stem}-certs.pem")


def leaf_first_path(path: PurePath) -> PurePath:
    """Where the copy of a PEM file with its client certificate moved first goes:
    curl, like OpenSSL, takes the first certificate of the file as the client's."""
    return path.with_name(f"{path.stem}-leaf-first{path.suffix or '.pem'}")


def build_curl(inputs: CurlInputs) -> CurlCommand:
    """Build the curl command for the inputs: every path quoted, no secret in it."""
    if inputs.password_env is not None and not _VARIABLE_NAME.fullmatch(
        inputs.password_env
    ):
        raise InputError(
            "--password-env",
            f"{inputs.password_env!r} is not a variable name (letters, digits, _)",
        )
    kinds = (
        ("--cert", inputs.cert_type, CERT_TYPES),
        ("--key", inputs.key_type, KEY_TYPES),
    )
    for name, value, allowed in kinds:
        if value not in allowed:
            raise InputError(name, f"type {value!r} is not one of {', '.join(allowed)}")

    options = list(_options(inputs))
    argv = ("curl", *(token for option in options for token in option), inputs.url)
    placeholder = f"${inputs.password_env}" if inputs.password_env else None
    lines = ["curl"]
    lines += [" ".join(_shell_word(t, placeholder) for t in opt) for opt in options]
    lines.append(shlex.quote(inputs.url))
    return CurlCommand(
        text=" \\\n  ".join(lines),
        argv=argv,
        notes=tuple(_notes(inputs)),
        setup=tuple(_setup(inputs)),
        inputs=inputs,
    )


def _options(inputs: CurlInputs) -> Iterator[tuple[str, ...]]:
    if _GLOB_CHARACTERS & set(inputs.path):
        yield ("--globoff",)

    connect_to = inputs.connect_to
    if connect_to is not None:
        host, port = connect_to
        yield (
            "--connect-to",
            f"{inputs.url_host}:{inputs.port}:{_bracketed(_ascii_host(host))}:{port}",
        )
    elif inputs.resolve_address is not None and not _is_ip(inputs.url_host):
        address = _bracketed(inputs.resolve_address)
        yield ("--resolve", f"{inputs.url_host}:{inputs.port}:{address}")

    cert_path = inputs.effective_cert_path
    if cert_path is not None:
        if inputs.cert_type != "PEM":
            yield ("--cert-type", inputs.cert_type)
        yield ("--cert", _escape_cert_name(str(cert_path)))
        if inputs.key_path is not None and inputs.cert_type != "P12":
            if inputs.key_type != "PEM":
                yield ("--key-type", inputs.key_type)
            yield ("--key", str(inputs.key_path))
        if inputs.password_env is not None:
            yield ("--pass", f"${inputs.password_env}")

    if inputs.cacert is not None:
        yield ("--cacert", str(inputs.cacert))
    elif inputs.insecure:
        yield ("--insecure",)


def _notes(inputs: CurlInputs) -> Iterator[str]:
    yield from inputs.notes
    if inputs.cert_path is None:
        yield ("No client certificate was given: add --cert (and --key) to send one.")
    if inputs.passphrase_typed:
        yield (
            "The passphrase typed in the troubleshooter is not in the command: first "
            f"run `read -rs {TYPED_PASSPHRASE_VARIABLE} && export "
            f"{TYPED_PASSPHRASE_VARIABLE}` and type it there."
        )
    elif inputs.password_env is not None:
        yield (
            f"The passphrase is read from ${inputs.password_env}: set it in the shell "
            "first; it never appears in the command."
        )
    if (
        inputs.cert_path is not None
        and inputs.cert_type == "P12"
        and inputs.pkcs12_legacy
    ):
        yield (
            f"{inputs.cert_path.name} uses legacy PKCS#12 encryption (RC2-40) that "
            "curl on OpenSSL 3 refuses with 'digital envelope routines::unsupported': "
            "run the re-export step first; this command uses the new file."
        )
    if inputs.cert_path is not None and inputs.pkcs7:
        yield (
            f"{inputs.cert_path.name} is a PKCS#7 bundle, which curl cannot read: run "
            "the conversion step first; this command uses the PEM it writes."
        )
    if inputs.cert_path is not None and inputs.leaf_index > 0:
        yield (
            f"{inputs.cert_path.name} holds the client certificate as certificate "
            f"{inputs.leaf_index + 1}, but curl takes the first one as the client's "
            "and then says 'unable to set private key file': run the reordering step "
            "first; this command uses the file it writes."
        )
    if inputs.insecure:
        yield (
            "--insecure skips the check of the server's certificate, which did not "
            "verify: pass --cacert with the CA that signed it instead."
        )
    if inputs.server_name and _ascii_host(inputs.server_name) != _ascii_host(
        inputs.host
    ):
        yield (
            f"curl sends the URL's host name as SNI and Host header: the URL names "
            f"{inputs.url_host} and --connect-to reaches {inputs.host}."
            if inputs.connect_to is not None
            else f"curl sends the URL's host name ({inputs.url_host}) as SNI and Host."
        )
    if not inputs.send_sni and not _is_ip(inputs.url_host):
        yield (
            "The check sent no SNI, but curl always sends the URL's host name: to send "
            "none, put the server's IP address in the URL."
        )


def _leaf_first_step(path: PurePath, leaf_index: int) -> str:
    """A shell line copying the PEM file with certificate leaf_index (from 0) first
    and every other block after it, in the file's order."""
    source = shlex.quote(str(path))
    target = shlex.quote(str(leaf_first_path(path)))
    count = "/-----BEGIN CERTIFICATE-----/{n++}"
    leaf = leaf_index + 1
    return (
        f"awk '{count} n==0 || n=={leaf}' {source} > {target}"
        f" && awk '{count} n>0 && n!={leaf}' {source} >> {target}"
    )


def _setup(inputs: CurlInputs) -> Iterator[str]:
    if inputs.cert_path is not None and inputs.pkcs7:
        source = shlex.quote(str(inputs.cert_path))
        target = shlex.quote(str(pkcs7_pem_path(inputs.cert_path)))
        yield f"openssl pkcs7 -print_certs -in {source} -out {target}"
        return
    if inputs.cert_path is not None and inputs.leaf_index > 0:
        yield _leaf_first_step(inputs.cert_path, inputs.leaf_index)
        return
    if (
        inputs.cert_path is None
        or inputs.cert_type != "P12"
        or not inputs.pkcs12_legacy
    ):
        return
    yield reexport_pkcs12_command(inputs.cert_path, inputs.password_env)


def reexport_pkcs12_command(path: PurePath, password_env: str | None) -> str:
    """The shell line that re-exports a legacy PKCS#12 file with OpenSSL 3's default
    algorithms, beside it; the passphrase comes from the variable, else openssl asks.

    pkcs12 -export reads its input twice, so the middle step is a PEM file whose key
    stays encrypted with the same passphrase, removed at the end.
    """
    new_path = reexported_pkcs12_path(path)
    source = shlex.quote(str(path))
    middle = shlex.quote(str(new_path.with_suffix(".pem")))
    target = shlex.quote(str(new_path))
    passin = passout = ""
    if password_env is not None:
        passin = f" -passin env:{password_env}"
        passout = f" -passout env:{password_env}"
    return (
        f"openssl pkcs12 -legacy -in {source}{passin}{passout} -out {middle}"
        f" && openssl pkcs12 -export -in {middle}{passin} -out {target}{passout}"
        f"; rm -f {middle}"
    )


def _shell_word(token: str, placeholder: str | None) -> str:
    if placeholder is not None and token == placeholder:
        return f'"{placeholder}"'
    return shlex.quote(token)


def _escape_cert_name(name: str) -> str:
    # curl splits --cert at the first unescaped colon (FILE:PASSWORD)
    return name.replace("\\", "\\\\").replace(":", "\\:")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _bracketed(host: str) -> str:
    host = host.strip("[]") if host.startswith("[") else host
    return f"[{host}]" if ":" in host else host


def _ascii_host(host: str) -> str:
    if host.isascii():
        return host.lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host
