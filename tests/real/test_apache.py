"""Apache requiring a certificate for the virtual host, or inside a <Location> only."""

from __future__ import annotations

import subprocess

import pytest

from knowledge.observations import Hop
from tests.pki import PkiFiles
from tests.servers.apache import running_apache
from tests.servers.check_cli import identity_arguments, run_check
from tests.servers.real import require_binary

pytestmark = pytest.mark.real_server

REQUIRE = "    SSLVerifyClient require\n    SSLVerifyDepth 2"
LOCATION_REQUIRE = "        SSLVerifyClient require\n        SSLVerifyDepth 2"
TLS_VERSIONS = ["TLSv1.3", "TLSv1.2"]


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_apache_vhost_require_without_cert_gives_cert_not_sent(
    tls_version: str, pki: PkiFiles
) -> None:
    """`SSLVerifyClient require` for the virtual host refuses the handshake."""
    with running_apache(
        pki, vhost_client_auth=REQUIRE, tls_version=tls_version
    ) as server:
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-cert-not-sent" in result.cause_ids, result
    assert hop["client_auth"] == "required", result
    assert hop["without_cert"]["outcome"] == "rejected-tls", result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_apache_vhost_require_with_good_cert_finds_no_cause(
    tls_version: str, pki: PkiFiles
) -> None:
    """The healthy Apache configuration accepts the good certificate."""
    with running_apache(
        pki, vhost_client_auth=REQUIRE, tls_version=tls_version
    ) as server:
        result = run_check(server.url, *identity_arguments(pki, "good"))

    assert result.exit_code == 0, result
    assert result.cause_ids == [], result
    assert result.hop()["with_cert"]["outcome"] == "accepted", result


@pytest.mark.parametrize(
    ("tls_version", "protocols"),
    [
        ("TLSv1.3", "http/1.1"),
        ("TLSv1.2", "http/1.1"),
        ("TLSv1.3", "h2 http/1.1"),
    ],
)
def test_apache_location_require_gives_post_handshake_auth_required(
    tls_version: str, protocols: str, pki: PkiFiles
) -> None:
    """A per-location requirement asks only after the request: PHA or renegotiation."""
    with running_apache(
        pki,
        location_client_auth=LOCATION_REQUIRE,
        tls_version=tls_version,
        protocols=protocols,
    ) as server:
        result = run_check(f"{server.url}secure/", *identity_arguments(pki, "good"))

    hop = result.hop()
    assert "post-handshake-auth-required" in result.cause_ids, result
    assert hop["client_cert_requested"] is True, result
    assert hop["with_cert"]["outcome"] == "accepted", result
    assert hop["with_cert"]["http_status"] == 200, result


@pytest.mark.parametrize("tls_version", TLS_VERSIONS)
def test_apache_location_require_probe_sees_late_certificate_request(
    tls_version: str, pki: PkiFiles
) -> None:
    """The probe records the CertificateRequest as coming after the handshake."""
    from wizards.credentials import load_client_identity
    from wizards.probe import ProbeSettings, probe_hop

    identity = load_client_identity(pki.client_cert, pki.client_key, None)
    with running_apache(
        pki, location_client_auth=LOCATION_REQUIRE, tls_version=tls_version
    ) as server:
        settings = ProbeSettings(
            server_name="localhost",
            host_header=f"localhost:{server.port}",
            path="/secure/",
            timeout=3.0,
            cacert=pki.server_ca,
            verify_name="localhost",
        )
        observation = probe_hop(
            Hop("apache", "127.0.0.1", server.port), settings, identity
        )

    attempt = observation.with_cert
    assert attempt is not None and attempt.certificate_request is not None, observation
    assert attempt.certificate_request.after_handshake is True, observation
    assert attempt.outcome == "accepted", observation


def test_apache_location_require_over_http2_resets_the_stream(pki: PkiFiles) -> None:
    """Over HTTP/2 Apache resets the stream with HTTP_1_1_REQUIRED; curl falls back."""
    curl = require_binary("curl")
    with running_apache(
        pki, location_client_auth=LOCATION_REQUIRE, protocols="h2 http/1.1"
    ) as server:
        completed = subprocess.run(
            [
                curl,
                "-sv",
                "--http2",
                "--cacert",
                str(pki.server_ca),
                "--cert",
                str(pki.client_cert),
                "--key",
                str(pki.client_key),
                f"{server.url}secure/",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert "HTTP_1_1_REQUIRED" in completed.stderr, completed.stderr
    assert "hello from apache" in completed.stdout, completed.stderr
