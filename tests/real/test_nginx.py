"""nginx in each ssl_verify_client mode, and as a TLS-ending proxy before an origin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.pki import PkiFiles
from tests.servers import nginx
from tests.servers.check_cli import client_ca_name, identity_arguments, run_check

pytestmark = pytest.mark.real_server


def _one_server(
    pki: PkiFiles,
    verify_client: str,
    advertised: Path | None = None,
    trusted: Path | None = None,
) -> Callable[[Sequence[int]], str]:
    auth = nginx.client_auth_lines(verify_client, advertised, trusted)
    return lambda ports: nginx.server_block(ports[0], pki, auth)


def test_nginx_verify_on_without_cert_gives_cert_not_sent_with_http_400(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """`ssl_verify_client on` refuses at the HTTP layer with 400 and names the CA."""
    servers = _one_server(pki, "on", pki.client_ca)
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-cert-not-sent" in result.cause_ids, result
    assert hop["client_auth"] == "required", result
    assert hop["client_cert_requested"] is True, result
    assert hop["without_cert"]["outcome"] == "rejected-http", result
    assert hop["without_cert"]["http_status"] == 400, result
    assert client_ca_name(pki) in hop["acceptable_ca_names"], result


def test_nginx_verify_on_with_good_cert_finds_no_cause(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """The healthy nginx configuration accepts the good certificate: no cause."""
    servers = _one_server(pki, "on", pki.client_ca)
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "good"))

    hop = result.hop()
    assert result.exit_code == 0, result
    assert result.cause_ids == [], result
    assert hop["client_auth"] == "required", result
    assert hop["with_cert"]["outcome"] == "accepted", result
    assert hop["with_cert"]["http_status"] == 200, result


def test_nginx_verify_on_with_untrusted_cert_gives_cert_untrusted(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """A certificate from an unknown CA gets nginx's 400 SSL certificate error page."""
    servers = _one_server(pki, "on", pki.client_ca)
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "untrusted"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-cert-untrusted" in result.cause_ids, result
    assert hop["with_cert"]["outcome"] == "rejected-http", result
    assert hop["with_cert"]["http_status"] == 400, result


@pytest.mark.parametrize("verify_client", ["optional", "optional_no_ca"])
def test_nginx_verify_optional_without_cert_gives_client_auth_optional(
    verify_client: str, pki: PkiFiles, tmp_path: Path
) -> None:
    """`optional` and `optional_no_ca` ask for a certificate and serve without one."""
    servers = _one_server(pki, verify_client, pki.client_ca)
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert result.exit_code == 1, result
    assert "client-auth-optional" in result.cause_ids, result
    assert hop["client_auth"] == "optional", result
    assert hop["client_cert_requested"] is True, result
    assert hop["without_cert"]["outcome"] == "accepted", result


def test_nginx_trusted_certificate_names_only_the_advertised_ca(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """A CA in `ssl_trusted_certificate` verifies the cert but goes unnamed."""
    servers = _one_server(pki, "on", advertised=pki.other_ca, trusted=pki.client_ca)
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "good"))

    hop = result.hop()
    assert "issuer-not-advertised" in result.cause_ids, result
    assert client_ca_name(pki) not in hop["acceptable_ca_names"], result
    assert len(hop["acceptable_ca_names"]) == 1, result
    assert hop["with_cert"]["outcome"] == "accepted", result


def test_nginx_optional_no_ca_without_ca_file_requests_with_an_empty_list(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """`optional_no_ca` with no CA file asks for a certificate and names no CA."""
    servers = _one_server(pki, "optional_no_ca")
    with nginx.running_nginx(tmp_path, servers) as (server, _ports):
        result = run_check(server.url, *identity_arguments(pki, "none"))

    hop = result.hop()
    assert "client-auth-optional" in result.cause_ids, result
    assert hop["client_cert_requested"] is True, result
    assert hop["acceptable_ca_names"] == [], result


def test_nginx_proxy_before_origin_gives_tls_terminated_at_the_proxy(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """nginx ending TLS and calling an origin that requires a certificate loses it."""
    own_cert = pki.server_ca_obj.issue_cert("localhost", organization_unit_name="edge")
    edge_files = (tmp_path / "edge.pem", tmp_path / "edge.key")
    own_cert.cert_chain_pems[0].write_to_path(str(edge_files[0]))
    own_cert.private_key_pem.write_to_path(str(edge_files[1]))

    def servers(ports: Sequence[int]) -> str:
        asks = nginx.client_auth_lines("optional", pki.client_ca)
        requires = nginx.client_auth_lines("on", pki.client_ca)
        proxy = nginx.proxy_location(ports[1], pki)
        front = nginx.server_block(
            ports[0], pki, asks, location=proxy, certificate=edge_files
        )
        return front + nginx.server_block(ports[1], pki, requires)

    with nginx.running_nginx(tmp_path, servers, port_count=2) as (server, ports):
        result = run_check(
            server.url,
            *identity_arguments(pki, "good"),
            "--hop",
            f"edge=127.0.0.1:{ports[0]}",
            "--hop",
            f"origin=127.0.0.1:{ports[1]}",
        )

    assert result.exit_code == 1, result
    assert result.cause("tls-terminated-before-origin")["hop"] == "edge", result
    assert "hop-unreachable" not in result.cause_ids, result
    assert result.hop(0)["with_cert"]["http_status"] == 400, result
    assert result.hop(1)["with_cert"]["outcome"] == "accepted", result
