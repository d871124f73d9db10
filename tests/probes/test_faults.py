"""The probe under network faults: each one classified within the timeout."""

from __future__ import annotations

import time
from typing import Any

import pytest

from knowledge.observations import ClientAuth, HopObservation, Outcome
from tests.pki import PkiFiles
from tests.probes.conftest import PemIdentity, probe_localhost
from tests.probes.faults import Fault, FaultServer, closed_port
from tests.servers.python_tls import ClientAuthMode, HttpBehaviour, PythonTlsServer
from wizards.probe.http_exchange import MAX_BODY_PREFIX_BYTES

TIMEOUT = 1.0
# One timeout per bounded step that can wait, plus slack for a loaded machine.
SLACK = 0.75


def _timed_probe(
    pki: PkiFiles, port: int, identity: PemIdentity | None, **settings: Any
) -> tuple[HopObservation, float]:
    started = time.monotonic()
    observation = probe_localhost(pki, port, identity, timeout=TIMEOUT, **settings)
    return observation, time.monotonic() - started


def test_probe_closed_port_unreachable(
    pki: PkiFiles, client_identity: PemIdentity
) -> None:
    """Nothing listening is unreachable, with the connect error, at once."""
    observation, elapsed = _timed_probe(pki, closed_port(), client_identity)

    assert observation.connect_outcome is Outcome.UNREACHABLE
    assert observation.connect_error is not None
    assert "refused" in observation.connect_error.lower()
    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.UNREACHABLE
    assert observation.with_cert is None
    assert observation.client_auth is ClientAuth.UNKNOWN
    assert elapsed < TIMEOUT


def test_probe_unresolvable_name_unreachable(pki: PkiFiles) -> None:
    """A name that does not resolve is unreachable within the timeout."""
    started = time.monotonic()
    observation = probe_localhost(
        pki, 443, None, host="no-such-host.invalid", timeout=TIMEOUT
    )
    elapsed = time.monotonic() - started

    assert observation.connect_outcome is Outcome.UNREACHABLE
    assert observation.connect_error is not None
    assert "no-such-host.invalid" in observation.connect_error
    assert elapsed < 2 * TIMEOUT + SLACK


def test_probe_silent_server_timeout(
    pki: PkiFiles, client_identity: PemIdentity
) -> None:
    """A port that accepts and never speaks times out once, without a second try."""
    with FaultServer(Fault.SILENT) as server:
        observation, elapsed = _timed_probe(pki, server.port, client_identity)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.TIMEOUT
    assert "sent nothing" in observation.without_cert.detail
    assert observation.with_cert is None
    assert elapsed < TIMEOUT + SLACK


@pytest.mark.parametrize(
    ("fault", "seen"),
    [
        (Fault.PLAIN_HTTP, "HTTP/"),
        (Fault.SSH_BANNER, "SSH-2"),
        (Fault.RANDOM_BYTES, "hex 07"),
    ],
)
def test_probe_non_tls_answer_not_tls(
    pki: PkiFiles, client_identity: PemIdentity, fault: Fault, seen: str
) -> None:
    """Plain HTTP, an SSH banner or random bytes are not TLS, named by their start."""
    with FaultServer(fault) as server:
        observation, elapsed = _timed_probe(pki, server.port, client_identity)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.NOT_TLS
    assert seen in observation.without_cert.detail
    assert observation.with_cert is None
    assert observation.client_auth is ClientAuth.UNKNOWN
    assert elapsed < TIMEOUT


@pytest.mark.parametrize(
    ("fault", "word"),
    [(Fault.RESET_AFTER_HELLO, "reset"), (Fault.CLOSE_AFTER_HELLO, "closed")],
)
def test_probe_ended_after_client_hello_error(
    pki: PkiFiles, client_identity: PemIdentity, fault: Fault, word: str
) -> None:
    """A reset or close right after the ClientHello is an error that says so."""
    with FaultServer(fault) as server:
        observation, elapsed = _timed_probe(pki, server.port, client_identity)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ERROR
    assert word in observation.without_cert.detail
    assert "ClientHello" in observation.without_cert.detail
    assert elapsed < TIMEOUT


def test_probe_stall_mid_handshake_timeout(pki: PkiFiles) -> None:
    """A server that stops in the middle of its first flight times out."""
    with FaultServer(Fault.STALL_MID_HANDSHAKE) as server:
        observation, elapsed = _timed_probe(pki, server.port, None)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.TIMEOUT
    assert "stalled" in observation.without_cert.detail
    assert elapsed < TIMEOUT + SLACK


def test_probe_no_http_answer_timeout_keeps_handshake(
    pki: PkiFiles, client_identity: PemIdentity
) -> None:
    """A server that never answers the request times out on HTTP, handshake recorded."""
    with PythonTlsServer(
        pki, ClientAuthMode.OPTIONAL, http=HttpBehaviour.SILENT
    ) as server:
        observation, elapsed = _timed_probe(pki, server.port, client_identity)

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.TIMEOUT
    assert without.handshake_completed
    assert without.tls_version == "TLSv1.3"
    assert without.certificate_requested
    assert observation.with_cert is not None
    assert observation.with_cert.outcome is Outcome.TIMEOUT
    assert observation.with_cert.client_cert_sent
    assert elapsed < 2 * TIMEOUT + SLACK


def test_probe_endless_body_bounded_prefix(pki: PkiFiles) -> None:
    """An endless body is read up to the prefix bound and the probe moves on."""
    with PythonTlsServer(
        pki, ClientAuthMode.NONE, http=HttpBehaviour.ENDLESS_BODY
    ) as server:
        observation, elapsed = _timed_probe(pki, server.port, None)

    without = observation.without_cert
    assert without is not None and without.http is not None
    assert without.outcome is Outcome.ACCEPTED
    assert without.http.status == 200
    assert len(without.http.body_prefix.encode()) == MAX_BODY_PREFIX_BYTES
    assert elapsed < TIMEOUT


def test_probe_endless_header_bounded_read(pki: PkiFiles) -> None:
    """An endless header stops at the header bound, past the TLS layer."""
    with PythonTlsServer(
        pki, ClientAuthMode.NONE, http=HttpBehaviour.ENDLESS_HEADER
    ) as server:
        observation, elapsed = _timed_probe(pki, server.port, None)

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.ACCEPTED
    assert without.http is None
    assert "64 KiB" in without.detail
    assert elapsed < TIMEOUT


def test_probe_reset_after_tls13_request_probably_rejected(pki: PkiFiles) -> None:
    """A reset without an alert after a TLS 1.3 certificate request is a refusal."""
    with PythonTlsServer(
        pki, ClientAuthMode.OPTIONAL, http=HttpBehaviour.RESET
    ) as server:
        observation, elapsed = _timed_probe(pki, server.port, None)

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.REJECTED_TLS
    assert without.alert_received is None
    assert "probably refused" in without.detail
    assert elapsed < TIMEOUT


def test_probe_reset_after_handshake_without_request_error(pki: PkiFiles) -> None:
    """A reset after a handshake that asked for nothing is an error, not a refusal."""
    with PythonTlsServer(pki, ClientAuthMode.NONE, http=HttpBehaviour.RESET) as server:
        observation, elapsed = _timed_probe(pki, server.port, None)

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.ERROR
    assert "without answering" in without.detail or "before answering" in without.detail
    assert elapsed < TIMEOUT
