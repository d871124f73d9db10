"""Read the server name from a TLS ClientHello without consuming it (MSG_PEEK)."""

from __future__ import annotations

import socket
import time

_HEADER_LENGTH = 5
_HANDSHAKE = 22
_CLIENT_HELLO = 1
_SERVER_NAME_EXTENSION = 0
_HOST_NAME = 0


def peek_server_name(connection: socket.socket, timeout: float) -> str | None:
    """The SNI host name of the ClientHello waiting on connection, or None.

    The bytes stay in the socket for the TLS handshake that follows; anything that
    is not a readable ClientHello in one record gives None.
    """
    record = _peek_first_record(connection, timeout)
    if record is None:
        return None
    try:
        return _server_name_in_client_hello(record)
    except IndexError:
        return None


def _peek_first_record(connection: socket.socket, timeout: float) -> bytes | None:
    deadline = time.monotonic() + timeout
    wanted = _HEADER_LENGTH
    data = b""
    while time.monotonic() < deadline:
        connection.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            data = connection.recv(wanted, socket.MSG_PEEK)
        except OSError:
            return None
        if not data:
            return None
        if len(data) >= _HEADER_LENGTH:
            if data[0] != _HANDSHAKE:
                return None
            wanted = _HEADER_LENGTH + int.from_bytes(data[3:5], "big")
            if len(data) >= wanted:
                return data[_HEADER_LENGTH:wanted]
        time.sleep(0.005)
    return None


def _server_name_in_client_hello(message: bytes) -> str | None:
    if message[0] != _CLIENT_HELLO:
        return None
    position = 4 + 2 + 32
    position += 1 + message[position]
    position += 2 + int.from_bytes(message[position : position + 2], "big")
    position += 1 + message[position]
    end = position + 2 + int.from_bytes(message[position : position + 2], "big")
    position += 2
    while position + 4 <= end:
        kind = int.from_bytes(message[position : position + 2], "big")
        length = int.from_bytes(message[position + 2 : position + 4], "big")
        body = message[position + 4 : position + 4 + length]
        if kind == _SERVER_NAME_EXTENSION and body[2] == _HOST_NAME:
            name_length = int.from_bytes(body[3:5], "big")
            return body[5 : 5 + name_length].decode("ascii", errors="replace")
        position += 4 + length
    return None
