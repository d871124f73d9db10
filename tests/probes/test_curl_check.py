"""The suggested curl command, run as is and by verify_curl, on a loopback server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.curl import (
    TYPED_PASSPHRASE_VARIABLE,
    CurlCommand,
    CurlInputs,
    build_curl,
)
from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles
from tests.servers.python_tls import ClientAuthMode, PythonTlsServer
from wizards.answers import Answers, build_request
from wizards.curl_check import verify_curl
from wizards.session import run_checks

TIMEOUT = 5.0
PASSWORD_VARIABLE = "MTLS_TEST_PASSPHRASE"
PRESENTED = "hello; client certificate presented: True\n"

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl missing")


@pytest.fixture(scope="module")
def server(pki: PkiFiles) -> Iterator[PythonTlsServer]:
    """One TLS 1.3 server requiring a client certificate, shared by the module."""
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED) as running:
        yield running


@pytest.fixture
def port(server: PythonTlsServer) -> int:
    """The port of the shared server."""
    return server.port


def _command(pki: PkiFiles, port: int, **changes: object) -> CurlCommand:
    fields: dict[str, object] = {
        "host": "localhost",
        "port": port,
        "cert_path": pki.client_cert,
        "key_path": pki.client_key,
        "cacert": pki.server_ca,
    }
    fields.update(changes)
    return build_curl(CurlInputs(**fields))  # type: ignore[arg-type]


def _run_as_is(
    command: CurlCommand, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command.text],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        start_new_session=True,
    )


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_VARIABLE}
    env.update(extra)
    return env


@needs_curl
def test_curl_command_pem_pair_run_as_is_succeeds(pki: PkiFiles, port: int) -> None:
    """The command for a PEM certificate and key, pasted into a shell, gets the page."""
    finished = _run_as_is(_command(pki, port), _environment())

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == PRESENTED


@needs_curl
def test_curl_command_pkcs12_with_passphrase_in_environment_succeeds(
    pki: PkiFiles, port: int
) -> None:
    """The PKCS#12 command works with the passphrase only in the environment."""
    command = _command(
        pki,
        port,
        cert_path=pki.client_p12,
        cert_type="P12",
        key_path=None,
        password_env=PASSWORD_VARIABLE,
    )

    finished = _run_as_is(command, _environment(**{PASSWORD_VARIABLE: P12_PASSWORD}))

    assert "--cert-type P12" in command.text
    assert P12_PASSWORD not in command.text
    assert P12_PASSWORD not in " ".join(command.argv)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == PRESENTED


@needs_curl
def test_curl_command_pkcs12_without_passphrase_in_environment_fails(
    pki: PkiFiles, port: int
) -> None:
    """Without the variable set, curl cannot open the PKCS#12 file."""
    command = _command(
        pki,
        port,
        cert_path=pki.client_p12,
        cert_type="P12",
        key_path=None,
        password_env=PASSWORD_VARIABLE,
    )

    finished = _run_as_is(command, _environment())

    assert finished.returncode != 0


@needs_curl
def test_curl_command_without_certificate_fails(pki: PkiFiles, port: int) -> None:
    """A command without a client certificate is refused by the server."""
    command = _command(pki, port, cert_path=None, key_path=None)

    finished = _run_as_is(command, _environment())

    assert finished.returncode != 0


@needs_curl
def test_verify_curl_pem_pair_by_curl_verified(pki: PkiFiles, port: int) -> None:
    """verify_curl runs curl itself and reports the 200."""
    verification = verify_curl(_command(pki, port), None, TIMEOUT)

    assert verification.verified, verification.reason
    assert (verification.by, verification.status) == ("curl", 200)


@needs_curl
def test_verify_curl_pkcs12_passphrase_through_stdin_verified(
    pki: PkiFiles, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """curl gets the PKCS#12 passphrase from verify_curl, not from the environment."""
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    command = _command(
        pki,
        port,
        cert_path=pki.client_p12,
        cert_type="P12",
        key_path=None,
        password_env=PASSWORD_VARIABLE,
    )

    verification = verify_curl(command, P12_PASSWORD, TIMEOUT)

    assert verification.verified, verification.reason
    assert verification.by == "curl"


@needs_curl
def test_verify_curl_encrypted_key_wrong_passphrase_not_verified(
    pki: PkiFiles, port: int
) -> None:
    """A wrong passphrase fails fast, without curl asking on a terminal."""
    command = _command(
        pki, port, key_path=pki.client_key_encrypted, password_env=PASSWORD_VARIABLE
    )

    verification = verify_curl(command, "not the passphrase", TIMEOUT)

    assert not verification.verified
    assert "not the passphrase" not in verification.reason


@needs_curl
def test_verify_curl_without_certificate_by_curl_not_verified(
    pki: PkiFiles, port: int
) -> None:
    """Without a certificate the verification fails and says why."""
    command = _command(pki, port, cert_path=None, key_path=None)

    verification = verify_curl(command, None, TIMEOUT)

    assert not verification.verified
    assert verification.reason.startswith("curl: (")


@needs_curl
def test_verify_curl_connect_to_other_address_verified(
    pki: PkiFiles, port: int
) -> None:
    """--connect-to keeps the name for SNI and verification while dialling the IP."""
    command = _command(
        pki, port, host="127.0.0.1", server_name="localhost", connect_host="127.0.0.1"
    )

    verification = verify_curl(command, None, TIMEOUT)

    assert "--connect-to" in command.text
    assert verification.verified, verification.reason


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="pem-pair"),
        pytest.param(
            {"cert_path": "client_p12", "cert_type": "P12", "key_path": None},
            id="pkcs12",
        ),
        pytest.param(
            {
                "cert_path": "client_der",
                "cert_type": "DER",
                "key_path": "client_key_der",
                "key_type": "DER",
            },
            id="der-pair",
        ),
        pytest.param({"key_path": "client_key_encrypted"}, id="encrypted-key"),
        pytest.param({"cert_path": "client_combined", "key_path": None}, id="combined"),
    ],
)
def test_verify_curl_by_httpx_each_format_verified(
    pki: PkiFiles, server: PythonTlsServer, changes: dict[str, object]
) -> None:
    """The httpx request sends the certificate in every format over TLS 1.3."""
    resolved = {
        k: getattr(pki, v) if isinstance(v, str) and hasattr(pki, v) else v
        for k, v in changes.items()
    }
    command = _command(pki, server.port, password_env=PASSWORD_VARIABLE, **resolved)
    password = P12_PASSWORD if changes.get("cert_type") == "P12" else KEY_PASSWORD

    verification = verify_curl(command, password, TIMEOUT, use_curl=False)

    assert verification.verified, verification.reason
    assert (verification.by, verification.status) == ("httpx", 200)
    assert server.served.client_certificates[-1] is True


def test_verify_curl_by_httpx_stranger_certificate_not_verified(
    pki: PkiFiles, port: int
) -> None:
    """A certificate from a CA the server does not trust is refused."""
    command = _command(
        pki,
        port,
        cert_path=pki.untrusted_client_cert,
        key_path=pki.untrusted_client_key,
    )

    verification = verify_curl(command, None, TIMEOUT, use_curl=False)

    assert not verification.verified
    assert verification.by == "httpx"


def test_verify_curl_by_httpx_connect_to_other_address_verified(
    pki: PkiFiles, port: int
) -> None:
    """httpx dials the hop address and keeps the URL's name for SNI and checks."""
    command = _command(
        pki, port, host="127.0.0.1", server_name="localhost", connect_host="127.0.0.1"
    )

    verification = verify_curl(command, None, TIMEOUT, use_curl=False)

    assert verification.verified, verification.reason


@pytest.mark.parametrize("use_curl", [pytest.param(True, marks=needs_curl), False])
def test_verify_curl_silent_server_bounded_by_timeout(
    pki: PkiFiles, use_curl: bool
) -> None:
    """A server that never answers the handshake ends the check within its bound."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        command = _command(pki, silent.getsockname()[1])
        started = time.monotonic()

        verification = verify_curl(command, None, 0.5, use_curl=use_curl)

    assert not verification.verified
    assert time.monotonic() - started < 4


@needs_curl
def test_verify_curl_legacy_pkcs12_after_reexport_verified(
    pki: PkiFiles, port: int, tmp_path: Path
) -> None:
    """A legacy PKCS#12 works once the command's re-export step has been run."""
    legacy = tmp_path / "legacy.p12"
    exported = subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            str(pki.client_cert),
            "-inkey",
            str(pki.client_key),
            "-out",
            str(legacy),
            "-passout",
            f"env:{PASSWORD_VARIABLE}",
        ],
        env=_environment(**{PASSWORD_VARIABLE: P12_PASSWORD}),
        capture_output=True,
        check=False,
    )
    if exported.returncode != 0:
        pytest.skip("this openssl cannot write legacy PKCS#12 files")
    command = _command(
        pki,
        port,
        cert_path=legacy,
        cert_type="P12",
        key_path=None,
        password_env=PASSWORD_VARIABLE,
        pkcs12_legacy=True,
    )
    before = verify_curl(command, P12_PASSWORD, TIMEOUT)

    for step in command.setup:
        subprocess.run(
            ["bash", "-c", step],
            env=_environment(**{PASSWORD_VARIABLE: P12_PASSWORD}),
            check=True,
            capture_output=True,
        )
    after = verify_curl(command, P12_PASSWORD, TIMEOUT)

    assert not before.verified
    assert "re-export" in before.reason
    assert after.verified, after.reason


@pytest.mark.parametrize(
    ("mode", "tls_version"),
    [
        (ClientAuthMode.REQUIRED, "1.2"),
        (ClientAuthMode.POST_HANDSHAKE, "1.3"),
    ],
)
@pytest.mark.parametrize("use_curl", [pytest.param(True, marks=needs_curl), False])
def test_verify_curl_other_server_modes_verified(
    pki: PkiFiles, mode: ClientAuthMode, tls_version: str, use_curl: bool
) -> None:
    """TLS 1.2 and a certificate asked for after the request both verify."""
    with PythonTlsServer(pki, mode, tls_version=tls_version) as other:
        verification = verify_curl(
            _command(pki, other.port), None, TIMEOUT, use_curl=use_curl
        )

        assert verification.verified, verification.reason
        assert other.served.client_certificates[-1] is True


@needs_curl
def test_run_checks_passphrase_typed_gives_command_reading_a_variable(
    pki: PkiFiles, port: int
) -> None:
    """A passphrase typed in the app (no variable named) never enters the command:
    it reads $MTLS_DOCTOR_PASS, says so, is verified, and works once that is set."""
    answers = Answers(
        url=f"https://localhost:{port}/",
        cert=str(pki.client_cert),
        key=str(pki.client_key_encrypted),
        password=KEY_PASSWORD,
        cacert=str(pki.server_ca),
        timeout=str(TIMEOUT),
    )

    result = run_checks(build_request(answers, {}))

    assert result.curl is not None and result.curl_verification is not None
    assert f'--pass "${TYPED_PASSPHRASE_VARIABLE}"' in result.curl.text
    assert KEY_PASSWORD not in result.curl.text + " ".join(result.curl.notes)
    assert any(f"read -rs {TYPED_PASSPHRASE_VARIABLE}" in n for n in result.curl.notes)
    assert result.curl_verification.verified, result.curl_verification.reason
    with_variable = _run_as_is(
        result.curl, _environment(**{TYPED_PASSPHRASE_VARIABLE: KEY_PASSWORD})
    )
    assert with_variable.returncode == 0, with_variable.stderr
    assert with_variable.stdout == PRESENTED


@needs_curl
def test_run_checks_certificate_not_first_in_its_file_gets_a_reordering_step(
    pki: PkiFiles, port: int, tmp_path: Path
) -> None:
    """A PEM file holding its CA before the client certificate gets a step that puts
    the certificate first; the command fails before that step and works after it."""
    ca_first = tmp_path / "ca-first.pem"
    ca_first.write_bytes(pki.client_ca.read_bytes() + pki.client_cert.read_bytes())
    answers = Answers(
        url=f"https://localhost:{port}/",
        cert=str(ca_first),
        key=str(pki.client_key),
        cacert=str(pki.server_ca),
        timeout=str(TIMEOUT),
    )

    result = run_checks(build_request(answers, {}))
    assert result.curl is not None
    before = _run_as_is(result.curl, _environment())
    for step in result.curl.setup:
        subprocess.run(["bash", "-c", step], check=True, capture_output=True)
    after = _run_as_is(result.curl, _environment())

    assert [cause.id for cause in result.causes] == ["client-chain-incomplete"]
    assert "ca-first-leaf-first.pem" in result.curl.text
    assert any("reordering step" in note for note in result.curl.notes)
    assert before.returncode != 0
    assert after.returncode == 0, after.stderr
    assert after.stdout == PRESENTED
