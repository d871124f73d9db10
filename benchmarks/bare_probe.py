"""The probe's work done bare with `ssl`: two handshakes, two requests, no extras."""

from __future__ import annotations

import socket
import ssl
import sys


def probe_twice(
    host: str, port: int, cacert: str, cert: str, key: str, timeout: float = 5.0
) -> tuple[str, str]:
    """Connect without, then with the client certificate; one request on each."""
    without_cert = ssl.create_default_context(cafile=cacert)
    with_cert = ssl.create_default_context(cafile=cacert)
    with_cert.load_cert_chain(cert, key)
    return (
        _first_line_or_alert(without_cert, host, port, timeout),
        _first_line_or_alert(with_cert, host, port, timeout),
    )


def _first_line_or_alert(
    context: ssl.SSLContext, host: str, port: int, timeout: float
) -> str:
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        try:
            tls.sendall(request.encode("ascii"))
            response = b""
            while chunk := tls.recv(4096):
                response += chunk
        except ssl.SSLError as error:
            return f"refused: {error.reason}"
    return response.split(b"\r\n", 1)[0].decode("latin-1")


def _import_all(module_list_file: str) -> None:
    with open(module_list_file, encoding="utf-8") as names:
        for name in names.read().split():
            try:
                # __import__, unlike importlib.import_module, shows in -X importtime
                __import__(name)
            except Exception:  # a module another one imports only in its own way
                continue


def main(argv: list[str]) -> None:
    """HOST PORT CACERT CERT KEY [MODULE_LIST]: import the modules, then probe."""
    host, port, cacert, cert, key, *module_list = argv
    if module_list:
        _import_all(module_list[0])
    without_cert, with_cert = probe_twice(host, int(port), cacert, cert, key)
    print(f"without certificate: {without_cert}\nwith certificate: {with_cert}")


if __name__ == "__main__":
    main(sys.argv[1:])
