"""What the path picture says each hop did with the client certificate."""

from __future__ import annotations

import pytest

from knowledge.observations import (
    CertificateRequest,
    HandshakeAttempt,
    Hop,
    HopObservation,
    Outcome,
)
from tui.widgets.path_picture import hops_losing_the_certificate, judge_hop

EDGE = Hop("edge", "127.0.0.1", 8443, "cloudflare")
ORIGIN = Hop("origin", "127.0.0.1", 9443, "kong")
ASKED = CertificateRequest(("CN=client CA",))


def _attempt(with_cert: bool, outcome: Outcome, asked: bool = True) -> HandshakeAttempt:
    return HandshakeAttempt(
        with_client_cert=with_cert,
        outcome=outcome,
        detail="",
        certificate_request=ASKED if asked else None,
    )


@pytest.mark.parametrize(
    ("without_cert", "with_cert", "css_class"),
    [
        (_attempt(False, Outcome.REJECTED_TLS), None, "-refused"),
        (_attempt(False, Outcome.ACCEPTED), None, "-asked"),
        (
            _attempt(False, Outcome.REJECTED_TLS),
            _attempt(True, Outcome.ACCEPTED),
            "-accepted",
        ),
        (
            _attempt(False, Outcome.REJECTED_TLS),
            _attempt(True, Outcome.REJECTED_TLS),
            "-refused",
        ),
        (
            _attempt(False, Outcome.ACCEPTED, asked=False),
            _attempt(True, Outcome.ACCEPTED, asked=False),
            "-never-saw",
        ),
        (_attempt(False, Outcome.UNREACHABLE, asked=False), None, "-unreachable"),
        (None, None, "-unreachable"),
    ],
)
def test_judge_hop_from_attempts_gives_its_color(
    without_cert: HandshakeAttempt | None,
    with_cert: HandshakeAttempt | None,
    css_class: str,
) -> None:
    """Each combination of handshakes maps to one verdict class."""
    observation = HopObservation(
        hop=ORIGIN, sni="localhost", without_cert=without_cert, with_cert=with_cert
    )

    assert judge_hop(observation).css_class == css_class


def test_judge_hop_behind_terminating_edge_never_sees_certificate() -> None:
    """A hop behind the hop that ends TLS is drawn as never seeing the certificate."""
    observation = HopObservation(
        hop=ORIGIN,
        sni="localhost",
        without_cert=_attempt(False, Outcome.REJECTED_HTTP),
        with_cert=_attempt(True, Outcome.ACCEPTED),
    )
    lost_at = hops_losing_the_certificate([EDGE, ORIGIN], ["edge"])

    verdict = judge_hop(observation, lost_at.get("origin"))

    assert lost_at == {"origin": "edge"}
    assert verdict.css_class == "-never-saw"
    assert "edge" in verdict.words


def test_judge_hop_that_ends_tls_says_so_rather_than_refused() -> None:
    """The hop that ends TLS is drawn as where TLS ends, not as refusing the
    certificate: the refusal it relays came from the hop behind."""
    observation = HopObservation(
        hop=EDGE,
        sni="localhost",
        without_cert=_attempt(False, Outcome.REJECTED_HTTP),
        with_cert=_attempt(True, Outcome.REJECTED_HTTP),
    )

    verdict = judge_hop(observation, ends_tls=True)

    assert verdict.words.endswith("TLS ends here")
    assert "refused" not in verdict.words
