"""`openssl s_server` with -Verify, -verify, -no_ca_names and -verify_return_error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pki import PkiFiles
from tests.servers.check_cli import client_ca_name, identity_arguments, run_check
from tests.servers.openssl import running_s_server

pytestmark = pytest.mark.real_server

TLS_VERSIONS = ["-tls1_3", "-tls1_2"]


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_s_server_capital_verify_without_cert_gives_cert_not_sent(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """`-Verify 1` requires a certificate and sends the -CAfile names."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca)]
    with running_s_server(tmp_path, pki, flags, tls_version) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-cert-not-sent" in result.cause_ids, result
    assert hop["client_auth"] == "required", result
    assert hop["client_cert_requested"] is True, result
    assert hop["without_cert"]["outcome"] == "rejected-tls", result
    assert client_ca_name(pki) in hop["acceptable_ca_names"], result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_s_server_capital_verify_with_good_cert_finds_no_cause(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """The healthy s_server configuration accepts the good certificate."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca), "-verify_return_error"]
    with running_s_server(tmp_path, pki, flags, tls_version) as server:
        result = run_check(server.url, *identity_arguments(pki, "good"))

    assert result.exit_code == 0, result
    assert result.cause_ids == [], result
    assert result.hop()["with_cert"]["outcome"] == "accepted", result


def test_s_server_small_verify_without_cert_gives_client_auth_optional(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """`-verify 1` asks for a certificate and serves without one."""
    flags = ["-verify", "1", "-CAfile", str(pki.client_ca)]
    with running_s_server(tmp_path, pki, flags) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert "client-auth-optional" in result.cause_ids, result
    assert hop["client_auth"] == "optional", result


def test_s_server_no_ca_names_requests_with_an_empty_list(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """`-no_ca_names` still sends a CertificateRequest, with no CA names in it."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca), "-no_ca_names"]
    with running_s_server(tmp_path, pki, flags) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert "client-cert-not-sent" in result.cause_ids, result
    assert hop["client_cert_requested"] is True, result
    assert hop["acceptable_ca_names"] == [], result


def test_s_server_verify_return_error_refuses_untrusted_cert(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """`-verify_return_error` turns an unknown issuer into alert 48."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca), "-verify_return_error"]
    with running_s_server(tmp_path, pki, flags) as server:
        result = run_check(server.url, *identity_arguments(pki, "untrusted"))

    hop = result.hop()
    assert "client-cert-untrusted" in result.cause_ids, result
    assert hop["with_cert"]["outcome"] == "rejected-tls", result
    assert hop["with_cert"]["tls_alert"] == 48, result
