"""Loopback TLS 1.3 servers requiring a client certificate, run as a child process."""

from __future__ import annotations

import socket
import ssl
import sys
import threading

_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Server: benchmark\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: 3\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"ok\n"
)
_MAX_REQUEST = 64 * 1024


def _server_context(cert: str, key: str, client_ca: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(cert, key)
    context.load_verify_locations(client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _answer_one(context: ssl.SSLContext, connection: socket.socket) -> None:
    connection.settimeout(5)
    # As nginx does: without it the close_notify waits for a delayed ACK (40 ms).
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        with context.wrap_socket(connection, server_side=True) as tls:
            request = b""
            while b"\r\n\r\n" not in request and len(request) < _MAX_REQUEST:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                request += chunk
            tls.sendall(_RESPONSE)
            # close_notify, so that openssl s_client ends without an "unexpected eof"
            tls.unwrap()
    except OSError:
        # A client without a certificate is refused here (alert 116); that is the
        # point of the server, not an error.
        pass
    finally:
        connection.close()


def _accept_forever(context: ssl.SSLContext, listener: socket.socket) -> None:
    while True:
        connection, _address = listener.accept()
        threading.Thread(
            target=_answer_one, args=(context, connection), daemon=True
        ).start()


def main(argv: list[str]) -> None:
    """Listen on COUNT loopback ports, print them on a line, serve until stdin ends."""
    cert, key, client_ca, count = argv
    context = _server_context(cert, key, client_ca)
    listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(int(count))]
    for listener in listeners:
        threading.Thread(
            target=_accept_forever, args=(context, listener), daemon=True
        ).start()

    print(
        " ".join(str(listener.getsockname()[1]) for listener in listeners), flush=True
    )
    sys.stdin.read()


if __name__ == "__main__":
    main(sys.argv[1:])
