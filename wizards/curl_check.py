"""Run the suggested curl command (or the same request with httpx) to verify it."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from knowledge.curl import CurlCommand, CurlInputs
from wizards.credentials import encrypted_pem

logger = logging.getLogger(__name__)

_Loaded = TypeVar("_Loaded")

_CURL_TIMED_OUT = 28

_ACCEPTED_STATUSES = frozenset({404, 405})
"""Statuses that still show the certificate was accepted (only the path is wrong)."""


class _LoadsIntoContext(Protocol):
    def load_into(self, context: ssl.SSLContext) -> None: ...


@dataclass(frozen=True)
class CurlVerification:
    """Whether the command was run and got an answer that shows mutual TLS works."""

    verified: bool
    by: Literal["curl", "httpx"]
    status: int | None
    reason: str


def verify_curl(
    command: CurlCommand,
    password: str | None,
    timeout: float,
    *,
    use_curl: bool | None = None,
    identity: _LoadsIntoContext | None = None,
) -> CurlVerification:
    """Run the command with curl where installed, else the same request with httpx.

    The passphrase reaches curl as a config line on stdin, never in argv or its
    environment. `use_curl` forces one way; `identity` loads the client certificate for
    httpx when given (else the files named in the command are read).
    """
    curl_binary = shutil.which("curl") if use_curl in (None, True) else None
    if use_curl and curl_binary is None:
        return CurlVerification(False, "curl", None, "curl is not installed")
    verification = _verification(command, password, timeout, curl_binary, identity)
    logger.debug(
        "curl command verified=%s by %s: %s",
        verification.verified,
        verification.by,
        verification.reason,
    )
    return verification


def _verification(
    command: CurlCommand,
    password: str | None,
    timeout: float,
    curl_binary: str | None,
    identity: _LoadsIntoContext | None,
) -> CurlVerification:
    if curl_binary is not None:
        inputs = command.inputs
        cert_path = inputs.effective_cert_path if inputs else None
        if command.setup and cert_path is not None and not Path(cert_path).exists():
            return CurlVerification(
                False, "curl", None, "run the re-export step first, then the command"
            )
        return _run_curl(curl_binary, command, password, timeout)
    if command.inputs is None:
        return CurlVerification(False, "httpx", None, "the command has no inputs")
    return _run_httpx(command.inputs, password, timeout, identity)


def _run_curl(
    binary: str, command: CurlCommand, password: str | None, timeout: float
) -> CurlVerification:
    argv = _without_password_option(command)
    config = "" if password is None else f'pass = "{_config_quoted(password)}"\n'
    run_argv = [
        binary,
        "--silent",
        "--show-error",
        "--output",
        os.devnull,
        "--write-out",
        "%{http_code}",
        "--connect-timeout",
        f"{timeout:g}",
        # the whole exchange shares one timeout; an answer whose body is still
        # coming when it ends has shown what it had to (see below)
        "--max-time",
        f"{timeout:g}",
        "--config",
        "-",
        *argv[1:],
    ]
    try:
        finished = subprocess.run(
            run_argv,
            input=config,
            capture_output=True,
            text=True,
            timeout=timeout + 2,
            start_new_session=True,  # no terminal: curl cannot stop to ask a passphrase
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CurlVerification(
            False, "curl", None, f"curl did not finish in {timeout:g} s"
        )
    except OSError as error:
        return CurlVerification(
            False, "curl", None, f"curl could not run: {error.strerror}"
        )

    status = _status_from(finished.stdout)
    answered_then_timed_out = finished.returncode == _CURL_TIMED_OUT and status
    if finished.returncode != 0 and not answered_then_timed_out:
        message = _curl_error_line(finished.stderr, finished.returncode)
        return CurlVerification(False, "curl", status, _scrubbed(message, password))
    return _judged("curl", status)


def _curl_error_line(stderr: str, returncode: int) -> str:
    """curl's own "curl: (N) ..." line, not the advice it prints after it."""
    lines = stderr.strip().splitlines()
    own = [line for line in lines if line.startswith("curl: (")]
    return (own or lines or [f"exit code {returncode}"])[-1]


def _without_password_option(command: CurlCommand) -> list[str]:
    argv = list(command.argv)
    placeholder = command.password_placeholder
    if placeholder is None:
        return argv
    for index in range(len(argv) - 1):
        if argv[index] == "--pass" and argv[index + 1] == placeholder:
            del argv[index : index + 2]
            break
    return argv


def _config_quoted(value: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(escapes.get(character, character) for character in value)


def _status_from(write_out: str) -> int | None:
    digits = write_out.strip()[-3:]
    return int(digits) if digits.isdigit() and digits != "000" else None


def _judged(by: Literal["curl", "httpx"], status: int | None) -> CurlVerification:
    if status is None:
        return CurlVerification(False, by, None, "no HTTP answer")
    if status < 400 or status in _ACCEPTED_STATUSES:
        return CurlVerification(True, by, status, f"the server answered HTTP {status}")
    return CurlVerification(
        False, by, status, f"the server refused the request with HTTP {status}"
    )


def _scrubbed(message: str, password: str | None) -> str:
    return message.replace(password, "***") if password else message


def _run_httpx(
    inputs: CurlInputs,
    password: str | None,
    timeout: float,
    identity: _LoadsIntoContext | None,
) -> CurlVerification:
    import httpx

    try:
        context = _ssl_context(inputs, password, identity)
    except (OSError, ValueError, TypeError, ssl.SSLError) as error:
        reason = f"the client certificate could not be loaded: {error}"
        return CurlVerification(False, "httpx", None, _scrubbed(reason, password))

    url, headers, extensions = _request_target(inputs)
    try:
        # the context goes in as verify=: httpx ignores cert= once it has a context
        # streamed and closed unread: the status is the answer, and an endless body
        # would otherwise be read for ever (httpx's timeout bounds each read only)
        with (
            httpx.Client(verify=context, timeout=timeout, trust_env=False) as client,
            client.stream("GET", url, headers=headers, extensions=extensions) as answer,
        ):
            status = answer.status_code
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return CurlVerification(False, "httpx", None, _scrubbed(reason, password))
    return _judged("httpx", status)


def _request_target(inputs: CurlInputs) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL to dial and the Host and SNI to keep, as curl's --connect-to does."""
    address = inputs.connect_to
    if address is None and inputs.resolve_address is not None:
        address = (inputs.resolve_address, inputs.port)
    if address is None:
        return inputs.url, {}, {}
    host, port = address
    dial_host = f"[{host.strip('[]')}]" if ":" in host else host
    path = inputs.path if inputs.path.startswith("/") else f"/{inputs.path}"
    url_host = f"[{inputs.url_host}]" if ":" in inputs.url_host else inputs.url_host
    host_header = url_host if inputs.port == 443 else f"{url_host}:{inputs.port}"
    return (
        f"https://{dial_host}:{port}{path}",
        {"Host": host_header},
        {"sni_hostname": inputs.url_host},
    )


def _ssl_context(
    inputs: CurlInputs, password: str | None, identity: _LoadsIntoContext | None
) -> ssl.SSLContext:
    context = ssl.create_default_context(
        cafile=str(inputs.cacert) if inputs.cacert else None
    )
    if inputs.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.post_handshake_auth = True

    if identity is not None:
        identity.load_into(context)
    elif inputs.cert_path is not None:
        with _pem_identity(inputs, password) as (cert_file, key_file, key_password):
            context.load_cert_chain(cert_file, key_file, key_password)
    return context


@contextmanager
def _pem_identity(
    inputs: CurlInputs, password: str | None
) -> Iterator[tuple[str, str | None, str | None]]:
    """PEM files of the command's certificate and key, converted when they are not."""
    assert inputs.cert_path is not None
    if inputs.cert_type == "PEM" and inputs.key_type == "PEM":
        key_path = str(inputs.key_path) if inputs.key_path else None
        yield str(inputs.cert_path), key_path, password
        return

    secret = password.encode() if password else None
    cert_bytes = Path(inputs.cert_path).read_bytes()
    if inputs.cert_type == "P12":
        key, certificate, chain = _with_or_without_password(
            pkcs12.load_key_and_certificates, cert_bytes, secret
        )
        if key is None or certificate is None:
            raise ValueError(f"{inputs.cert_path.name} holds no certificate and key")
        certificates = [certificate, *chain]
    else:
        certificates = [_load_certificate(cert_bytes, inputs.cert_type)]
        if inputs.key_path is None:
            raise ValueError("a DER certificate needs a separate key file")
        key_bytes = Path(inputs.key_path).read_bytes()
        loader = (
            serialization.load_der_private_key
            if inputs.key_type == "DER"
            else serialization.load_pem_private_key
        )
        key = _with_or_without_password(loader, key_bytes, secret)

    one_time = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="mtls-doctor-") as folder:
        pem_path = Path(folder) / "identity.pem"
        descriptor = os.open(pem_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as pem_file:
            for cert in certificates:
                pem_file.write(cert.public_bytes(serialization.Encoding.PEM))
            pem_file.write(encrypted_pem(key, one_time.encode()))
        yield str(pem_path), None, one_time


def _with_or_without_password(
    loader: Callable[[bytes, bytes | None], _Loaded], data: bytes, secret: bytes | None
) -> _Loaded:
    """Load, ignoring a passphrase given for a file that has none (as curl does)."""
    try:
        return loader(data, secret)
    except TypeError:
        if secret is None:
            raise
        return loader(data, None)


def _load_certificate(data: bytes, cert_type: str) -> x509.Certificate:
    if cert_type == "DER":
        return x509.load_der_x509_certificate(data)
    return x509.load_pem_x509_certificate(data)
