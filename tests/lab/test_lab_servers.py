"""The lab's servers and files behave like the setups they imitate."""

from __future__ import annotations

import datetime
import http.client
import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from tests.servers.check_cli import run_check
from wizards.lab import RunningLab, start_lab


def _https_status(lab: RunningLab, context: ssl.SSLContext) -> int:
    connection = http.client.HTTPSConnection(
        "localhost", lab.port, context=context, timeout=5
    )
    try:
        connection.request("GET", "/")
        return connection.getresponse().status
    finally:
        connection.close()


def _client_context(lab: RunningLab, post_handshake_auth: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(lab.ca))
    context.post_handshake_auth = post_handshake_auth
    assert lab.client_cert is not None and lab.client_key is not None
    context.load_cert_chain(lab.client_cert, lab.client_key)
    return context


def test_lab_plain_http_scenario_serves_http_and_refuses_a_client_hello(
    tmp_path: Path,
) -> None:
    """The plain HTTP port greets an HTTP request and answers TLS with plain HTTP."""
    with start_lab("plain-http", folder=tmp_path) as lab:
        connection = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=5)
        connection.request("GET", "/")
        greeting = connection.getresponse()
        connection.close()
        context = ssl.create_default_context(cafile=str(lab.ca))
        with pytest.raises(ssl.SSLError) as refused:
            _https_status(lab, context)

    assert greeting.status == 200
    assert refused.value.reason == "WRONG_VERSION_NUMBER"


def test_lab_closed_port_scenario_reports_the_port_it_refuses(
    tmp_path: Path,
) -> None:
    """The closed-port lab names its port in the hops and commands; nothing accepts."""
    with start_lab("closed-port", folder=tmp_path) as lab:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", lab.port), timeout=2)
        hop_ports = [hop.port for hop in lab.hops]
        command = lab.try_command()

    assert hop_ports == [lab.port]
    assert f"https://localhost:{lab.port}/" in command


def test_lab_post_handshake_scenario_asks_after_the_request_only(
    tmp_path: Path,
) -> None:
    """The certificate is asked for after the request: 403 without it, 200 with it."""
    with start_lab("post-handshake", folder=tmp_path) as lab:
        result = run_check(*lab.check_arguments()[1:])

    without, with_cert = result.hop()["without_cert"], result.hop()["with_cert"]
    assert without["certificate_request"]["after_handshake"] is True, result
    assert without["http_status"] == 403, result
    assert with_cert["certificate_request"]["after_handshake"] is True, result
    assert with_cert["http_status"] == 200, result


def test_lab_post_handshake_scenario_refuses_a_client_that_cannot_be_asked(
    tmp_path: Path,
) -> None:
    """A client without post-handshake auth gets 403 though it holds a certificate."""
    with start_lab("post-handshake", folder=tmp_path) as lab:
        able = _https_status(lab, _client_context(lab, post_handshake_auth=True))
        unable = _https_status(lab, _client_context(lab, post_handshake_auth=False))

    assert (able, unable) == (200, 403)


def test_lab_chain_incomplete_scenario_gives_a_leaf_from_an_intermediate(
    tmp_path: Path,
) -> None:
    """The tried file is one certificate whose issuer is not the root the server
    trusts, and the command to try names that root with --client-ca."""
    with start_lab("chain-incomplete", folder=tmp_path) as lab:
        assert lab.client_cert is not None and lab.client_ca is not None
        tried = x509.load_pem_x509_certificates(lab.client_cert.read_bytes())
        root = x509.load_pem_x509_certificate(lab.client_ca.read_bytes())
        arguments = lab.check_arguments()

    assert len(tried) == 1
    assert tried[0].issuer != root.subject
    assert arguments[arguments.index("--client-ca") + 1] == str(lab.client_ca)


def test_lab_not_yet_valid_scenario_tries_a_certificate_valid_from_later(
    tmp_path: Path,
) -> None:
    """The tried certificate's notBefore lies ahead, so the server refuses it."""
    with start_lab("not-yet-valid-client", folder=tmp_path) as lab:
        assert lab.client_cert is not None
        tried = x509.load_pem_x509_certificate(lab.client_cert.read_bytes())
        result = run_check(*lab.check_arguments()[1:])

    assert tried.not_valid_before_utc > datetime.datetime.now(datetime.UTC)
    assert result.hop()["with_cert"]["tls_alert"] == 42, result
