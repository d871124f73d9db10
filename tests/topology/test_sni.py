"""A server whose mutual TLS policy is bound to one server name."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.servers.check_cli import identity_arguments, run_check
from tests.topology.checks import cause_ids, cause_of, check_path, observation_of
from tests.topology.path_pki import OTHER_NAME, PUBLIC_NAME, PathPki
from tests.topology.servers import LoopbackHttpsServer, greeting, server_context


@contextmanager
def _sni_bound_server(path_pki: PathPki, bound_name: str) -> Iterator[str]:
    """Requires a certificate for `bound_name` only; yields its address."""
    pki, files = path_pki.pki, path_pki.origin
    enforcing = server_context(files.cert, files.key, pki.client_ca, required=True)
    open_door = server_context(files.cert, files.key)

    def choose(server_name: str | None) -> ssl.SSLContext:
        return enforcing if server_name == bound_name else open_door

    with LoopbackHttpsServer(choose, greeting("sni-bound")) as server:
        yield server.address


@pytest.mark.parametrize(
    ("url", "sni_arguments"),
    [
        (f"https://{PUBLIC_NAME}/", ["--sni", OTHER_NAME]),
        (f"https://{PUBLIC_NAME}/", ["--no-sni"]),
    ],
    ids=["other-name", "no-sni"],
)
def test_sni_bound_server_probed_with_another_name_gives_sni_mismatch(
    path_pki: PathPki, url: str, sni_arguments: list[str]
) -> None:
    """Another name (or none) gets no request; the evidence names the bound name."""
    with _sni_bound_server(path_pki, PUBLIC_NAME) as address:
        result = run_check(
            url,
            *sni_arguments,
            "--hop",
            f"origin={address}",
            *identity_arguments(path_pki.pki),
        )

    cause = result.cause("sni-mismatch")
    assert cause["hop"] == "origin", result
    assert any(
        repr(PUBLIC_NAME) in line and "CertificateRequest" in line
        for line in cause["evidence"]
    ), result
    assert any("server name the policy is bound to" in s for s in cause["steps"])
    assert "client-auth-not-requested" not in result.cause_ids, result
    assert result.hop(0)["client_cert_requested"] is False, result
    assert f"https://{PUBLIC_NAME}/" in result.report["curl"], result
    assert f"--connect-to {PUBLIC_NAME}:443:" in result.report["curl"], result
    assert result.report["curl_verification"]["verified"] is True, result


def test_sni_bound_server_probed_by_address_finds_the_name_in_its_certificate(
    path_pki: PathPki,
) -> None:
    """Reached by IP (no SNI), the names of the server certificate are tried too."""
    with _sni_bound_server(path_pki, OTHER_NAME) as address:
        result = check_path(path_pki.pki, [], url=f"https://{address}/")

    cause = cause_of(result, "sni-mismatch")
    assert any(repr(OTHER_NAME) in line for line in cause.evidence), cause.evidence
    assert observation_of(result, "direct").sni is None


def test_sni_bound_server_probed_with_its_own_name_requires_the_certificate(
    path_pki: PathPki,
) -> None:
    """With the bound name sent there is no mismatch, and no other name is tried."""
    with _sni_bound_server(path_pki, PUBLIC_NAME) as address:
        result = check_path(path_pki.pki, [f"origin={address}"])

    assert "sni-mismatch" not in cause_ids(result)
    observation = observation_of(result, "origin")
    assert observation.client_cert_requested is True
    assert observation.sni_variants == ()
