"""An edge that ends TLS in front of an origin that requires a certificate."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from knowledge.observations import ClientAuth, Outcome
from tests.servers.check_cli import identity_arguments, run_check
from tests.servers.nginx import (
    client_auth_lines,
    proxy_location,
    running_nginx,
    server_block,
)
from tests.topology.checks import cause_ids, cause_of, check_path, observation_of
from tests.topology.path_pki import PUBLIC_NAME, PathPki
from tests.topology.servers import (
    LoopbackHttpsServer,
    TcpRelay,
    forwarding_to,
    greeting,
    server_context,
)


@contextmanager
def _python_edge_and_origin(
    path_pki: PathPki,
) -> Iterator[tuple[LoopbackHttpsServer, LoopbackHttpsServer]]:
    """An origin requiring a certificate in TLS, behind an edge that only asks."""
    pki = path_pki.pki
    origin_context = server_context(
        path_pki.origin.cert, path_pki.origin.key, pki.client_ca, required=True
    )
    edge_context = server_context(path_pki.edge.cert, path_pki.edge.key, pki.client_ca)
    with (
        LoopbackHttpsServer(lambda _name: origin_context, greeting("origin")) as origin,
        LoopbackHttpsServer(
            lambda _name: edge_context,
            forwarding_to(origin.port, pki.server_ca, "edge"),
        ) as edge,
    ):
        yield edge, origin


def _hops(edge: str, origin: str) -> list[str]:
    return [f"edge={edge}", f"origin={origin}"]


def test_python_edge_before_requiring_origin_blames_the_edge(
    path_pki: PathPki,
) -> None:
    """The edge that ends TLS is named, and the origin accepts the cert directly."""
    with _python_edge_and_origin(path_pki) as (edge, origin):
        result = check_path(path_pki.pki, _hops(edge.address, origin.address))

    cause = cause_of(result, "tls-terminated-before-origin")
    assert cause.hop == "edge"
    assert any("answers the TLS handshake itself" in line for line in cause.evidence)
    assert "hop-unreachable" not in cause_ids(result)
    direct = observation_of(result, "origin")
    assert direct.client_auth is ClientAuth.REQUIRED
    assert direct.with_cert is not None
    assert direct.with_cert.outcome is Outcome.ACCEPTED


def test_python_edge_before_requiring_origin_in_check_json_blames_the_edge(
    path_pki: PathPki,
) -> None:
    """`check --hop edge=.. --hop origin=.. --json` names the edge, none unreachable."""
    with _python_edge_and_origin(path_pki) as (edge, origin):
        result = run_check(
            f"https://{PUBLIC_NAME}/",
            *_hop_arguments(_hops(edge.address, origin.address)),
            *identity_arguments(path_pki.pki),
        )

    assert result.exit_code == 1, result
    assert result.cause("tls-terminated-before-origin")["hop"] == "edge", result
    assert "hop-unreachable" not in result.cause_ids, result
    assert [hop["label"] for hop in result.report["hops"]] == ["edge", "origin"]
    assert result.hop(1)["with_cert"]["outcome"] == "accepted", result


def test_python_origin_alone_with_certificate_blames_nothing_on_the_path(
    path_pki: PathPki,
) -> None:
    """Reached directly as the only hop, the requiring origin works: no path cause."""
    with _python_edge_and_origin(path_pki) as (_edge, origin):
        result = check_path(path_pki.pki, [f"origin={origin.address}"])

    assert result.causes == (), [(c.id, c.hop) for c in result.causes]


def test_tcp_relay_before_requiring_origin_blames_nothing(path_pki: PathPki) -> None:
    """A hop that passes TLS through untouched loses nothing: no cause on the path."""
    with (
        _python_edge_and_origin(path_pki) as (_edge, origin),
        TcpRelay(origin.port) as relay,
    ):
        result = check_path(path_pki.pki, _hops(relay.address, origin.address))

    assert result.causes == (), [(c.id, c.hop) for c in result.causes]
    assert observation_of(result, "edge").client_auth is ClientAuth.REQUIRED


def _hop_arguments(hops: Sequence[str]) -> list[str]:
    return [argument for hop in hops for argument in ("--hop", hop)]


def _nginx_edge_and_origin(
    path_pki: PathPki, ports: Sequence[int], edge_asks: bool, shared: bool = False
) -> str:
    """An nginx edge proxying over new TLS (asking for a certificate or not; with the
    origin's certificate when `shared`) and an nginx origin that requires one."""
    pki = path_pki.pki
    edge_port, origin_port = ports
    edge_auth = client_auth_lines("optional", pki.client_ca) if edge_asks else ""
    edge_files = path_pki.origin if shared else path_pki.edge
    edge = server_block(
        edge_port,
        pki,
        edge_auth,
        location=proxy_location(origin_port, pki),
        certificate=(edge_files.cert, edge_files.key),
    )
    origin = server_block(
        origin_port,
        pki,
        client_auth_lines("on", pki.client_ca),
        certificate=(path_pki.origin.cert, path_pki.origin.key),
    )
    return edge + origin


@pytest.mark.parametrize("edge_asks", [True, False], ids=["edge-asks", "edge-silent"])
def test_nginx_proxy_pass_before_requiring_nginx_blames_the_edge(
    path_pki: PathPki, tmp_path: Path, edge_asks: bool
) -> None:
    """nginx `proxy_pass https://` to an nginx origin: `check` names the edge."""
    pki = path_pki.pki

    def servers(ports: Sequence[int]) -> str:
        return _nginx_edge_and_origin(path_pki, ports, edge_asks)

    with running_nginx(tmp_path / "nginx", servers, port_count=2) as (_, ports):
        edge, origin = (f"127.0.0.1:{port}" for port in ports)
        result = run_check(
            f"https://{PUBLIC_NAME}/",
            *_hop_arguments(_hops(edge, origin)),
            *identity_arguments(pki),
        )

    assert result.cause("tls-terminated-before-origin")["hop"] == "edge", result
    assert "hop-unreachable" not in result.cause_ids, result
    assert result.hop(0)["client_cert_requested"] is edge_asks, result
    assert result.hop(0)["with_cert"]["http_status"] == 400, result
    assert result.hop(1)["client_auth"] == "required", result
    assert result.hop(1)["with_cert"]["outcome"] == "accepted", result


def test_nginx_edge_sharing_the_origin_certificate_is_still_blamed(
    path_pki: PathPki, tmp_path: Path
) -> None:
    """One certificate on both: the edge's "none was sent" answer still shows it."""

    def servers(ports: Sequence[int]) -> str:
        return _nginx_edge_and_origin(path_pki, ports, edge_asks=True, shared=True)

    with running_nginx(tmp_path / "nginx", servers, port_count=2) as (_, ports):
        edge, origin = (f"127.0.0.1:{port}" for port in ports)
        result = run_check(
            f"https://{PUBLIC_NAME}/",
            *_hop_arguments(_hops(edge, origin)),
            *identity_arguments(path_pki.pki),
        )

    cause = result.cause("tls-terminated-before-origin")
    assert cause["hop"] == "edge", result
    assert any("the same server certificate" in line for line in cause["evidence"])
