"""The probe against `openssl s_server`: CA names, empty lists, alerts, 1.2 and 1.3."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509

from knowledge.observations import ClientAuth, HopObservation, Outcome
from tests.pki import PkiFiles
from tests.probes.conftest import PemIdentity, probe_localhost
from tests.servers.openssl import running_s_server

pytestmark = pytest.mark.real_server

TLS_FLAGS = pytest.mark.parametrize("tls_flag", ["-tls1_2", "-tls1_3"])
_REFUSAL_ALERT = {"-tls1_2": 40, "-tls1_3": 116}


@contextmanager
def _s_server(
    tmp_path: Path, pki: PkiFiles, flags: Sequence[str], tls_flag: str
) -> Iterator[int]:
    with running_s_server(tmp_path / "s_server", pki, flags, tls_flag) as server:
        yield server.port


def _probe(
    tmp_path: Path,
    pki: PkiFiles,
    flags: Sequence[str],
    tls_flag: str,
    identity: PemIdentity | None,
) -> HopObservation:
    with _s_server(tmp_path, pki, flags, tls_flag) as port:
        return probe_localhost(pki, port, identity)


def _client_ca_subject(pki: PkiFiles) -> x509.Name:
    return x509.load_pem_x509_certificate(pki.client_ca.read_bytes()).subject


@TLS_FLAGS
def test_s_server_verify_required_without_cert_rejected_with_ca_names(
    tmp_path: Path, pki: PkiFiles, client_identity: PemIdentity, tls_flag: str
) -> None:
    """-Verify 1 with -CAfile names the client CA and refuses a bare handshake."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca)]

    observation = _probe(tmp_path, pki, flags, tls_flag, client_identity)

    subject = _client_ca_subject(pki)
    assert observation.acceptable_ca_names == (subject.rfc4514_string(),)
    without = observation.without_cert
    assert without is not None and without.certificate_request is not None
    assert without.certificate_request.acceptable_ca_names_der == (
        subject.public_bytes(),
    )
    assert without.outcome is Outcome.REJECTED_TLS
    assert without.alert_received == _REFUSAL_ALERT[tls_flag]
    assert observation.client_auth is ClientAuth.REQUIRED
    assert observation.with_cert is not None
    assert observation.with_cert.outcome is Outcome.ACCEPTED
    assert observation.with_cert.client_cert_sent
    assert observation.with_cert.http is not None
    assert observation.with_cert.http.status == 200


@TLS_FLAGS
def test_s_server_verify_optional_without_cert_optional(
    tmp_path: Path, pki: PkiFiles, tls_flag: str
) -> None:
    """-verify 1 asks for a certificate and serves the request without one."""
    flags = ["-verify", "1", "-CAfile", str(pki.client_ca)]

    observation = _probe(tmp_path, pki, flags, tls_flag, None)

    assert observation.without_cert is not None
    assert observation.without_cert.outcome is Outcome.ACCEPTED
    assert observation.client_cert_requested is True
    assert observation.acceptable_ca_names == (
        _client_ca_subject(pki).rfc4514_string(),
    )
    assert observation.client_auth is ClientAuth.OPTIONAL


@TLS_FLAGS
def test_s_server_no_ca_names_empty_list_still_requested(
    tmp_path: Path, pki: PkiFiles, tls_flag: str
) -> None:
    """-no_ca_names sends an empty CA list, which is still a certificate request."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca), "-no_ca_names"]

    observation = _probe(tmp_path, pki, flags, tls_flag, None)

    without = observation.without_cert
    assert without is not None and without.certificate_request is not None
    assert without.certificate_request.acceptable_ca_names == ()
    assert observation.client_cert_requested is True
    assert observation.client_auth is ClientAuth.REQUIRED


@TLS_FLAGS
def test_s_server_verify_return_error_stranger_cert_rejected_unknown_ca(
    tmp_path: Path, pki: PkiFiles, stranger_identity: PemIdentity, tls_flag: str
) -> None:
    """-verify_return_error refuses a certificate from an unknown CA with alert 48."""
    flags = ["-Verify", "1", "-CAfile", str(pki.client_ca), "-verify_return_error"]

    observation = _probe(tmp_path, pki, flags, tls_flag, stranger_identity)

    with_cert = observation.with_cert
    assert with_cert is not None
    assert with_cert.client_cert_sent
    assert with_cert.outcome is Outcome.REJECTED_TLS
    assert with_cert.alert_received == 48


@TLS_FLAGS
def test_s_server_without_verify_never_requested(
    tmp_path: Path, pki: PkiFiles, client_identity: PemIdentity, tls_flag: str
) -> None:
    """Without -verify or -Verify no certificate is asked for or sent."""
    observation = _probe(tmp_path, pki, [], tls_flag, client_identity)

    assert observation.client_cert_requested is False
    assert observation.client_auth is ClientAuth.NONE
    assert observation.with_cert is not None
    assert not observation.with_cert.client_cert_sent
    assert observation.with_cert.outcome is Outcome.ACCEPTED


def test_s_server_tls12_certificate_types_and_algorithms_read(
    tmp_path: Path, pki: PkiFiles
) -> None:
    """A TLS 1.2 request's certificate types and signature algorithms are named."""
    flags = ["-verify", "1", "-CAfile", str(pki.client_ca)]

    observation = _probe(tmp_path, pki, flags, "-tls1_2", None)

    assert observation.without_cert is not None
    request = observation.without_cert.certificate_request
    assert request is not None
    assert "rsa_sign" in request.certificate_types
    assert "rsa_pss_rsae_sha256" in request.signature_algorithms
    assert observation.without_cert.tls_version == "TLSv1.2"
