"""The report of a check as JSON (schema 1 of CONTRACT.md) and as Markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from knowledge.causes import FoundCause
from knowledge.certificate_findings import CredentialFinding, IdentityFacts, Severity
from knowledge.curl import CurlCommand, CurlInputs, build_curl
from knowledge.observations import (
    CertificateRequest,
    HandshakeAttempt,
    Hop,
    HopObservation,
    HttpResponse,
    Outcome,
    Target,
)
from knowledge.report import report_dict, report_markdown

SECRET = "correct horse battery staple"
TARGET = Target(host="api.example.com", port=443, path="/health", sni="api.example.com")
CA_NAME = "CN=Example Client CA,O=Example"

REFUSED = HandshakeAttempt(
    with_client_cert=False,
    outcome=Outcome.REJECTED_TLS,
    detail="alert 116 after the handshake",
    certificate_request=CertificateRequest(acceptable_ca_names=(CA_NAME,)),
    tls_version="TLSv1.3",
    alert_received=116,
)
ACCEPTED = HandshakeAttempt(
    with_client_cert=True,
    outcome=Outcome.ACCEPTED,
    detail="HTTP 200",
    certificate_request=CertificateRequest(acceptable_ca_names=(CA_NAME,)),
    client_cert_sent=True,
    tls_version="TLSv1.3",
    http=HttpResponse(200, "OK", "nginx", (("Server", "nginx"),), "ok"),
)
ORIGIN = HopObservation(
    hop=Hop(label="origin", host="api.example.com", port=443, vendor="nginx"),
    sni="api.example.com",
    resolved_addresses=("192.0.2.10",),
    without_cert=REFUSED,
    with_cert=ACCEPTED,
)
UNREACHABLE = HopObservation(
    hop=Hop(label="backend", host="10.0.0.9", port=8443),
    sni="api.example.com",
    connect_error="connection refused",
    connect_outcome=Outcome.UNREACHABLE,
)
CAUSE = FoundCause(
    id="client-cert-not-sent",
    title="The client certificate was not sent",
    hop="origin",
    summary="The server requires a certificate and none came.",
    evidence=("origin ended the handshake with alert 116 (certificate_required)",),
    steps=("Pass --cert and --key to the client.",),
    snippets=(("nginx", "ssl_verify_client on;\n# ```not a fence```"), ("kong", "x")),
    rank=10,
)
IDENTITY = IdentityFacts(
    subject="CN=test client",
    issuer=CA_NAME,
    sha256_fingerprint="ab" * 32,
    cert_file="/certs/client.p12",
    key_file=None,
    cert_format="pkcs12",
    findings=(CredentialFinding("info-only", Severity.INFO, "RSA 2048 key"),),
)


@dataclass(frozen=True)
class _Verification:
    verified: bool
    by: str
    status: int | None
    reason: str


def _curl() -> CurlCommand:
    return build_curl(
        CurlInputs(
            host="api.example.com",
            path="/health",
            cert_path=Path("/certs/client.p12"),
            cert_type="P12",
            password_env="P12_PASS",
        )
    )


def _report() -> dict[str, Any]:
    return report_dict(
        TARGET,
        (ORIGIN, UNREACHABLE),
        (CAUSE,),
        _curl(),
        identity=IDENTITY,
        curl_verification=_Verification(True, "curl", 200, "the server answered 200"),
    )


def test_report_dict_has_every_schema_key_with_its_type() -> None:
    """The report holds the keys of schema 1, each of the contract's type."""
    report = _report()

    assert report["schema"] == 1
    assert report["target"] == {
        "host": "api.example.com",
        "port": 443,
        "path": "/health",
        "sni": "api.example.com",
    }
    assert isinstance(report["curl"], str)
    for hop in report["hops"]:
        assert {
            "label",
            "address",
            "vendor",
            "client_cert_requested",
            "acceptable_ca_names",
            "client_auth",
            "without_cert",
            "with_cert",
        } <= set(hop)
        assert isinstance(hop["acceptable_ca_names"], list)
        assert hop["client_auth"] in {"none", "optional", "required", "unknown"}
        for attempt in (hop["without_cert"], hop["with_cert"]):
            if attempt is not None:
                assert {"outcome", "tls_alert", "http_status"} <= set(attempt)
    (cause,) = report["causes"]
    assert {"id", "title", "hop", "evidence", "steps", "snippets"} <= set(cause)
    assert isinstance(cause["snippets"], dict)


def test_report_dict_hop_values_follow_the_observation() -> None:
    """A refused-then-accepted hop reads as required, with alert and status."""
    origin, backend = _report()["hops"]

    assert origin["client_cert_requested"] is True
    assert origin["acceptable_ca_names"] == [CA_NAME]
    assert origin["client_auth"] == "required"
    assert origin["without_cert"]["outcome"] == "rejected-tls"
    assert origin["without_cert"]["tls_alert"] == 116
    assert origin["without_cert"]["tls_alert_name"] == "certificate_required"
    assert origin["with_cert"]["http_status"] == 200
    assert backend["without_cert"] == {
        "outcome": "unreachable",
        "tls_alert": None,
        "http_status": None,
    }
    assert backend["with_cert"] is None
    assert backend["client_cert_requested"] is None


def test_report_dict_is_json_and_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report serialises to JSON, names the variable, never the passphrase."""
    monkeypatch.setenv("P12_PASS", SECRET)

    text = json.dumps(_report())

    assert SECRET not in text
    assert '\\"$P12_PASS\\"' in text
    assert SECRET not in report_markdown(TARGET, (ORIGIN,), (CAUSE,), _curl())


def test_report_dict_extras_carry_curl_and_identity() -> None:
    """Curl notes, verification and the identity facts come as extra keys."""
    report = _report()

    assert report["curl_verification"]["verified"] is True
    assert report["curl_details"]["argv"][0] == "curl"
    assert report["identity"]["sha256_fingerprint"] == "ab" * 32


def test_report_dict_without_curl_has_null() -> None:
    """No command gives "curl": null."""
    report = report_dict(TARGET, (ORIGIN,), (), None)

    assert report["curl"] is None
    assert report["causes"] == []


def test_report_markdown_has_the_sections_an_incident_needs() -> None:
    """Markdown shows target, hop table, cause with id, evidence, steps and curl."""
    text = report_markdown(
        TARGET,
        (ORIGIN, UNREACHABLE),
        (CAUSE,),
        _curl(),
        identity=IDENTITY,
        curl_verification=_Verification(False, "httpx", None, "timed out"),
    )

    assert text.startswith("# mTLS diagnosis: https://api.example.com/health")
    for heading in ("## Path", "## Causes", "## curl"):
        assert heading in text
    assert "| origin | api.example.com:443 | nginx | yes | required |" in text
    assert "alert 116 certificate_required" in text
    assert "`[client-cert-not-sent]`" in text
    assert "**Evidence**" in text
    assert "1. Pass --cert and --key to the client." in text
    assert "```sh\ncurl" in text
    assert "Not verified with httpx: timed out." in text
    assert f"`{CA_NAME}`" in text


def test_report_markdown_snippet_fence_outlasts_backticks_inside() -> None:
    """A snippet holding ``` is fenced with a longer run of backticks."""
    text = report_markdown(TARGET, (ORIGIN,), (CAUSE,), None)

    assert "````nginx\nssl_verify_client on;" in text


def test_report_markdown_healthy_says_no_cause() -> None:
    """A healthy path reads as no cause found."""
    text = report_markdown(TARGET, (ORIGIN,), (), _curl())

    assert "no cause found" in text
    assert "None found." in text


def test_report_markdown_legacy_pkcs12_shows_reexport_first() -> None:
    """The re-export step of a legacy PKCS#12 comes before the curl command."""
    curl = build_curl(
        CurlInputs(
            host="api.example.com",
            cert_path=Path("/certs/old.p12"),
            cert_type="P12",
            password_env="P12_PASS",
            pkcs12_legacy=True,
        )
    )

    text = report_markdown(TARGET, (ORIGIN,), (), curl)

    assert text.index("-legacy") < text.index("```sh\ncurl")


@pytest.mark.parametrize(
    ("causes", "confirmed"),
    [((CAUSE,), [CAUSE.id]), ((), [])],
)
def test_report_pasted_error_says_which_of_its_causes_the_probe_confirmed(
    causes: tuple[FoundCause, ...], confirmed: list[str]
) -> None:
    """The causes a pasted error points to, and which the probe found, are in both
    reports; the pasted text itself is in neither."""
    pasted = (CAUSE.id, "sni-mismatch")
    report = report_dict(TARGET, (ORIGIN,), causes, None, pasted_cause_ids=pasted)
    text = report_markdown(TARGET, (ORIGIN,), causes, None, pasted_cause_ids=pasted)

    assert report["pasted_error"] == {
        "cause_ids": list(pasted),
        "confirmed": confirmed,
    }
    assert f"points to: {CAUSE.id}, sni-mismatch." in text
    assert ("Confirmed by the probe" in text) is bool(confirmed)
