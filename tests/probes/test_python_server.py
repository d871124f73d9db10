"""The probe against Python TLS servers in every client-auth mode, TLS 1.2 and 1.3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knowledge.observations import ClientAuth, Hop, Outcome
from tests.pki import PkiFiles
from tests.probes.conftest import PemIdentity, loopback_settings, probe_localhost
from tests.servers.python_tls import ClientAuthMode, HttpBehaviour, PythonTlsServer
from wizards.probe import probe_hop, probe_sni_variant
from wizards.progress import ProbeStepChanged, StepState

TLS_VERSIONS = pytest.mark.parametrize("tls_version", ["1.2", "1.3"])
_REFUSAL_ALERT = {"1.2": 40, "1.3": 116}


@pytest.fixture
def serve(pki: PkiFiles) -> Iterator[object]:
    """Start Python TLS servers for a test and stop them afterwards."""
    servers: list[PythonTlsServer] = []

    def start(
        mode: ClientAuthMode,
        tls_version: str = "1.3",
        http: HttpBehaviour = HttpBehaviour.ANSWER,
    ) -> PythonTlsServer:
        server = PythonTlsServer(pki, mode, tls_version, http).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@TLS_VERSIONS
def test_probe_required_without_cert_rejected_tls(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """A server requiring a certificate refuses the bare handshake with its alert."""
    server = serve(ClientAuthMode.REQUIRED, tls_version)

    observation = probe_localhost(pki, server.port, client_identity)

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.REJECTED_TLS
    assert without.alert_received == _REFUSAL_ALERT[tls_version]
    assert without.tls_version == f"TLSv{tls_version}"
    assert observation.client_cert_requested is True
    assert observation.client_auth is ClientAuth.REQUIRED


@TLS_VERSIONS
def test_probe_required_with_cert_accepted(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """The trusted certificate goes out on the wire and the request is answered."""
    server = serve(ClientAuthMode.REQUIRED, tls_version)

    observation = probe_localhost(pki, server.port, client_identity)

    with_cert = observation.with_cert
    assert with_cert is not None
    assert with_cert.outcome is Outcome.ACCEPTED
    assert with_cert.client_cert_sent
    assert with_cert.http is not None and with_cert.http.status == 200
    assert with_cert.http.server_header == "python-tls-test"
    assert "presented: True" in with_cert.http.body_prefix
    assert True in server.served.client_certificates


@TLS_VERSIONS
def test_probe_python_server_empty_ca_list_still_requested(
    serve, pki: PkiFiles, tls_version: str
) -> None:
    """A Python server sends no CA names, which still counts as a request."""
    server = serve(ClientAuthMode.OPTIONAL, tls_version)

    observation = probe_localhost(pki, server.port, None)

    without = observation.without_cert
    assert without is not None and without.certificate_request is not None
    assert without.certificate_request.acceptable_ca_names == ()
    assert without.certificate_request.signature_algorithms
    assert observation.client_cert_requested is True


@TLS_VERSIONS
def test_probe_optional_without_cert_accepted_as_optional(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """A server that asks but serves without a certificate is optional."""
    server = serve(ClientAuthMode.OPTIONAL, tls_version)

    observation = probe_localhost(pki, server.port, client_identity)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ACCEPTED
    assert observation.without_cert.http is not None
    assert observation.without_cert.http.status == 200
    assert observation.with_cert is not None
    assert observation.with_cert.client_cert_sent
    assert observation.client_auth is ClientAuth.OPTIONAL


@TLS_VERSIONS
def test_probe_no_client_auth_never_requested(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """A server that never asks gets no certificate, even when one is loaded."""
    server = serve(ClientAuthMode.NONE, tls_version)

    observation = probe_localhost(pki, server.port, client_identity)

    assert observation.client_cert_requested is False
    assert observation.client_auth is ClientAuth.NONE
    assert observation.with_cert is not None
    assert observation.with_cert.outcome is Outcome.ACCEPTED
    assert not observation.with_cert.client_cert_sent
    assert server.served.client_certificates == [False, False]


@TLS_VERSIONS
def test_probe_http_refusal_without_cert_rejected_http(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """An nginx-style 400 page about the missing certificate is an HTTP refusal."""
    server = serve(
        ClientAuthMode.OPTIONAL, tls_version, HttpBehaviour.REFUSE_WITHOUT_CERT
    )

    observation = probe_localhost(pki, server.port, client_identity)

    without = observation.without_cert
    assert without is not None and without.http is not None
    assert without.outcome is Outcome.REJECTED_HTTP
    assert without.http.status == 400
    assert without.http.server_header == "nginx"
    assert "No required SSL certificate was sent" in without.detail
    assert observation.with_cert is not None
    assert observation.with_cert.outcome is Outcome.ACCEPTED
    assert observation.client_auth is ClientAuth.REQUIRED


@TLS_VERSIONS
def test_probe_stranger_cert_on_required_server_rejected_tls(
    serve, pki: PkiFiles, stranger_identity: PemIdentity, tls_version: str
) -> None:
    """A certificate from an unknown CA is sent and refused with unknown_ca (48)."""
    server = serve(ClientAuthMode.REQUIRED, tls_version)

    observation = probe_localhost(pki, server.port, stranger_identity)

    with_cert = observation.with_cert
    assert with_cert is not None
    assert with_cert.client_cert_sent
    assert with_cert.outcome is Outcome.REJECTED_TLS
    assert with_cert.alert_received == 48


@TLS_VERSIONS
def test_probe_untrusted_server_cert_still_observes_client_auth(
    serve, pki: PkiFiles, client_identity: PemIdentity, tls_version: str
) -> None:
    """A server CA outside the bundle is reported, and client auth is still seen."""
    server = serve(ClientAuthMode.REQUIRED, tls_version)

    observation = probe_localhost(
        pki, server.port, client_identity, cacert=pki.other_ca
    )

    without, with_cert = observation.without_cert, observation.with_cert
    assert without is not None and with_cert is not None
    assert without.server_verify_error is not None
    assert "unable to get local issuer certificate" in without.server_verify_error
    assert without.outcome is Outcome.REJECTED_TLS
    assert with_cert.server_verify_error == without.server_verify_error
    assert with_cert.outcome is Outcome.ACCEPTED
    served = server.served
    assert len(served.client_certificates) + len(served.handshake_errors) == 3


def test_probe_server_chain_summarised(serve, pki: PkiFiles) -> None:
    """The server's certificate is read from the wire with its issuer and names."""
    server = serve(ClientAuthMode.NONE)

    observation = probe_localhost(pki, server.port, None)

    assert observation.without_cert is not None
    leaf = observation.without_cert.server_chain[0]
    assert "mtls-doctor test server CA" in leaf.issuer
    assert "localhost" in leaf.subject_alt_names
    assert len(leaf.sha256_fingerprint) == 64
    assert observation.without_cert.server_verify_error is None


def test_probe_name_other_than_sni_mismatch_reported(serve, pki: PkiFiles) -> None:
    """A verify name the certificate does not cover is a verify error, not a failure."""
    server = serve(ClientAuthMode.NONE)

    observation = probe_localhost(pki, server.port, None, verify_name="api.example.com")

    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.ACCEPTED
    assert without.server_verify_error is not None
    assert "api.example.com" in without.server_verify_error


def test_probe_sni_mismatch_with_native_check_reported(serve, pki: PkiFiles) -> None:
    """A sent name the certificate does not cover fails verification and is retried."""
    server = serve(ClientAuthMode.REQUIRED)

    observation = probe_localhost(
        pki,
        server.port,
        None,
        server_name="api.example.com",
        verify_name="api.example.com",
    )

    without = observation.without_cert
    assert without is not None
    assert without.server_verify_error is not None
    assert "mismatch" in without.server_verify_error.lower()
    assert without.outcome is Outcome.REJECTED_TLS


def test_probe_without_sni_verifies_by_name(serve, pki: PkiFiles) -> None:
    """No SNI sent, and the certificate is still checked against the verify name."""
    server = serve(ClientAuthMode.NONE)

    observation = probe_localhost(pki, server.port, None, server_name=None)

    assert observation.sni is None
    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ACCEPTED
    assert observation.without_cert.server_verify_error is None


def test_probe_ip_literal_hop_connects_without_dns_view(serve, pki: PkiFiles) -> None:
    """An IP literal hop is connected to directly and gets no DNS view."""
    server = serve(ClientAuthMode.NONE)

    observation = probe_localhost(
        pki, server.port, None, host="127.0.0.1", server_name=None, verify_name=None
    )

    assert observation.resolved_addresses == ("127.0.0.1",)
    assert observation.dns is None
    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ACCEPTED


def test_probe_progress_reports_each_step_in_order(
    serve, pki: PkiFiles, client_identity: PemIdentity
) -> None:
    """Each step is reported running then done, in the order the probe runs them."""
    server = serve(ClientAuthMode.REQUIRED)
    events: list[ProbeStepChanged] = []

    probe_hop(
        Hop("origin", "localhost", server.port),
        loopback_settings(pki, server.port),
        client_identity,
        events.append,
    )

    assert [(e.step, e.state) for e in events] == [
        ("dns", StepState.RUNNING),
        ("dns", StepState.DONE),
        ("tcp", StepState.RUNNING),
        ("tcp", StepState.DONE),
        ("tls-without-cert", StepState.RUNNING),
        ("tls-without-cert", StepState.DONE),
        ("tls-with-cert", StepState.RUNNING),
        ("tls-with-cert", StepState.DONE),
    ]
    assert "rejected-tls" in events[5].summary
    assert all("\n" not in e.summary for e in events)


def test_probe_failing_progress_callback_probe_completes(serve, pki: PkiFiles) -> None:
    """A progress callback that raises does not stop the probe."""
    server = serve(ClientAuthMode.NONE)

    def broken(event: ProbeStepChanged) -> None:
        raise RuntimeError("display broke")

    observation = probe_hop(
        Hop("origin", "localhost", server.port),
        loopback_settings(pki, server.port),
        None,
        broken,
    )

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ACCEPTED


def test_probe_post_handshake_request_without_cert_rejected_http(
    serve, pki: PkiFiles, client_identity: PemIdentity
) -> None:
    """A request asked for only after the request is seen late; its 403 is a refusal."""
    server = serve(ClientAuthMode.POST_HANDSHAKE)

    observation = probe_localhost(pki, server.port, client_identity)

    without, with_cert = observation.without_cert, observation.with_cert
    assert without is not None and with_cert is not None
    assert without.certificate_request is not None
    assert without.certificate_request.after_handshake
    assert without.outcome is Outcome.REJECTED_HTTP
    assert without.http is not None and without.http.status == 403
    assert with_cert.certificate_request is not None
    assert with_cert.certificate_request.after_handshake
    assert with_cert.client_cert_sent
    assert with_cert.outcome is Outcome.ACCEPTED
    assert observation.client_auth is ClientAuth.REQUIRED


def test_probe_ipv6_literal_hop_accepted(pki: PkiFiles) -> None:
    """An IPv6-only hop is reached by its literal and its certificate checked by IP."""
    with PythonTlsServer(pki, ClientAuthMode.OPTIONAL, host="::1") as server:
        observation = probe_localhost(
            pki, server.port, None, host="::1", server_name=None, verify_name="::1"
        )

    assert observation.resolved_addresses == ("::1",)
    assert observation.hop.address == f"[::1]:{server.port}"
    without = observation.without_cert
    assert without is not None
    assert without.outcome is Outcome.ACCEPTED
    assert without.server_verify_error is None
    assert observation.client_auth is ClientAuth.OPTIONAL


def test_probe_sni_variant_without_sni_request_seen(serve, pki: PkiFiles) -> None:
    """A handshake with no server name still reports the certificate request."""
    server = serve(ClientAuthMode.REQUIRED)

    variant = probe_sni_variant(
        Hop("origin", "localhost", server.port),
        loopback_settings(pki, server.port),
        None,
    )

    assert variant.server_name is None
    assert variant.client_cert_requested is True
    assert variant.outcome is Outcome.REJECTED_TLS
