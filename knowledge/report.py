"""The diagnosis as the JSON report of CONTRACT.md (schema 1) and as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from knowledge.causes import FoundCause
from knowledge.certificate_findings import IdentityFacts
from knowledge.curl import CurlCommand
from knowledge.observations import (
    CertificateSummary,
    HandshakeAttempt,
    HopObservation,
    Outcome,
    Target,
)
from knowledge.tls_alerts import ALERT_NAMES

SCHEMA_VERSION = 1
_BODY_PREFIX_LIMIT = 200
_LANGUAGES = {"nginx": "nginx", "apache": "apache", "envoy": "yaml", "openssl": "sh"}


class CurlVerificationLike(Protocol):
    """What the report shows of a curl verification (wizards.curl_check)."""

    @property
    def verified(self) -> bool: ...
    @property
    def by(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def reason(self) -> str: ...


def report_dict(
    target: Target,
    observations: Sequence[HopObservation],
    causes: Sequence[FoundCause],
    curl: CurlCommand | str | None,
    identity: IdentityFacts | None = None,
    curl_verification: CurlVerificationLike | None = None,
    pasted_cause_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The report as a JSON-ready dict: the keys of schema 1, then extra detail.

    `pasted_cause_ids` are the causes an error text the person pasted points to; the
    text itself stays out of the report, since a pasted log may hold anything."""
    report: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "target": {
            "host": target.host,
            "port": target.port,
            "path": target.path,
            "sni": _sni(target, observations),
        },
        "hops": [_hop(observation) for observation in observations],
        "causes": [_cause(cause) for cause in causes],
        "curl": _curl_text(curl),
    }
    report["url"] = target.url
    report["healthy"] = not causes
    if isinstance(curl, CurlCommand):
        report["curl_details"] = {
            "argv": list(curl.argv),
            "notes": list(curl.notes),
            "setup": list(curl.setup),
            "works": curl.works,
        }
    if curl_verification is not None:
        report["curl_verification"] = {
            "verified": curl_verification.verified,
            "by": curl_verification.by,
            "status": curl_verification.status,
            "reason": curl_verification.reason,
        }
    if identity is not None:
        report["identity"] = _identity(identity)
    if pasted_cause_ids:
        report["pasted_error"] = {
            "cause_ids": list(pasted_cause_ids),
            "confirmed": confirmed_by_probe(pasted_cause_ids, causes),
        }
    return report


def confirmed_by_probe(
    pasted_cause_ids: Sequence[str], causes: Sequence[FoundCause]
) -> list[str]:
    """The causes a pasted error points to that the probe found too."""
    found = {cause.id for cause in causes}
    return [cause_id for cause_id in pasted_cause_ids if cause_id in found]


def pasted_error_line(
    pasted_cause_ids: Sequence[str], causes: Sequence[FoundCause]
) -> str:
    """One sentence on what a pasted error pointed to and what the probe confirmed."""
    line = f"Your pasted error points to: {', '.join(pasted_cause_ids)}."
    confirmed = confirmed_by_probe(pasted_cause_ids, causes)
    if confirmed:
        return f"{line} Confirmed by the probe: {', '.join(confirmed)}."
    return f"{line} The probe confirmed none of them on this path."


def report_markdown(
    target: Target,
    observations: Sequence[HopObservation],
    causes: Sequence[FoundCause],
    curl: CurlCommand | str | None,
    identity: IdentityFacts | None = None,
    curl_verification: CurlVerificationLike | None = None,
    pasted_cause_ids: Sequence[str] = (),
) -> str:
    """The report as Markdown for a person on an incident: path, causes, curl."""
    sni = _sni(target, observations)
    lines = [
        f"# mTLS diagnosis: {target.url}",
        "",
        f"- **Target:** `{target.url}`",
        f"- **SNI sent:** {f'`{sni}`' if sni else 'none'}",
    ]
    if identity is not None:
        lines += _identity_lines(identity)
    lines.append(
        f"- **Result:** {len(causes)} cause{'s' if len(causes) != 1 else ''} found"
        if causes
        else "- **Result:** no cause found: mutual TLS works on every hop checked"
    )
    if pasted_cause_ids:
        lines.append(
            f"- **Pasted error:** {pasted_error_line(pasted_cause_ids, causes)}"
        )

    lines += ["", "## Path", ""]
    lines += _hop_table(observations)
    for observation in observations:
        lines += _hop_details(observation)

    _end_paragraph(lines)
    lines += ["## Causes", ""]
    if not causes:
        lines.append("None found.")
    for number, cause in enumerate(causes, start=1):
        lines += _cause_lines(number, cause)

    _end_paragraph(lines)
    lines += ["## curl", ""]
    lines += _curl_lines(curl, curl_verification)
    return "\n".join(lines).rstrip() + "\n"


def _sni(target: Target, observations: Sequence[HopObservation]) -> str | None:
    return observations[0].sni if observations else target.sni


def _curl_text(curl: CurlCommand | str | None) -> str | None:
    return curl.text if isinstance(curl, CurlCommand) else curl


def _hop(observation: HopObservation) -> dict[str, Any]:
    hop = observation.hop
    fallback = observation.connect_outcome or Outcome.ERROR
    return {
        "label": hop.label,
        "address": hop.address,
        "vendor": observation.vendor,
        "client_cert_requested": observation.client_cert_requested,
        "acceptable_ca_names": list(observation.acceptable_ca_names),
        "client_auth": observation.client_auth.value,
        "without_cert": _attempt(observation.without_cert) or _no_attempt(fallback),
        "with_cert": _attempt(observation.with_cert),
        "sni": observation.sni,
        "resolved_addresses": list(observation.resolved_addresses),
        "dns": None
        if observation.dns is None
        else {
            "name": observation.dns.name,
            "cname_chain": list(observation.dns.cname_chain),
            "a": list(observation.dns.a),
            "aaaa": list(observation.dns.aaaa),
            "error": observation.dns.error,
        },
        "connect_error": observation.connect_error,
        "vendor_evidence": list(observation.vendor_evidence),
        "sni_variants": [
            {
                "server_name": variant.server_name,
                "client_cert_requested": variant.client_cert_requested,
                "outcome": variant.outcome.value,
                "http_status": variant.http_status,
                "detail": variant.detail,
            }
            for variant in observation.sni_variants
        ],
    }


def _no_attempt(outcome: Outcome) -> dict[str, Any]:
    return {"outcome": outcome.value, "tls_alert": None, "http_status": None}


def _attempt(attempt: HandshakeAttempt | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    request = attempt.certificate_request
    http = attempt.http
    return {
        "outcome": attempt.outcome.value,
        "tls_alert": attempt.alert_received,
        "http_status": http.status if http else None,
        "tls_alert_name": ALERT_NAMES.get(attempt.alert_received)
        if attempt.alert_received is not None
        else None,
        "tls_alert_sent": attempt.alert_sent,
        "handshake_completed": attempt.handshake_completed,
        "detail": attempt.detail,
        "tls_version": attempt.tls_version,
        "cipher": attempt.cipher,
        "client_cert_sent": attempt.client_cert_sent,
        "certificate_request": None
        if request is None
        else {
            "acceptable_ca_names": list(request.acceptable_ca_names),
            "signature_algorithms": list(request.signature_algorithms),
            "certificate_types": list(request.certificate_types),
            "after_handshake": request.after_handshake,
        },
        "server_verify_error": attempt.server_verify_error,
        "server_chain": [_certificate(c) for c in attempt.server_chain],
        "http": None
        if http is None
        else {
            "status": http.status,
            "reason": http.reason,
            "server": http.server_header,
            "body_prefix": http.body_prefix[:_BODY_PREFIX_LIMIT],
        },
        "elapsed_ms": round(attempt.elapsed_ms, 1),
    }


def _certificate(summary: CertificateSummary) -> dict[str, Any]:
    return {
        "subject": summary.subject,
        "issuer": summary.issuer,
        "not_before": summary.not_before,
        "not_after": summary.not_after,
        "sha256_fingerprint": summary.sha256_fingerprint,
        "subject_alt_names": list(summary.subject_alt_names),
    }


def _cause(cause: FoundCause) -> dict[str, Any]:
    return {
        "id": cause.id,
        "title": cause.title,
        "hop": cause.hop,
        "evidence": list(cause.evidence),
        "steps": list(cause.steps),
        "snippets": dict(cause.snippets),
        "summary": cause.summary,
        "rank": cause.rank,
    }


def _identity(identity: IdentityFacts) -> dict[str, Any]:
    return {
        "subject": identity.subject,
        "issuer": identity.issuer,
        "sha256_fingerprint": identity.sha256_fingerprint,
        "cert_file": identity.cert_file,
        "key_file": identity.key_file,
        "cert_format": identity.cert_format,
        "not_before": identity.not_before,
        "not_after": identity.not_after,
        "findings": [
            {
                "id": finding.id,
                "severity": str(finding.severity),
                "message": finding.message,
                "file": finding.file,
            }
            for finding in identity.findings
        ],
    }


def _identity_lines(identity: IdentityFacts) -> list[str]:
    lines = [
        f"- **Client certificate:** {_inline(identity.subject)}, issued by "
        f"{_inline(identity.issuer)} ({identity.cert_format}, `{identity.cert_file}`)",
        f"- **SHA-256:** `{identity.sha256_fingerprint}`",
    ]
    if identity.not_after:
        lines.append(f"- **Valid until:** {identity.not_after}")
    lines += [
        f"- **Finding ({finding.severity}):** {finding.message}"
        for finding in identity.findings
    ]
    return lines


def _hop_table(observations: Sequence[HopObservation]) -> list[str]:
    lines = [
        "| Hop | Address | Vendor | Asks for a certificate | Client auth "
        "| Without certificate | With certificate |",
        "|---|---|---|---|---|---|---|",
    ]
    for observation in observations:
        requested = observation.client_cert_requested
        cells = (
            observation.hop.label,
            observation.hop.address,
            observation.vendor or "unknown",
            "unknown" if requested is None else ("yes" if requested else "no"),
            observation.client_auth.value,
            _attempt_cell(observation.without_cert, observation),
            _attempt_cell(observation.with_cert, observation)
            if observation.with_cert
            else "not tried",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _attempt_cell(attempt: HandshakeAttempt | None, observation: HopObservation) -> str:
    if attempt is None:
        outcome = observation.connect_outcome or Outcome.ERROR
        return outcome.value
    parts = [attempt.outcome.value]
    if attempt.alert_received is not None:
        name = ALERT_NAMES.get(attempt.alert_received, "unknown")
        parts.append(f"alert {attempt.alert_received} {name}")
    if attempt.http is not None:
        parts.append(f"HTTP {attempt.http.status}")
    return ", ".join(parts)


def _hop_details(observation: HopObservation) -> list[str]:
    lines = ["", f"### Hop {observation.hop.label} ({observation.hop.address})", ""]
    lines.append(f"- SNI sent: {f'`{observation.sni}`' if observation.sni else 'none'}")
    if observation.resolved_addresses:
        addresses = ", ".join(f"`{a}`" for a in observation.resolved_addresses)
        lines.append(f"- Resolved to: {addresses}")
    if observation.connect_error:
        lines.append(f"- Connection: {_inline(observation.connect_error)}")
    for attempt in (observation.without_cert, observation.with_cert):
        if attempt is None:
            continue
        which = "with" if attempt.with_client_cert else "without"
        version = f" over {attempt.tls_version}" if attempt.tls_version else ""
        summary = _attempt_cell(attempt, observation)
        detail = _inline(attempt.detail)
        if detail and detail not in summary:
            summary = f"{summary}; {detail}"
        lines.append(f"- {which.capitalize()} certificate{version}: {summary}")
        if attempt.server_verify_error:
            lines.append(
                f"- Server certificate did not verify: "
                f"{_inline(attempt.server_verify_error)}"
            )
    names = observation.acceptable_ca_names
    if observation.client_cert_requested:
        if names:
            lines.append("- CA names the server accepts:")
            lines += [f"  - `{name}`" for name in names]
        else:
            lines.append("- The server asked for a certificate with an empty CA list.")
    for variant in observation.sni_variants:
        sent = f"`{variant.server_name}`" if variant.server_name else "no SNI"
        asked = {True: "asks", False: "does not ask", None: "unknown whether it asks"}
        lines.append(
            f"- With {sent}: {asked[variant.client_cert_requested]} for a "
            f"certificate; {variant.outcome.value}"
            + (f", HTTP {variant.http_status}" if variant.http_status else "")
        )
    if observation.vendor_evidence:
        lines.append(
            f"- {observation.vendor or 'Vendor'} recognised by: "
            + "; ".join(_inline(e) for e in observation.vendor_evidence)
        )
    return lines


def _cause_lines(number: int, cause: FoundCause) -> list[str]:
    lines = [f"### {number}. {cause.title} `[{cause.id}]`", ""]
    if cause.hop:
        lines += [f"Hop: **{cause.hop}**", ""]
    if cause.summary:
        lines += [cause.summary, ""]
    if cause.evidence:
        lines += ["**Evidence**", ""]
        lines += [f"- {_inline(item)}" for item in cause.evidence]
        lines.append("")
    if cause.steps:
        lines += ["**Steps to fix**", ""]
        lines += [f"{n}. {step}" for n, step in enumerate(cause.steps, start=1)]
        lines.append("")
    for vendor, snippet in cause.snippets:
        lines += [f"**{vendor}**", ""]
        lines += _fenced(snippet, _LANGUAGES.get(vendor, ""))
        lines.append("")
    return lines


def _curl_lines(
    curl: CurlCommand | str | None, verification: CurlVerificationLike | None
) -> list[str]:
    text = _curl_text(curl)
    if text is None:
        return ["No curl command could be built."]
    lines: list[str] = []
    if isinstance(curl, CurlCommand) and curl.setup:
        lines += ["First:", ""]
        lines += _fenced("\n".join(curl.setup), "sh")
        lines += ["", "Then:", ""]
    lines += _fenced(text, "sh")
    if isinstance(curl, CurlCommand) and curl.notes:
        lines.append("")
        lines += [f"- {note}" for note in curl.notes]
    if verification is not None:
        state = "Verified" if verification.verified else "Not verified"
        lines += ["", f"{state} with {verification.by}: {verification.reason}."]
    elif isinstance(curl, CurlCommand) and curl.works is not None:
        lines += ["", "Verified: it works." if curl.works else "Run, and it fails."]
    return lines


def _end_paragraph(lines: list[str]) -> None:
    while lines and not lines[-1]:
        lines.pop()
    lines.append("")


def _fenced(text: str, language: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _inline(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")
