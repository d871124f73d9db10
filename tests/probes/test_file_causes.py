"""Each cause in the client's files, shown by `check` against a real loopback server."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from tests.credentials.conftest import (
    LEGACY_PASSWORD,
    CredentialFiles,
    make_credential_files,
)
from tests.pki import PkiFiles
from tests.servers.check_cli import ROOT, CheckReport, run_check
from tests.servers.openssl import running_s_server
from tests.servers.python_tls import ClientAuthMode, PythonTlsServer
from tests.servers.real import require_binary

TLS_VERSIONS = pytest.mark.parametrize("tls_version", ["1.3", "1.2"])
PASSWORD_VARIABLE = "MTLS_TEST_FILE_PASSPHRASE"
WRONG_PASSPHRASE = "not-the-passphrase-0815"


@pytest.fixture(scope="module")
def creds(pki: PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> CredentialFiles:
    """The flawed client files of the credential tests, issued by the test client CA."""
    require_binary("openssl")  # the PKCS#12 and traditional key files come from it
    return make_credential_files(Path(tmp_path_factory.mktemp("file-causes")), pki)


@pytest.fixture
def chain_pki(pki: PkiFiles, creds: CredentialFiles) -> PkiFiles:
    """The test PKI with the credential root as the one CA trusted for clients."""
    return dataclasses.replace(pki, client_ca=creds.root_ca)


def _check_against_python_server(
    pki: PkiFiles, tls_version: str, *options: str | Path
) -> CheckReport:
    """`check` with these options against a Python server requiring a certificate."""
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED, tls_version) as server:
        return run_check(
            f"https://localhost:{server.port}/",
            "--cacert",
            str(pki.server_ca),
            *map(str, options),
        )


def _assert_refused_with_alert(result: CheckReport, alert: int) -> None:
    with_cert = result.hop()["with_cert"]
    assert with_cert["client_cert_sent"] is True, result
    assert with_cert["outcome"] == "rejected-tls", result
    assert with_cert["tls_alert"] == alert, result


def _subject_of(ca_file: Path) -> str:
    certificate = x509.load_pem_x509_certificate(ca_file.read_bytes())
    return certificate.subject.rfc4514_string()


@TLS_VERSIONS
@pytest.mark.parametrize(
    ("file_name", "cause_id", "alert"),
    [
        ("expired", "client-cert-expired", 45),
        ("not_yet_valid", "client-cert-not-yet-valid", 42),
        ("server_only", "client-cert-wrong-purpose", 43),
    ],
)
def test_check_flawed_client_cert_is_refused_and_named_for_its_flaw(
    pki: PkiFiles,
    creds: CredentialFiles,
    tls_version: str,
    file_name: str,
    cause_id: str,
    alert: int,
) -> None:
    """An expired, a not yet valid and a server-only certificate are each refused
    with OpenSSL's alert for that flaw and named for it, not as untrusted."""
    result = _check_against_python_server(
        pki, tls_version, "--cert", getattr(creds, file_name)
    )

    assert result.exit_code == 1, result
    assert cause_id in result.cause_ids, result
    assert "client-cert-untrusted" not in result.cause_ids, result
    _assert_refused_with_alert(result, alert)


def test_check_key_of_another_cert_names_client_key_mismatch(pki: PkiFiles) -> None:
    """A key that does not belong to the certificate is named before it is sent."""
    result = _check_against_python_server(
        pki, "1.3", "--cert", pki.client_cert, "--key", pki.untrusted_client_key
    )

    with_cert = result.hop()["with_cert"]
    assert result.exit_code == 1, result
    assert "client-key-mismatch" in result.cause_ids, result
    assert with_cert["outcome"] == "error", result
    assert with_cert["client_cert_sent"] is False, result


def test_check_full_chain_trusted_root_finds_no_cause(
    chain_pki: PkiFiles, creds: CredentialFiles
) -> None:
    """The leaf with its intermediate reaches the root the server trusts."""
    result = _check_against_python_server(
        chain_pki, "1.3", "--cert", creds.chain_leaf, "--key", creds.chain_key
    )

    assert result.exit_code == 0, result
    assert result.cause_ids == [], result
    assert result.hop()["with_cert"]["outcome"] == "accepted", result


@TLS_VERSIONS
def test_check_leaf_without_intermediate_names_client_chain_incomplete(
    chain_pki: PkiFiles, creds: CredentialFiles, tls_version: str
) -> None:
    """A leaf sent without its intermediate is refused as unknown CA and named so."""
    result = _check_against_python_server(
        chain_pki,
        tls_version,
        "--cert",
        creds.chain_leaf_only,
        "--key",
        creds.chain_key,
        "--client-ca",
        creds.root_ca,
    )

    assert result.exit_code == 1, result
    assert "client-chain-incomplete" in result.cause_ids, result
    _assert_refused_with_alert(result, 48)


def test_check_leaf_and_root_without_intermediate_names_client_chain_incomplete(
    chain_pki: PkiFiles, creds: CredentialFiles
) -> None:
    """A file holding the root but not the intermediate is named incomplete."""
    result = _check_against_python_server(
        chain_pki, "1.3", "--cert", creds.chain_leaf_and_root, "--key", creds.chain_key
    )

    assert result.exit_code == 1, result
    assert "client-chain-incomplete" in result.cause_ids, result
    _assert_refused_with_alert(result, 48)


@pytest.mark.parametrize("file_name", ["client_key_encrypted", "client_p12"])
def test_check_wrong_passphrase_exits_2_naming_the_variable_and_file(
    pki: PkiFiles, file_name: str
) -> None:
    """A passphrase that does not decrypt the file stops check with one line that
    names the variable, the file and the cause id."""
    encrypted = getattr(pki, file_name)
    identity = (
        ["--cert", str(pki.client_cert), "--key", str(encrypted)]
        if file_name == "client_key_encrypted"
        else ["--cert", str(encrypted)]
    )
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED) as server:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "tui.cli",
                "check",
                f"https://localhost:{server.port}/",
                "--cacert",
                str(pki.server_ca),
                *identity,
                "--password-env",
                PASSWORD_VARIABLE,
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={**os.environ, PASSWORD_VARIABLE: WRONG_PASSPHRASE},
        )

    shown = completed.stdout + completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2, shown
    assert completed.stdout == "", shown
    assert len(lines) == 1, shown
    assert lines[0].startswith("mtls-doctor: --password-env: "), shown
    assert f"${PASSWORD_VARIABLE} does not decrypt" in lines[0], shown
    assert str(encrypted) in lines[0], shown
    assert lines[0].endswith("(client-key-unreadable)"), shown
    assert WRONG_PASSPHRASE not in shown
    assert "Traceback" not in shown


def test_curl_legacy_pkcs12_file_refused_as_unsupported(
    pki: PkiFiles, creds: CredentialFiles
) -> None:
    """curl on OpenSSL 3 refuses to load the RC2 PKCS#12 file, with its error 58."""
    curl = require_binary("curl")
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED) as server:
        completed = subprocess.run(
            [
                curl,
                "--silent",
                "--show-error",
                "--cert-type",
                "P12",
                "--cert",
                f"{creds.legacy_p12}:{LEGACY_PASSWORD}",
                "--cacert",
                str(pki.server_ca),
                f"https://localhost:{server.port}/",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert completed.returncode == 58, completed.stderr
    assert "unsupported" in completed.stderr


def test_check_legacy_pkcs12_names_pkcs12_legacy_encryption(
    pki: PkiFiles, creds: CredentialFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe reads the RC2 file and gets in, and check still names its cipher."""
    monkeypatch.setenv(PASSWORD_VARIABLE, LEGACY_PASSWORD)

    result = _check_against_python_server(
        pki, "1.3", "--cert", creds.legacy_p12, "--password-env", PASSWORD_VARIABLE
    )

    with_cert = result.hop()["with_cert"]
    curl_argv = result.report["curl_details"]["argv"]
    assert result.exit_code == 1, result
    assert "pkcs12-legacy-encryption" in result.cause_ids, result
    assert with_cert["outcome"] == "accepted", result
    assert with_cert["client_cert_sent"] is True, result
    assert str(creds.legacy_p12) not in curl_argv, result
    assert result.report["curl_verification"]["verified"] is False, result


ISSUER_FLAGS = [
    pytest.param(["-Verify", "1"], "accepted", None, id="required"),
    pytest.param(
        ["-Verify", "1", "-verify_return_error"], "rejected-tls", 48, id="enforced"
    ),
    pytest.param(["-verify", "1"], "accepted", None, id="optional"),
]


@pytest.mark.real_server
@TLS_VERSIONS
@pytest.mark.parametrize(("flags", "outcome", "alert"), ISSUER_FLAGS)
def test_s_server_other_ca_names_issuer_not_advertised(
    pki: PkiFiles,
    tmp_path: Path,
    tls_version: str,
    flags: list[str],
    outcome: str,
    alert: int | None,
) -> None:
    """s_server naming only another CA gets the issuer named as not advertised."""
    flags = [*flags, "-CAfile", str(pki.other_ca)]
    tls_flag = "-tls1_3" if tls_version == "1.3" else "-tls1_2"
    with running_s_server(tmp_path, pki, flags, tls_flag) as server:
        result = run_check(
            server.url,
            "--cacert",
            str(pki.server_ca),
            "--cert",
            str(pki.client_cert),
            "--key",
            str(pki.client_key),
        )

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "issuer-not-advertised" in result.cause_ids, result
    assert hop["acceptable_ca_names"] == [_subject_of(pki.other_ca)], result
    assert hop["with_cert"]["client_cert_sent"] is True, result
    assert hop["with_cert"]["outcome"] == outcome, result
    assert hop["with_cert"]["tls_alert"] == alert, result
