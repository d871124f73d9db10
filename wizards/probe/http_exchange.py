"""One bounded HTTP/1.1 request and the start of its answer, on a TLS socket."""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass
from enum import StrEnum

from knowledge.observations import HttpResponse

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_PREFIX_BYTES = 4 * 1024
USER_AGENT = "mtls-doctor"
_READ_SIZE = 16 * 1024


class ExchangeFailure(StrEnum):
    """Why no (complete) HTTP answer came."""

    TIMEOUT = "timeout"
    CLOSED = "closed"
    RESET = "reset"
    TLS_ERROR = "tls-error"
    NOT_HTTP = "not-http"


@dataclass(frozen=True)
class HttpExchange:
    """What one request brought back: an answer, a failure, or both (a partial one)."""

    response: HttpResponse | None
    failure: ExchangeFailure | None = None
    detail: str = ""


class _Ended(Exception):
    """The connection ended while reading; carries why."""

    def __init__(self, failure: ExchangeFailure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail


def _remaining(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Ended(
            ExchangeFailure.TIMEOUT, f"no complete HTTP answer within {timeout:g} s"
        )
    return left


def _receive(connection: ssl.SSLSocket, deadline: float, timeout: float) -> bytes:
    connection.settimeout(_remaining(deadline, timeout))
    try:
        return connection.recv(_READ_SIZE)
    except TimeoutError:
        raise _Ended(
            ExchangeFailure.TIMEOUT, f"no complete HTTP answer within {timeout:g} s"
        ) from None
    except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
        return b""
    except ssl.SSLError as error:
        raise _Ended(ExchangeFailure.TLS_ERROR, error.reason or str(error)) from None
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        raise _Ended(ExchangeFailure.RESET, "the server reset the connection") from None
    except OSError as error:
        raise _Ended(ExchangeFailure.RESET, f"the connection failed: {error}") from None


def _send(
    connection: ssl.SSLSocket, data: bytes, deadline: float, timeout: float
) -> None:
    connection.settimeout(_remaining(deadline, timeout))
    try:
        connection.sendall(data)
    except TimeoutError:
        raise _Ended(
            ExchangeFailure.TIMEOUT, f"could not send the request within {timeout:g} s"
        ) from None
    except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
        raise _Ended(
            ExchangeFailure.CLOSED, "the server closed the connection"
        ) from None
    except ssl.SSLError as error:
        raise _Ended(ExchangeFailure.TLS_ERROR, error.reason or str(error)) from None
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        raise _Ended(ExchangeFailure.RESET, "the server reset the connection") from None
    except OSError as error:
        raise _Ended(ExchangeFailure.RESET, f"the connection failed: {error}") from None


def _ascii_host(host_header: str) -> bytes:
    try:
        return host_header.encode("ascii")
    except UnicodeError:
        return host_header.encode("idna")


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def exchange_http(
    connection: ssl.SSLSocket,
    host_header: str,
    path: str,
    timeout: float,
    already_received: bytes = b"",
) -> HttpExchange:
    """Send GET path and read the status, headers and up to 4 KiB of the body."""
    import h11

    deadline = time.monotonic() + timeout
    client = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
    try:
        request = client.send(
            h11.Request(
                method="GET",
                target=path.encode("ascii", "strict"),
                headers=[
                    (b"Host", _ascii_host(host_header)),
                    (b"User-Agent", USER_AGENT.encode()),
                    (b"Accept", b"*/*"),
                    (b"Connection", b"close"),
                ],
            )
        )
    except (h11.LocalProtocolError, UnicodeError) as error:
        return HttpExchange(None, ExchangeFailure.NOT_HTTP, f"bad request: {error}")
    request = (request or b"") + (client.send(h11.EndOfMessage()) or b"")

    head: h11.Response | None = None
    body = bytearray()
    bytes_received = len(already_received)
    if already_received:
        client.receive_data(already_received)
    try:
        _send(connection, request, deadline, timeout)
        while len(body) < MAX_BODY_PREFIX_BYTES:
            event = client.next_event()
            if event is h11.NEED_DATA:
                chunk = _receive(connection, deadline, timeout)
                bytes_received += len(chunk)
                client.receive_data(chunk)
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                break
        if head is None:
            raise h11.RemoteProtocolError("closed before the answer's headers")
    except _Ended as ended:
        failure, detail = ended.failure, ended.detail
        if failure is not ExchangeFailure.TIMEOUT and bytes_received == 0:
            detail = f"{detail} before answering the request"
        return HttpExchange(_response(head, body), failure, detail)
    except h11.RemoteProtocolError as error:
        if head is None and bytes_received == 0:
            return HttpExchange(
                None,
                ExchangeFailure.CLOSED,
                "the server closed the connection without answering the request",
            )
        if head is None:
            return HttpExchange(None, ExchangeFailure.NOT_HTTP, _protocol_detail(error))
        logger.debug("HTTP answer ended early: %s", error)
    return HttpExchange(_response(head, body))


def _protocol_detail(error: Exception) -> str:
    text = str(error)
    if "too long" in text.lower():
        return f"the HTTP answer's headers exceed {MAX_HEADER_BYTES // 1024} KiB"
    return f"the answer is not HTTP/1.1: {text}"


def _response(head: object, body: bytearray) -> HttpResponse | None:
    import h11

    if not isinstance(head, h11.Response):
        return None
    headers = tuple((_text(name), _text(value)) for name, value in head.headers)
    server = next((value for name, value in headers if name.lower() == "server"), None)
    return HttpResponse(
        status=head.status_code,
        reason=_text(head.reason),
        server_header=server,
        headers=headers,
        body_prefix=bytes(body[:MAX_BODY_PREFIX_BYTES]).decode("utf-8", "replace"),
    )
