"""HAProxy: verify required|optional, TLS 1.2 and 1.3, ca-file or ca-verify-file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pki import PkiFiles
from tests.servers import haproxy
from tests.servers.check_cli import client_ca_name, identity_arguments, run_check

pytestmark = pytest.mark.real_server

TLS_VERSIONS = ["TLSv1.3", "TLSv1.2"]


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_haproxy_verify_required_without_cert_gives_cert_not_sent_rejected_tls(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """`verify required` refuses the handshake without a certificate."""
    options = haproxy.bind_options("required", pki, tls_version)
    with haproxy.running_haproxy(tmp_path, pki, options) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-cert-not-sent" in result.cause_ids, result
    assert hop["client_auth"] == "required", result
    assert hop["without_cert"]["outcome"] == "rejected-tls", result
    assert client_ca_name(pki) in hop["acceptable_ca_names"], result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_haproxy_verify_required_with_good_cert_is_accepted_without_cause(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """The healthy HAProxy configuration: refused without, accepted with the cert."""
    options = haproxy.bind_options("required", pki, tls_version)
    with haproxy.running_haproxy(tmp_path, pki, options) as server:
        result = run_check(server.url, *identity_arguments(pki, "good"))

    hop = result.hop()
    assert result.exit_code == 0, result
    assert result.cause_ids == [], result
    assert hop["without_cert"]["outcome"] == "rejected-tls", result
    assert hop["with_cert"]["outcome"] == "accepted", result
    assert hop["with_cert"]["http_status"] == 200, result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_haproxy_verify_required_with_untrusted_cert_gives_cert_untrusted(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """A certificate from an unknown CA ends the handshake with alert 48."""
    options = haproxy.bind_options("required", pki, tls_version)
    with haproxy.running_haproxy(tmp_path, pki, options) as server:
        result = run_check(server.url, *identity_arguments(pki, "untrusted"))

    hop = result.hop()
    assert "client-cert-untrusted" in result.cause_ids, result
    assert hop["with_cert"]["outcome"] == "rejected-tls", result
    assert hop["with_cert"]["tls_alert"] == 48, result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_haproxy_verify_optional_without_cert_gives_client_auth_optional(
    tls_version: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """`verify optional` asks for a certificate and answers without one."""
    options = haproxy.bind_options("optional", pki, tls_version)
    with haproxy.running_haproxy(tmp_path, pki, options) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert "client-auth-optional" in result.cause_ids, result
    assert hop["client_auth"] == "optional", result
    assert hop["without_cert"]["outcome"] == "accepted", result
    assert hop["without_cert"]["http_status"] == 200, result


def test_haproxy_ca_verify_file_sends_no_ca_names_but_verifies(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """With `ca-verify-file` the request names no CA and the good cert still works."""
    options = haproxy.bind_options("required", pki, "TLSv1.3", "ca-verify-file")
    with haproxy.running_haproxy(tmp_path, pki, options) as server:
        result = run_check(server.url, *identity_arguments(pki, "good"))

    hop = result.hop()
    assert result.cause_ids == [], result
    assert hop["client_cert_requested"] is True, result
    assert hop["acceptable_ca_names"] == [], result
    assert hop["with_cert"]["outcome"] == "accepted", result
