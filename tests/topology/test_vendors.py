"""Each vendor's face (headers, cookies, error pages) served on loopback is named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from knowledge.report import report_markdown
from tests.servers.check_cli import identity_arguments, run_check
from tests.topology.checks import cause_of, check_path, observation_of
from tests.topology.path_pki import PUBLIC_NAME, PathPki
from tests.topology.servers import LoopbackHttpsServer, http_response, server_context

_KONG_REFUSAL = b'{"message":"No required TLS certificate was sent"}'
_ALB_FORBIDDEN = (
    b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    b"<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n"
)

# (name, status, headers, body, vendor, a clue the evidence must show)
FACES = [
    (
        "cloudflare",
        200,
        (
            ("Server", "cloudflare"),
            ("CF-RAY", "8f1e2d3c4b5a6978-AMS"),
            ("cf-cache-status", "DYNAMIC"),
        ),
        b"hello\n",
        "cloudflare",
        "CF-RAY header",
    ),
    (
        "kong-own-refusal",
        401,
        (
            ("Server", "kong/3.6.1"),
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-Kong-Response-Latency", "0"),
            ("X-Kong-Request-Id", "5b1c0a0e6f3d2e11"),
        ),
        _KONG_REFUSAL,
        "kong",
        "Server header 'kong/3.6.1'",
    ),
    (
        "kong-proxying-to-nginx",
        200,
        (
            ("Server", "nginx/1.25.3"),
            ("Via", "1.1 kong/3.6.1"),
            ("X-Kong-Upstream-Latency", "2"),
            ("X-Kong-Proxy-Latency", "0"),
            ("X-Kong-Request-Id", "5b1c0a0e6f3d2e12"),
        ),
        b"hello from the upstream\n",
        "kong",
        "Via header '1.1 kong/3.6.1'",
    ),
    (
        "f5-in-front-of-apache",
        200,
        (
            ("Server", "Apache/2.4.57 (Debian)"),
            (
                "Set-Cookie",
                "BIGipServerpool_api_443=1677787402.47873.0000; path=/; Httponly",
            ),
        ),
        b"hello from a pool member\n",
        "f5",
        "cookie BIGipServerpool_api_443",
    ),
    (
        "aws-alb-own-refusal",
        403,
        (("Server", "awselb/2.0"), ("Content-Type", "text/html")),
        _ALB_FORBIDDEN,
        "aws-alb",
        "Server header 'awselb/2.0'",
    ),
    (
        "aws-alb-proxying",
        200,
        (
            ("Server", "gunicorn"),
            ("Set-Cookie", "AWSALB=Zm9vYmFy; Expires=Tue, 08 Dec 2026 10:00:00 GMT"),
            ("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678"),
        ),
        b"hello from a target\n",
        "aws-alb",
        "cookie AWSALB",
    ),
    (
        "envoy",
        200,
        (("server", "envoy"), ("x-envoy-upstream-service-time", "3")),
        b"hello\n",
        "envoy",
        "x-envoy-upstream-service-time header",
    ),
]


@contextmanager
def _face(
    path_pki: PathPki,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    asks: bool = False,
) -> Iterator[str]:
    """A server answering every request the vendor's way; yields its address."""
    pki, files = path_pki.pki, path_pki.edge
    context = server_context(files.cert, files.key, pki.client_ca if asks else None)
    answer = http_response(status, "Vendor", headers, body)
    with LoopbackHttpsServer(lambda _name: context, lambda _request: answer) as server:
        yield server.address


@pytest.mark.parametrize(
    ("name", "status", "headers", "body", "vendor", "clue"),
    FACES,
    ids=[face[0] for face in FACES],
)
def test_vendor_face_on_a_hop_names_the_vendor_with_evidence(
    path_pki: PathPki,
    name: str,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    vendor: str,
    clue: str,
) -> None:
    """A hop labelled `edge` is recognised from what it answers; the clue is shown."""
    with _face(path_pki, status, headers, body) as address:
        result = check_path(path_pki.pki, [f"edge={address}"])

    observation = observation_of(result, "edge")
    assert observation.detected_vendor == vendor, observation.vendor_evidence
    assert any(clue.lower() in line.lower() for line in observation.vendor_evidence), (
        observation.vendor_evidence
    )
    markdown = report_markdown(
        result.request.target, result.observations, result.causes, result.curl
    )
    assert clue.lower() in markdown.lower()


@pytest.mark.parametrize("vendor", ["cloudflare", "kong", "f5"])
def test_vendor_face_in_check_json_reports_the_hop_vendor(
    path_pki: PathPki, vendor: str
) -> None:
    """`check --json` gives the recognised vendor in the hop's `vendor`."""
    _, status, headers, body, _, clue = next(f for f in FACES if f[4] == vendor)
    with _face(path_pki, status, headers, body) as address:
        result = run_check(
            f"https://{PUBLIC_NAME}/",
            "--hop",
            f"edge={address}",
            *identity_arguments(path_pki.pki),
        )

    assert result.hop(0)["vendor"] == vendor, result
    evidence = result.hop(0)["vendor_evidence"]
    assert any(clue.lower() in line.lower() for line in evidence), result


@pytest.mark.parametrize("label", ["cloudflare", "kong"])
def test_hop_labelled_with_a_vendor_gets_its_snippets_first(
    path_pki: PathPki, label: str
) -> None:
    """A hop named after a vendor, with no face of its own, gets that vendor's fixes."""
    headers = (("Server", "test-server"),)
    with _face(path_pki, 200, headers, b"hello\n", asks=True) as address:
        result = check_path(path_pki.pki, [f"{label}={address}"])

    cause = cause_of(result, "client-auth-optional")
    assert cause.hop == label
    assert [vendor for vendor, _ in cause.snippets][0] == label
    assert observation_of(result, label).vendor == label


def test_hop_recognised_as_kong_gets_kong_snippets(path_pki: PathPki) -> None:
    """A hop labelled `gateway` whose answers are Kong's gets Kong's fixes first."""
    _, status, headers, body, _, _ = FACES[2]
    with _face(path_pki, status, headers, body, asks=True) as address:
        result = check_path(path_pki.pki, [f"gateway={address}"])

    cause = cause_of(result, "client-auth-optional")
    assert [vendor for vendor, _ in cause.snippets][0] == "kong"
