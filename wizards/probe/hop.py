"""The live probe of one hop: resolve, connect, TLS without and with a certificate."""

from __future__ import annotations

import dataclasses
import logging
import ssl
import time

from knowledge.errors import MtlsDoctorError
from knowledge.observations import (
    HandshakeAttempt,
    Hop,
    HopObservation,
    Outcome,
)
from wizards.probe.classify import refused_unlike_with_cert
from wizards.probe.resolve import (
    PendingDnsView,
    ResolvedAddress,
    ResolveError,
    resolve_system,
    wants_dns_view,
)
from wizards.probe.settings import LoadsIntoContext, ProbeSettings
from wizards.probe.tls import (
    AttemptResult,
    ConnectError,
    connect,
    make_context,
    run_attempt,
    stop_verifying,
)
from wizards.progress import ProbeStepChanged, ProgressCallback, StepState

logger = logging.getLogger(__name__)


class _Steps:
    """Reports step changes to the front end, never letting its errors stop a probe."""

    def __init__(self, hop_label: str, on_progress: ProgressCallback | None) -> None:
        self._hop_label = hop_label
        self._on_progress = on_progress

    def report(self, step: str, state: StepState, summary: str = "") -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(ProbeStepChanged(self._hop_label, step, state, summary))
        except Exception:  # noqa: BLE001 - a display error must not end the probe
            logger.warning("progress callback failed for step %s", step, exc_info=True)

    def finished(self, step: str, attempt: HandshakeAttempt) -> None:
        failed = attempt.outcome in (
            Outcome.UNREACHABLE,
            Outcome.NOT_TLS,
            Outcome.TIMEOUT,
            Outcome.ERROR,
        )
        state = StepState.FAILED if failed else StepState.DONE
        self.report(step, state, _attempt_summary(attempt))


def _attempt_summary(attempt: HandshakeAttempt) -> str:
    parts = [attempt.outcome.value]
    if attempt.tls_version:
        parts.append(attempt.tls_version)
    request = attempt.certificate_request
    if request is not None:
        names = len(request.acceptable_ca_names)
        late = " after the request" if request.after_handshake else ""
        parts.append(f"certificate requested{late} ({names} CA names)")
    elif attempt.handshake_completed:
        parts.append("no certificate request")
    parts.append(attempt.detail)
    return ", ".join(p for p in parts if p)


def probe_hop(
    hop: Hop,
    settings: ProbeSettings,
    identity: LoadsIntoContext | None,
    on_progress: ProgressCallback | None = None,
) -> HopObservation:
    """Probe one hop: without a client certificate, then with it when one is given."""
    logger.debug(
        "probing %s (%s), SNI %s", hop.label, hop.address, settings.server_name
    )
    steps = _Steps(hop.label, on_progress)
    dns_view = (
        PendingDnsView(hop.host, settings.timeout) if wants_dns_view(hop.host) else None
    )
    observation = HopObservation(hop=hop, sni=settings.server_name)

    steps.report("dns", StepState.RUNNING)
    try:
        addresses = resolve_system(hop.host, hop.port, settings.timeout)
    except ResolveError as error:
        steps.report("dns", StepState.FAILED, str(error))
        return _unreachable(observation, str(error), dns_view)
    listed = ", ".join(a.host for a in addresses)
    steps.report("dns", StepState.DONE, f"{hop.host} resolves to {listed}")
    observation = dataclasses.replace(
        observation, resolved_addresses=tuple(a.host for a in addresses)
    )

    steps.report("tcp", StepState.RUNNING)
    started = time.perf_counter()
    try:
        sock, address = connect(addresses, settings.timeout)
    except ConnectError as error:
        steps.report("tcp", StepState.FAILED, error.message)
        return _unreachable(observation, error.message, dns_view)
    connect_ms = (time.perf_counter() - started) * 1000
    steps.report(
        "tcp", StepState.DONE, f"connected to {address.text} in {connect_ms:.0f} ms"
    )

    steps.report("tls-without-cert", StepState.RUNNING)
    try:
        context = make_context(settings)
    except (ssl.SSLError, OSError) as error:
        sock.close()
        attempt = HandshakeAttempt(
            False, Outcome.ERROR, f"the CA bundle could not be loaded: {error}"
        )
        steps.finished("tls-without-cert", attempt)
        return _finish(observation, attempt, None, dns_view)
    result = run_attempt(
        sock, context, settings, with_client_cert=False, started=started
    )
    if result.verify_failure is not None:
        stop_verifying(context)
        result = _attempt_at(address, context, settings, False, result.verify_failure)
    without_cert = result.attempt
    steps.finished("tls-without-cert", without_cert)

    with_cert = None
    if identity is not None and _worth_a_second_attempt(without_cert):
        steps.report("tls-with-cert", StepState.RUNNING)
        with_cert = _attempt_with_cert(
            address, context, settings, identity, without_cert.server_verify_error
        )
        steps.finished("tls-with-cert", with_cert)
    return _finish(observation, without_cert, with_cert, dns_view)


def _attempt_at(
    address: ResolvedAddress,
    context: ssl.SSLContext,
    settings: ProbeSettings,
    with_client_cert: bool,
    known_verify_error: str | None,
) -> AttemptResult:
    started = time.perf_counter()
    try:
        sock, _ = connect((address,), settings.timeout)
    except ConnectError as error:
        attempt = HandshakeAttempt(with_client_cert, Outcome.UNREACHABLE, error.message)
        return AttemptResult(attempt)
    return run_attempt(
        sock, context, settings, with_client_cert, known_verify_error, started
    )


def _attempt_with_cert(
    address: ResolvedAddress,
    context: ssl.SSLContext,
    settings: ProbeSettings,
    identity: LoadsIntoContext,
    known_verify_error: str | None,
) -> HandshakeAttempt:
    try:
        identity.load_into(context)
    except (ssl.SSLError, OSError, ValueError, MtlsDoctorError) as error:
        detail = f"the client certificate could not be loaded: {error}"
        return HandshakeAttempt(True, Outcome.ERROR, detail)
    result = _attempt_at(address, context, settings, True, known_verify_error)
    if result.verify_failure is not None:
        stop_verifying(context)
        result = _attempt_at(address, context, settings, True, result.verify_failure)
    return result.attempt


def _worth_a_second_attempt(without_cert: HandshakeAttempt) -> bool:
    """Whether TLS got far enough without a certificate for one to make a difference."""
    return (
        without_cert.handshake_completed
        or without_cert.certificate_request is not None
        or without_cert.outcome is Outcome.REJECTED_TLS
    )


def _unreachable(
    observation: HopObservation, message: str, dns_view: PendingDnsView | None
) -> HopObservation:
    return dataclasses.replace(
        observation,
        dns=dns_view.result() if dns_view else None,
        connect_error=message,
        connect_outcome=Outcome.UNREACHABLE,
        without_cert=HandshakeAttempt(False, Outcome.UNREACHABLE, message),
    )


def _finish(
    observation: HopObservation,
    without_cert: HandshakeAttempt,
    with_cert: HandshakeAttempt | None,
    dns_view: PendingDnsView | None,
) -> HopObservation:
    if (
        without_cert.outcome is Outcome.ACCEPTED
        and with_cert is not None
        and with_cert.client_cert_sent
        and refused_unlike_with_cert(without_cert.http, with_cert.http)
    ):
        assert without_cert.http is not None
        without_cert = dataclasses.replace(
            without_cert,
            outcome=Outcome.REJECTED_HTTP,
            detail=f"{without_cert.detail}, while the request with the certificate "
            f"got HTTP {with_cert.http.status if with_cert.http else '?'}",
        )
    logger.debug(
        "%s: without certificate %s, with certificate %s",
        observation.hop.label,
        without_cert.outcome,
        with_cert.outcome if with_cert else "not tried",
    )
    return dataclasses.replace(
        observation,
        dns=dns_view.result() if dns_view else None,
        without_cert=without_cert,
        with_cert=with_cert,
    )
