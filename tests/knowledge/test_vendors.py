"""Vendor detection from headers, cookies, pages, CNAMEs, addresses, certificates."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.observations import DnsView, Outcome
from knowledge.vendors import VendorClues, cloudflare_ranges, detect_vendor
from tests.knowledge.observation_rows import (
    EDGE_CERT,
    answer,
    at_hop,
    with_cert,
    without_cert,
)

KONG_HEADERS = (
    ("Via", "1.1 kong/3.4.2"),
    ("X-Kong-Proxy-Latency", "1"),
    ("X-Kong-Upstream-Latency", "3"),
    ("X-Kong-Request-Id", "5b1c0a0e"),
)

ROWS = [
    (
        "cloudflare-server-and-ray",
        VendorClues(headers=(("Server", "cloudflare"), ("CF-RAY", "8f1e2-LHR"))),
        "cloudflare",
        "CF-RAY header",
    ),
    (
        "cloudflare-ipv4-range",
        VendorClues(addresses=("104.16.132.229",)),
        "cloudflare",
        "104.16.0.0/13",
    ),
    (
        "cloudflare-ipv6-range",
        VendorClues(addresses=("2606:4700::6810:84e5",)),
        "cloudflare",
        "2606:4700::/32",
    ),
    (
        "cloudflare-cname",
        VendorClues(cname_chain=("api.example.com.cdn.cloudflare.net.",)),
        "cloudflare",
        "CNAME",
    ),
    (
        "cloudflare-error-page",
        VendorClues(body="<span>Cloudflare Ray ID: 8f1e2</span>"),
        "cloudflare",
        "Cloudflare Ray ID",
    ),
    (
        "cloudflare-in-front-of-kong",
        VendorClues(
            headers=(("Server", "cloudflare"), ("CF-RAY", "8f1e2-LHR"), *KONG_HEADERS),
            body='{"message":"No required TLS certificate was sent"}',
        ),
        "cloudflare",
        "Server header 'cloudflare'",
    ),
    (
        "kong-server-header",
        VendorClues(headers=(("Server", "kong/3.4.2"),)),
        "kong",
        "Server header 'kong/3.4.2'",
    ),
    (
        "kong-via-and-latency-headers",
        VendorClues(headers=KONG_HEADERS),
        "kong",
        "Via header '1.1 kong/3.4.2'",
    ),
    (
        "kong-proxying-to-an-nginx-upstream",
        VendorClues(
            headers=(("Server", "nginx/1.25.3"), *KONG_HEADERS),
            body="<center>No required SSL certificate was sent</center><hr>"
            "<center>nginx/1.25.3</center>",
        ),
        "kong",
        "X-Kong-Upstream-Latency header",
    ),
    (
        "kong-behind-an-alb-cname",
        VendorClues(
            headers=(("Server", "kong/3.4.2"), *KONG_HEADERS),
            body='{"message":"No required TLS certificate was sent"}',
            cname_chain=("internal-api-1234.eu-west-1.elb.amazonaws.com",),
        ),
        "aws-alb",
        "CNAME",
    ),
    (
        "kong-401-message",
        VendorClues(body='{"message":"TLS certificate failed verification"}'),
        "kong",
        "TLS certificate failed verification",
    ),
    (
        "kong-default-certificate",
        VendorClues(
            certificate_subjects=(
                "CN=localhost,OU=IT Department,O=Kong,L=San Francisco,"
                "ST=California,C=US",
            )
        ),
        "kong",
        "the product's default",
    ),
    (
        "f5-bigip-cookie",
        VendorClues(
            headers=(
                (
                    "Set-Cookie",
                    "BIGipServerpool_api=1677787402.36895.0000; path=/; Httponly",
                ),
            )
        ),
        "f5",
        "cookie BIGipServerpool_api",
    ),
    (
        "f5-bigip-cookie-before-apache",
        VendorClues(
            headers=(
                ("Server", "Apache/2.4.57 (Debian)"),
                ("Set-Cookie", "BIGipServerpool_api=1677787402.36895.0000; path=/"),
            )
        ),
        "f5",
        "cookie BIGipServerpool_api",
    ),
    (
        "f5-asm-block-page",
        VendorClues(
            body="The requested URL was rejected. "
            "Please consult with your administrator."
        ),
        "f5",
        "requested URL was rejected",
    ),
    (
        "aws-alb-server",
        VendorClues(headers=(("Server", "awselb/2.0"),)),
        "aws-alb",
        "awselb/2.0",
    ),
    (
        "aws-alb-cookie",
        VendorClues(
            headers=(
                (
                    "Set-Cookie",
                    "AWSALB=abc; Expires=Tue, 10 Dec 2026 10:00:00 GMT; Path=/",
                ),
            )
        ),
        "aws-alb",
        "cookie AWSALB",
    ),
    (
        "aws-alb-mtls-header",
        VendorClues(headers=(("X-Amzn-Mtls-Clientcert-Serial-Number", "0A"),)),
        "aws-alb",
        "X-Amzn-Mtls-Clientcert-Serial-Number header",
    ),
    (
        "aws-alb-cname",
        VendorClues(cname_chain=("internal-api-1234.eu-west-1.elb.amazonaws.com",)),
        "aws-alb",
        "CNAME",
    ),
    (
        "envoy-headers",
        VendorClues(headers=(("x-envoy-upstream-service-time", "4"),)),
        "envoy",
        "x-envoy-upstream-service-time header",
    ),
    (
        "envoy-reset-page",
        VendorClues(
            body="upstream connect error or disconnect/reset before headers. "
            "reset reason: connection failure"
        ),
        "envoy",
        "upstream connect error",
    ),
    (
        "traefik-default-certificate",
        VendorClues(certificate_subjects=("CN=TRAEFIK DEFAULT CERT",)),
        "traefik",
        "TRAEFIK DEFAULT CERT",
    ),
    (
        "haproxy-503-page",
        VendorClues(
            body="<h1>503 Service Unavailable</h1>\n"
            "No server is available to handle this request.\n"
        ),
        "haproxy",
        "No server is available",
    ),
    (
        "apache-server",
        VendorClues(headers=(("Server", "Apache/2.4.62 (Debian)"),)),
        "apache",
        "Apache/2.4.62",
    ),
    (
        "nginx-400-page",
        VendorClues(
            body="<center>No required SSL certificate was sent</center><hr>"
            "<center>nginx/1.22.1</center>"
        ),
        "nginx",
        "No required SSL certificate was sent",
    ),
    (
        "nginx-ingress-fake-certificate",
        VendorClues(
            certificate_subjects=(
                "CN=Kubernetes Ingress Controller Fake Certificate,O=Acme Co",
            )
        ),
        "nginx",
        "Fake Certificate",
    ),
]


@pytest.mark.parametrize(
    ("name", "clues", "vendor", "evidence"), ROWS, ids=[r[0] for r in ROWS]
)
def test_detect_vendor_clue_names_vendor_with_evidence(
    name: str, clues: VendorClues, vendor: str, evidence: str
) -> None:
    """Each fingerprint names its vendor and shows the clue that named it."""
    found, shown = detect_vendor(clues)
    assert found == vendor
    assert any(evidence in line for line in shown), shown


@pytest.mark.parametrize(
    "clues",
    [
        VendorClues(),
        VendorClues(headers=(("Content-Type", "text/plain"),), body="hello"),
        VendorClues(addresses=("127.0.0.1", "::1", "not an address")),
        VendorClues(cname_chain=("api.example.com.",)),
    ],
)
def test_detect_vendor_without_fingerprint_names_none(clues: VendorClues) -> None:
    """Nothing recognisable gives no vendor and no evidence."""
    assert detect_vendor(clues) == (None, ())


def test_detect_vendor_reads_a_hop_observation() -> None:
    """Headers, cookies, DNS and the server certificate of both attempts count."""
    observation = at_hop(
        without_cert(
            Outcome.ACCEPTED,
            http=answer(
                200, "", ("Server", "nginx"), ("Set-Cookie", "BIGipServerweb=1.2.3")
            ),
            chain=(EDGE_CERT,),
        ),
        with_cert(Outcome.ACCEPTED, http=answer(200, "")),
        dns=DnsView(
            name="api.example.com", cname_chain=("api.example.com.edgekey.net.",)
        ),
    )
    vendor, evidence = detect_vendor(observation)
    assert vendor == "f5"
    assert "cookie BIGipServerweb" in evidence


def test_cloudflare_ranges_are_dated_data() -> None:
    """The Cloudflare ranges are data with the ISO date they were taken."""
    ranges = cloudflare_ranges()
    assert dt.date.fromisoformat(ranges.taken) <= dt.date(2026, 12, 31)
    versions = {network.version for network in ranges.networks}
    assert versions == {4, 6}
    assert len(ranges.networks) == 22


def test_detect_vendor_headers_of_both_attempts_are_named_once() -> None:
    """Headers seen on both attempts (each CF-RAY its own) count and show once."""
    clues = VendorClues(
        headers=(
            ("Server", "cloudflare"),
            ("CF-RAY", "8a1b2c3d4e5f6a7b-FRA"),
            ("Server", "cloudflare"),
            ("CF-RAY", "8a1b2c3d4e5f6a7c-FRA"),
        )
    )

    vendor, evidence = detect_vendor(clues)

    assert vendor == "cloudflare"
    assert len(evidence) == len(set(evidence)) == 2
