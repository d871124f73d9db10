"""The DNS view of a name, asked of a DNS server the tests run on loopback."""

from __future__ import annotations

import time

import pytest

from knowledge.observations import DnsView
from knowledge.vendors import VendorClues, detect_vendor
from tests.probes.dns_server import (
    CNAME_FROM,
    CNAME_TO,
    EDGE_A,
    EDGE_AAAA,
    DnsBehaviour,
    LoopbackDnsServer,
)
from wizards.probe.resolve import look_up_dns_view, wants_dns_view

TIMEOUT = 1.0


def _view(behaviour: DnsBehaviour) -> tuple[DnsView, float]:
    with LoopbackDnsServer(behaviour) as server:
        started = time.monotonic()
        view = look_up_dns_view(
            CNAME_FROM, TIMEOUT, nameservers=("127.0.0.1",), port=server.port
        )
        return view, time.monotonic() - started


def test_dns_view_cname_chain_and_addresses_read() -> None:
    """A CNAME chain and both address families are read from the answers."""
    view, _ = _view(DnsBehaviour.ANSWER)

    assert view.cname_chain == (CNAME_TO.rstrip("."),)
    assert view.a == (EDGE_A,)
    assert view.aaaa == (EDGE_AAAA,)
    assert view.error is None


@pytest.mark.parametrize(
    ("behaviour", "words"),
    [
        (DnsBehaviour.NXDOMAIN, "NXDOMAIN"),
        (DnsBehaviour.SERVFAIL, "SERVFAIL"),
        (DnsBehaviour.SILENT, "no DNS answer"),
    ],
)
def test_dns_view_failing_server_error_within_timeout(
    behaviour: DnsBehaviour, words: str
) -> None:
    """NXDOMAIN, SERVFAIL and silence become an error line within the timeout."""
    view, elapsed = _view(behaviour)

    assert view.error is not None and words in view.error
    assert elapsed < TIMEOUT + 0.5


@pytest.mark.parametrize(
    ("host", "wanted"),
    [
        ("api.example.com", True),
        ("localhost", False),
        ("app.localhost", False),
        ("127.0.0.1", False),
        ("[::1]", False),
        ("nothing.invalid", False),
        ("api.mtls-doctor.test", False),
        ("notlocalhost", True),
    ],
)
def test_wants_dns_view_ip_and_special_use_names_skipped(
    host: str, wanted: bool
) -> None:
    """IP literals and special-use names (.localhost, .invalid, .test) get none."""
    assert wants_dns_view(host) is wanted


@pytest.mark.parametrize(
    ("cname_to", "vendor"),
    [
        ("www.example.test.cdn.cloudflare.net.", "cloudflare"),
        ("api-1234.eu-west-1.elb.amazonaws.com.", "aws-alb"),
    ],
)
def test_dns_view_cname_of_a_cdn_or_load_balancer_names_its_vendor(
    cname_to: str, vendor: str
) -> None:
    """A CNAME chain read from DNS names the vendor, with the CNAME as evidence."""
    with LoopbackDnsServer(DnsBehaviour.ANSWER, cname_to=cname_to) as server:
        view = look_up_dns_view(
            CNAME_FROM, TIMEOUT, nameservers=("127.0.0.1",), port=server.port
        )

    detected, evidence = detect_vendor(VendorClues(cname_chain=view.cname_chain))
    assert detected == vendor
    assert any(cname_to.rstrip(".") in line for line in evidence)
