"""The answers lab servers give: a greeting, refusals as products word them, an edge."""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import ssl
from pathlib import Path

from wizards.lab.server import LabRequest, LabResponse, Responder

NGINX_SERVER = "nginx/1.22.1"
KONG_SERVER = "kong/3.4.2"
APACHE_SERVER = "Apache/2.4.62 (Debian)"

_NGINX_NO_CERT_PAGE = """\
<html>
<head><title>400 No required SSL certificate was sent</title></head>
<body>
<center><h1>400 Bad Request</h1></center>
<center>No required SSL certificate was sent</center>
<hr><center>nginx/1.22.1</center>
</body>
</html>
"""

_APACHE_FORBIDDEN_PAGE = """\
<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>403 Forbidden</title>
</head><body>
<h1>Forbidden</h1>
<p>You don't have permission to access this resource.</p>
</body></html>
"""

_KONG_HEADERS = (
    ("Server", KONG_SERVER),
    ("Content-Type", "application/json; charset=utf-8"),
    ("X-Kong-Response-Latency", "0"),
)


def greeting(server_header: str) -> Responder:
    """Answer 200 with a line saying whether a client certificate came."""

    def respond(request: LabRequest) -> LabResponse:
        seen = "with" if request.client_cert_presented else "without"
        body = f"hello from the mtls-doctor lab, {seen} a client certificate\n"
        return LabResponse(
            200,
            "OK",
            (("Server", server_header), ("Content-Type", "text/plain")),
            body.encode(),
        )

    return respond


def nginx_requires_certificate(request: LabRequest) -> LabResponse:
    """nginx `ssl_verify_client on`: 400 page without a certificate, else a greeting."""
    if request.client_cert_presented:
        return greeting(NGINX_SERVER)(request)
    return LabResponse(
        400,
        "Bad Request",
        (("Server", NGINX_SERVER), ("Content-Type", "text/html")),
        _NGINX_NO_CERT_PAGE.encode(),
    )


def apache_requires_certificate(request: LabRequest) -> LabResponse:
    """Apache `SSLVerifyClient require` in a `<Location>`: 403 without a certificate."""
    if request.client_cert_presented:
        return greeting(APACHE_SERVER)(request)
    return LabResponse(
        403,
        "Forbidden",
        (("Server", APACHE_SERVER), ("Content-Type", "text/html; charset=iso-8859-1")),
        _APACHE_FORBIDDEN_PAGE.encode(),
    )


def kong_requires_certificate(request: LabRequest) -> LabResponse:
    """Kong's mtls-auth plugin: 401 JSON without a certificate, else 200 JSON."""
    request_id = secrets.token_hex(16)
    headers = (*_KONG_HEADERS, ("X-Kong-Request-Id", request_id))
    if not request.client_cert_presented:
        body = {"message": "No required TLS certificate was sent"}
        return LabResponse(401, "Unauthorized", headers, json.dumps(body).encode())
    body = {"message": "hello from the lab origin", "client_certificate": "verified"}
    upstream = (("Via", f"1.1 {KONG_SERVER}"), ("X-Kong-Upstream-Latency", "1"))
    return LabResponse(200, "OK", headers + upstream, json.dumps(body).encode())


def edge_forwarding_to(origin_port: int, origin_ca: Path) -> Responder:
    """A Cloudflare-like edge: new TLS to the origin, without the client certificate."""

    def respond(request: LabRequest) -> LabResponse:
        host = request.server_name or "localhost"
        ray = f"{secrets.token_hex(8)}-LAB"
        connection = http.client.HTTPConnection(host, origin_port, timeout=5)
        try:
            connection.sock = _tls_to_origin(origin_port, origin_ca, host)
            connection.request(request.method, request.path, headers={"Host": host})
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as error:
            text = f"error code: 502 ({type(error).__name__})\n".encode()
            edge_headers = (("Server", "cloudflare"), ("CF-RAY", ray))
            return LabResponse(502, "Bad Gateway", edge_headers, text)
        finally:
            connection.close()
        passed = tuple(
            (name, value)
            for name, value in answer.getheaders()
            if name.lower() not in {"server", "connection", "content-length", "date"}
        )
        headers = (*passed, ("Server", "cloudflare"), ("CF-RAY", ray))
        return LabResponse(answer.status, answer.reason, headers, body)

    return respond


def _tls_to_origin(port: int, origin_ca: Path, server_name: str) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(origin_ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        return context.wrap_socket(raw, server_hostname=server_name)
    except (ssl.SSLError, OSError):
        raw.close()
        raise
