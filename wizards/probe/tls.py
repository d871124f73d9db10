"""One TLS connection to a hop: handshake, HTTP request, and what was seen on it."""

from __future__ import annotations

import logging
import select
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.observations import (
    CertificateRequest,
    HandshakeAttempt,
    HttpResponse,
    Outcome,
)
from wizards.probe.classify import Verdict, classify_completed, classify_handshake_error
from wizards.probe.http_exchange import ExchangeFailure, HttpExchange, exchange_http
from wizards.probe.messages import (
    CERTIFICATE_TYPE_NAMES,
    HandshakeRecorder,
    signature_scheme_name,
    version_name,
)
from wizards.probe.resolve import ResolvedAddress
from wizards.probe.settings import ProbeSettings
from wizards.probe.summaries import (
    certificate_matches_name,
    name_to_rfc4514,
    summarize_certificate,
)

logger = logging.getLogger(__name__)

# How long to wait, after a TLS 1.3 handshake that asked for a certificate, for the
# server's verdict (session tickets or an alert) before sending the request: a
# multiple of the handshake's own duration, so a slow link gets a longer wait.
_VERDICT_WAIT_FLOOR = 0.1
_VERDICT_WAIT_HANDSHAKES = 3.0


class ConnectError(Exception):
    """No TCP connection could be made to any address of a hop."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AttemptResult:
    """A finished attempt and, when the server's certificate failed, why."""

    attempt: HandshakeAttempt
    verify_failure: str | None = None


def make_context(settings: ProbeSettings, verify: bool = True) -> ssl.SSLContext:
    """A client context that verifies the server with the settings' CA bundle."""
    if verify:
        cafile = str(settings.cacert) if settings.cacert is not None else None
        context = ssl.create_default_context(cafile=cafile)
        context.check_hostname = checks_name_natively(settings)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        stop_verifying(context)
    if hasattr(context, "post_handshake_auth"):
        context.post_handshake_auth = True
    context.set_alpn_protocols(["http/1.1"])
    return context


def checks_name_natively(settings: ProbeSettings) -> bool:
    """Whether OpenSSL can check the name itself (it checks the SNI it sends)."""
    return settings.verify_name is not None and settings.verify_name == (
        settings.server_name
    )


def stop_verifying(context: ssl.SSLContext) -> None:
    """Accept any server certificate, to observe client auth past a bad one."""
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE


def connect(
    addresses: Sequence[ResolvedAddress], timeout: float
) -> tuple[socket.socket, ResolvedAddress]:
    """A TCP connection to the first address that answers, all within the timeout."""
    deadline = time.monotonic() + timeout
    failures: list[str] = []
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        sock.settimeout(remaining)
        try:
            sock.connect(address.sockaddr)
        except TimeoutError:
            sock.close()
            failures.append(f"{address.text}: no answer in {timeout:g} s")
            continue
        except OSError as error:
            sock.close()
            failures.append(f"{address.text}: {error.strerror or error}")
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address
    if not failures:
        failures.append(f"no address could be tried in {timeout:g} s")
    raise ConnectError("; ".join(failures))


def run_attempt(
    sock: socket.socket,
    context: ssl.SSLContext,
    settings: ProbeSettings,
    with_client_cert: bool,
    known_verify_error: str | None = None,
    started: float | None = None,
) -> AttemptResult:
    """Handshake on a connected socket, send the request, and close it."""
    started = time.perf_counter() if started is None else started
    recorder = HandshakeRecorder()
    if hasattr(context, "_msg_callback"):
        context._msg_callback = recorder
    attempt = _Attempt(settings, recorder, with_client_cert, started)
    try:
        sock.settimeout(settings.timeout)
        connection = context.wrap_socket(
            sock, server_hostname=settings.server_name, do_handshake_on_connect=False
        )
    except (ValueError, OSError) as error:
        sock.close()
        verdict = Verdict(Outcome.ERROR, f"could not start TLS: {error}")
        return AttemptResult(attempt.finish(verdict, known_verify_error))
    try:
        return _handshake_and_request(connection, attempt, known_verify_error)
    finally:
        connection.close()


def _handshake_and_request(
    connection: ssl.SSLSocket, attempt: _Attempt, known_verify_error: str | None
) -> AttemptResult:
    settings, recorder = attempt.settings, attempt.recorder
    handshake_started = time.perf_counter()
    try:
        connection.do_handshake()
    except ssl.SSLCertVerificationError as error:
        failure = str(error.verify_message or error.reason or error)
        verdict = Verdict(Outcome.ERROR, f"the server's certificate failed: {failure}")
        return AttemptResult(attempt.finish(verdict, failure), verify_failure=failure)
    except OSError as error:
        verdict = classify_handshake_error(recorder, error, settings.timeout)
        return AttemptResult(attempt.finish(verdict, known_verify_error))
    recorder.handshake_done = True
    handshake_seconds = time.perf_counter() - handshake_started

    tls13 = connection.version() == "TLSv1.3"
    attempt.completed(connection)
    verify_error = known_verify_error or attempt.name_mismatch(connection)
    early_bytes, early_end = b"", None
    if tls13 and recorder.certificate_request is not None:
        wait = max(_VERDICT_WAIT_FLOOR, _VERDICT_WAIT_HANDSHAKES * handshake_seconds)
        early_bytes, early_end = _await_server_verdict(
            connection, recorder, min(wait, settings.timeout)
        )
    exchange = early_end or exchange_http(
        connection, settings.host_header, settings.path, settings.timeout, early_bytes
    )
    verdict = classify_completed(recorder, tls13, exchange, settings.timeout)
    return AttemptResult(attempt.finish(verdict, verify_error, exchange.response))


def _await_server_verdict(
    connection: ssl.SSLSocket, recorder: HandshakeRecorder, wait: float
) -> tuple[bytes, HttpExchange | None]:
    """Read until the server sends session tickets (it accepted) or an alert.

    TLS 1.3 servers refuse a client certificate only after the client's handshake
    has completed; writing the request first can turn their alert into a reset.
    """
    deadline = time.monotonic() + wait
    connection.settimeout(0.0)
    try:
        while True:
            try:
                data = connection.recv(16 * 1024)
            except ssl.SSLWantReadError:
                if recorder.session_ticket_received or recorder.first_alert_received:
                    break
                remaining = deadline - time.monotonic()
                if (
                    remaining <= 0
                    or not select.select([connection], [], [], remaining)[0]
                ):
                    break
                continue
            if not data:
                return b"", HttpExchange(
                    None, ExchangeFailure.CLOSED, "the server closed the connection"
                )
            return data, None
    except ssl.SSLError as error:
        return b"", HttpExchange(None, ExchangeFailure.TLS_ERROR, str(error.reason))
    except OSError:
        return b"", HttpExchange(
            None, ExchangeFailure.RESET, "the server reset the connection"
        )
    return b"", None


class _Attempt:
    """Collects the facts of one attempt as it goes, then freezes them."""

    def __init__(
        self,
        settings: ProbeSettings,
        recorder: HandshakeRecorder,
        with_client_cert: bool,
        started: float,
    ) -> None:
        self.settings = settings
        self.recorder = recorder
        self.with_client_cert = with_client_cert
        self.started = started
        self.tls_version: str | None = None
        self.cipher: str | None = None
        self.handshake_completed = False

    def completed(self, connection: ssl.SSLSocket) -> None:
        self.handshake_completed = True
        self.tls_version = connection.version()
        cipher = connection.cipher()
        self.cipher = cipher[0] if cipher else None

    def name_mismatch(self, connection: ssl.SSLSocket) -> str | None:
        name = self.settings.verify_name
        if (
            name is None
            or checks_name_natively(self.settings)
            or connection.context.verify_mode == ssl.CERT_NONE
            or not self.recorder.server_certificates_der
        ):
            return None
        leaf = summarize_certificate(self.recorder.server_certificates_der[0])
        if certificate_matches_name(leaf, name):
            return None
        return f"Hostname mismatch, certificate is not valid for '{name}'."

    def finish(
        self,
        verdict: Verdict,
        verify_error: str | None,
        response: HttpResponse | None = None,
    ) -> HandshakeAttempt:
        recorder = self.recorder
        received, sent = recorder.first_alert_received, recorder.first_alert_sent
        return HandshakeAttempt(
            with_client_cert=self.with_client_cert,
            outcome=verdict.outcome,
            detail=verdict.detail,
            certificate_request=_certificate_request(recorder),
            client_cert_sent=recorder.client_certificate_sent,
            tls_version=self.tls_version or version_name(recorder.protocol_version),
            cipher=self.cipher,
            alert_received=received.description if received else None,
            server_chain=tuple(
                summarize_certificate(der) for der in recorder.server_certificates_der
            ),
            server_verify_error=verify_error,
            http=response,
            elapsed_ms=(time.perf_counter() - self.started) * 1000,
            alert_sent=sent.description if sent else None,
            handshake_completed=self.handshake_completed,
        )


def _certificate_request(recorder: HandshakeRecorder) -> CertificateRequest | None:
    parsed = recorder.certificate_request
    if parsed is None:
        return None
    return CertificateRequest(
        acceptable_ca_names=tuple(name_to_rfc4514(der) for der in parsed.ca_names_der),
        signature_algorithms=tuple(
            signature_scheme_name(code) for code in parsed.signature_schemes
        ),
        after_handshake=recorder.certificate_request_after_handshake,
        certificate_types=tuple(
            CERTIFICATE_TYPE_NAMES.get(code, str(code))
            for code in parsed.certificate_types
        ),
        acceptable_ca_names_der=parsed.ca_names_der,
    )
