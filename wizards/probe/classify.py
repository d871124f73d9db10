"""Naming how one TLS attempt ended, from what the message callback recorded."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from knowledge.http_refusals import find_certificate_refusal, is_refusal_status
from knowledge.observations import HttpResponse, Outcome
from wizards.probe.http_exchange import ExchangeFailure, HttpExchange
from wizards.probe.messages import HandshakeRecorder, alert_name, looks_like_tls_record

# Alerts a server sends about the client's certificate (or its absence).
CERTIFICATE_ALERTS = frozenset({41, 42, 43, 44, 45, 46, 48, 49, 116})

_NOT_TLS_REASONS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "UNKNOWN_PROTOCOL",
        "PACKET_LENGTH_TOO_LONG",
        "HTTP_REQUEST",
    }
)

_KNOWN_BANNERS = (
    (b"HTTP/", " (plain HTTP)"),
    (b"SSH-", " (SSH)"),
    (b"220", " (an SMTP or FTP greeting)"),
    (b"+OK", " (POP3)"),
)


@dataclass(frozen=True)
class Verdict:
    """An outcome with one line saying why."""

    outcome: Outcome
    detail: str


def _alert_words(description: int) -> str:
    return f"alert {description} ({alert_name(description)})"


def _printable(header: bytes) -> str:
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in header)
    return f"{text!r} (hex {header.hex()})"


def _refusal_by_alert(recorder: HandshakeRecorder, when: str) -> Verdict | None:
    alert = recorder.first_alert_received
    if alert is None:
        return None
    words = _alert_words(alert.description)
    if (
        recorder.certificate_request is not None
        or alert.description in CERTIFICATE_ALERTS
    ):
        return Verdict(Outcome.REJECTED_TLS, f"the server refused {when} with {words}")
    return Verdict(
        Outcome.ERROR, f"the server ended the connection {when} with {words}"
    )


def classify_handshake_error(
    recorder: HandshakeRecorder, error: BaseException, timeout: float
) -> Verdict:
    """The outcome of a handshake that raised instead of completing."""
    header = recorder.first_record_header
    if header is not None and not looks_like_tls_record(header):
        guess = next((g for p, g in _KNOWN_BANNERS if header.startswith(p)), "")
        return Verdict(
            Outcome.NOT_TLS,
            f"something other than TLS answers{guess}; "
            f"it began with {_printable(header)}",
        )
    if isinstance(error, TimeoutError):
        if not recorder.received_anything:
            return Verdict(
                Outcome.TIMEOUT,
                f"the server accepted the connection but sent nothing in {timeout:g} s",
            )
        return Verdict(
            Outcome.TIMEOUT,
            f"the handshake stalled: nothing more came in {timeout:g} s",
        )
    refusal = _refusal_by_alert(recorder, "the handshake")
    if refusal is not None:
        return refusal
    reason = getattr(error, "reason", None)
    if reason in _NOT_TLS_REASONS:
        return Verdict(Outcome.NOT_TLS, f"the answer is not TLS ({reason})")
    if isinstance(error, ConnectionError | ssl.SSLEOFError | ssl.SSLZeroReturnError):
        ended = "reset" if isinstance(error, ConnectionResetError) else "closed"
        if recorder.certificate_request is not None:
            return Verdict(
                Outcome.REJECTED_TLS,
                f"probably refused: the server {ended} the connection after asking "
                "for a certificate, without an alert",
            )
        if not recorder.received_anything:
            return Verdict(
                Outcome.ERROR,
                f"the server {ended} the connection right after the ClientHello",
            )
        return Verdict(
            Outcome.ERROR, f"the server {ended} the connection during the handshake"
        )
    sent = recorder.first_alert_sent
    if sent is not None:
        return Verdict(
            Outcome.ERROR,
            f"the client ended the handshake with {_alert_words(sent.description)}: "
            f"{reason or error}",
        )
    return Verdict(Outcome.ERROR, f"the handshake failed: {reason or error}")


def classify_completed(
    recorder: HandshakeRecorder, tls13: bool, exchange: HttpExchange, timeout: float
) -> Verdict:
    """The outcome of an attempt whose handshake completed, from its HTTP exchange."""
    if exchange.response is not None:
        return _classify_answer(recorder, exchange)
    refusal = _refusal_by_alert(recorder, "after the handshake")
    if refusal is not None:
        return refusal
    failure = exchange.failure
    if failure is ExchangeFailure.TIMEOUT:
        return Verdict(
            Outcome.TIMEOUT,
            f"the handshake completed but no HTTP answer came in {timeout:g} s",
        )
    if failure in (ExchangeFailure.RESET, ExchangeFailure.CLOSED):
        request = recorder.certificate_request
        late = request is not None and recorder.certificate_request_after_handshake
        if request is not None and (tls13 or late):
            sent = "a" if recorder.client_certificate_sent else "no"
            return Verdict(
                Outcome.REJECTED_TLS,
                "probably refused (connection reset): the server asked for a "
                f"certificate, got {sent} certificate and ended the connection "
                "without an answer",
            )
        return Verdict(Outcome.ERROR, exchange.detail)
    if failure is ExchangeFailure.NOT_HTTP:
        return Verdict(
            Outcome.ACCEPTED, f"TLS let the request through; {exchange.detail}"
        )
    return Verdict(Outcome.ERROR, f"after the handshake: {exchange.detail}")


def _classify_answer(recorder: HandshakeRecorder, exchange: HttpExchange) -> Verdict:
    response = exchange.response
    assert response is not None
    status_words = f"HTTP {response.status} {response.reason}".rstrip()
    refusal = find_certificate_refusal(
        response.status, response.body_prefix, response.headers
    )
    if refusal is not None:
        vendor = f" ({refusal.vendor})" if refusal.vendor else ""
        return Verdict(
            Outcome.REJECTED_HTTP,
            f'{status_words}: "{refusal.text}"{vendor}',
        )
    if (
        is_refusal_status(response.status)
        and recorder.certificate_request is not None
        and recorder.certificate_request_after_handshake
    ):
        return Verdict(
            Outcome.REJECTED_HTTP,
            f"{status_words} after a certificate request that came after the request",
        )
    partial = f" ({exchange.detail})" if exchange.failure else ""
    return Verdict(Outcome.ACCEPTED, f"{status_words}{partial}")


def refused_unlike_with_cert(
    without_cert: HttpResponse | None, with_cert: HttpResponse | None
) -> bool:
    """Whether the answer without a certificate is 4xx where the one with it is not."""
    if without_cert is None or with_cert is None:
        return False
    return 400 <= without_cert.status < 500 and 200 <= with_cert.status < 400
