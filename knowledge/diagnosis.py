"""From observations to causes: one small matcher per cause, each with evidence."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from knowledge.causes import CLIENT_TOOLS, VENDORS, FoundCause, cause_entry
from knowledge.certificate_findings import IdentityFacts
from knowledge.http_refusals import (
    RefusalReason,
    find_certificate_refusal,
    is_refusal_status,
)
from knowledge.observations import (
    DIRECT_LABEL,
    HandshakeAttempt,
    HopObservation,
    Outcome,
    SniVariant,
    Target,
)
from knowledge.snippets import SnippetContext, render

logger = logging.getLogger(__name__)

DEFAULT_VENDORS = ("nginx", "kong")
"""Whose snippets a hop gets when nothing tells what product it is."""

_REFUSED = frozenset({Outcome.REJECTED_TLS, Outcome.REJECTED_HTTP})
_NOT_REACHED = frozenset({Outcome.UNREACHABLE, Outcome.TIMEOUT})

_ALERT_NAMES = {
    40: "handshake_failure",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    48: "unknown_ca",
    49: "access_denied",
    51: "decrypt_error",
    112: "unrecognized_name",
    116: "certificate_required",
}

# What a server means by the alert it sends about a certificate it received
# (OpenSSL's mapping of verification errors to alerts).
_ALERT_CAUSES = {
    40: "client-cert-untrusted",
    42: "client-cert-untrusted",
    43: "client-cert-wrong-purpose",
    44: "client-cert-untrusted",
    45: "client-cert-expired",
    46: "client-cert-untrusted",
    48: "client-cert-untrusted",
    51: "client-cert-untrusted",
}
# An alert that a finding about the client's files explains more precisely: the
# server's generic verdict becomes that finding's cause.
_ALERT_EXPLAINED_BY_FINDING = {
    42: "client-cert-not-yet-valid",
    48: "client-chain-incomplete",
}
_ALERT_NO_CERTIFICATE = frozenset({116})
_ALERT_UNRECOGNIZED_NAME = 112


@dataclass(frozen=True)
class _Match:
    """One cause seen at one hop (None: about the client's files), with its evidence."""

    cause_id: str
    hop: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class _Path:
    """Everything the matchers read."""

    target: Target
    observations: tuple[HopObservation, ...]
    identity: IdentityFacts | None

    @property
    def multi_hop(self) -> bool:
        return len(self.observations) > 1


_Matcher = Callable[[_Path], Iterator[_Match]]


def _alert_words(alert: int) -> str:
    name = _ALERT_NAMES.get(alert)
    return f"TLS alert {alert} {name}" if name else f"TLS alert {alert}"


def _where(observation: HopObservation) -> str:
    return f"hop {observation.hop.label} ({observation.hop.address})"


def _attempts(observation: HopObservation) -> Iterator[HandshakeAttempt]:
    yield from (a for a in (observation.without_cert, observation.with_cert) if a)


def _attempt_words(attempt: HandshakeAttempt) -> str:
    how = (
        "with the certificate" if attempt.with_client_cert else "without a certificate"
    )
    return f"{how}: {attempt.detail}"


def _request_words(observation: HopObservation) -> str | None:
    request = next(
        (
            a.certificate_request
            for a in _attempts(observation)
            if a.certificate_request
        ),
        None,
    )
    if request is None:
        return None
    names = request.acceptable_ca_names
    listed = f": {'; '.join(names)}" if names else ""
    when = " after the request" if request.after_handshake else ""
    count = "1 CA name" if len(names) == 1 else f"{len(names)} CA names"
    return (
        f"{_where(observation)}: the server sent a CertificateRequest{when} "
        f"with {count}{listed}"
    )


def _refused(attempt: HandshakeAttempt | None) -> bool:
    return attempt is not None and attempt.outcome in _REFUSED


def _accepted(attempt: HandshakeAttempt | None) -> bool:
    """Whether the request got through: no refusal in TLS nor an HTTP refusal status."""
    if attempt is None or attempt.outcome is not Outcome.ACCEPTED:
        return False
    return attempt.http is None or not is_refusal_status(attempt.http.status)


def _failed_through(attempt: HandshakeAttempt | None) -> bool:
    """Whether a request did not get through: refused, or an HTTP error answer."""
    if attempt is None:
        return False
    if attempt.outcome in _REFUSED:
        return True
    return attempt.http is not None and attempt.http.status >= 400


def _http_refusal(attempt: HandshakeAttempt | None) -> RefusalReason | None:
    if attempt is None or attempt.http is None:
        return None
    refusal = find_certificate_refusal(
        attempt.http.status, attempt.http.body_prefix, attempt.http.headers
    )
    return refusal.reason if refusal else None


def _server_fingerprint(observation: HopObservation) -> str | None:
    return next(
        (
            a.server_chain[0].sha256_fingerprint
            for a in _attempts(observation)
            if a.server_chain
        ),
        None,
    )


def _server_subject(observation: HopObservation) -> str:
    return next(
        (a.server_chain[0].subject for a in _attempts(observation) if a.server_chain),
        "an unrecorded certificate",
    )


def _has_finding(identity: IdentityFacts | None, cause_id: str) -> bool:
    return identity is not None and cause_id in identity.causes


def _ended_unanswered(attempt: HandshakeAttempt) -> bool:
    """Whether the hop ended the connection before answering the handshake at all,
    as a reset or close right after the ClientHello."""
    return (
        attempt.outcome is Outcome.ERROR
        and not attempt.handshake_completed
        and attempt.alert_received is None
        and not attempt.server_chain
        and attempt.certificate_request is None
        and attempt.server_verify_error is None
    )


def _match_hop_unreachable(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        evidence: list[str] = []
        if observation.connect_error:
            evidence.append(f"{_where(observation)}: {observation.connect_error}")
        else:
            evidence.extend(
                f"{_where(observation)}: {_attempt_words(attempt)}"
                for attempt in _attempts(observation)
                if attempt.outcome in _NOT_REACHED
                or (not attempt.with_client_cert and _ended_unanswered(attempt))
            )
        if evidence and observation.dns is not None and observation.dns.error:
            evidence.append(f"{_where(observation)}: DNS: {observation.dns.error}")
        if evidence:
            yield _Match("hop-unreachable", observation.hop.label, tuple(evidence))


def _match_not_tls(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        answers = [a for a in _attempts(observation) if a.outcome is Outcome.NOT_TLS]
        if answers:
            evidence = (f"{_where(observation)}: {_attempt_words(answers[0])}",)
            yield _Match("not-tls", observation.hop.label, evidence)


def _match_server_cert_untrusted(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        attempt = next(
            (a for a in _attempts(observation) if a.server_verify_error), None
        )
        if attempt is None:
            continue
        evidence = [
            f"{_where(observation)}: the server certificate did not verify: "
            f"{attempt.server_verify_error}"
        ]
        if attempt.server_chain:
            leaf = attempt.server_chain[0]
            evidence.append(
                f"{_where(observation)}: the server sent '{leaf.subject}', "
                f"issued by '{leaf.issuer}'"
            )
        yield _Match("server-cert-untrusted", observation.hop.label, tuple(evidence))


def _match_post_handshake_auth(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        evidence: list[str] = []
        late = any(
            a.certificate_request and a.certificate_request.after_handshake
            for a in _attempts(observation)
        )
        if late:
            evidence.append(_request_words(observation) or "")
        evidence.extend(
            f"{_where(observation)}: {_attempt_words(attempt)}"
            for attempt in _attempts(observation)
            if _http_refusal(attempt) is RefusalReason.POST_HANDSHAKE_AUTH
        )
        if evidence:
            yield _Match(
                "post-handshake-auth-required", observation.hop.label, tuple(evidence)
            )


def _match_client_cert_not_sent(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        without, with_cert = observation.without_cert, observation.with_cert
        where = _where(observation)
        request = _request_words(observation)
        asked = [request] if request else []
        if with_cert is None and _refused(without):
            assert without is not None
            given = (
                "no client certificate was given, so none could be sent"
                if path.identity is None
                else "the attempt with the certificate could not be made"
            )
            evidence = (*asked, f"{where}: {_attempt_words(without)}", given)
            yield _Match("client-cert-not-sent", observation.hop.label, evidence)
        elif with_cert is not None and _refused(with_cert):
            said_none = (
                with_cert.alert_received in _ALERT_NO_CERTIFICATE
                or _http_refusal(with_cert) is RefusalReason.NO_CERTIFICATE
            )
            if not with_cert.client_cert_sent and with_cert.certificate_requested:
                evidence = (
                    *asked,
                    f"{where}: the certificate was loaded but none was sent",
                    f"{where}: {_attempt_words(with_cert)}",
                )
            elif said_none and with_cert.client_cert_sent:
                evidence = (
                    f"{where}: {_attempt_words(with_cert)}",
                    f"{where}: the certificate was sent, yet the answer says none "
                    "arrived: something that ends TLS sits between this address and "
                    "the server that checks the certificate",
                )
            else:
                continue
            yield _Match("client-cert-not-sent", observation.hop.label, evidence)


def _match_client_auth_optional(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        without = observation.without_cert
        request = _request_words(observation)
        if request is None or not _accepted(without):
            continue
        assert without is not None
        evidence = (
            request,
            f"{_where(observation)}: {_attempt_words(without)}; the request was "
            "served without a certificate",
        )
        yield _Match("client-auth-optional", observation.hop.label, evidence)


def _match_client_auth_not_requested(path: _Path) -> Iterator[_Match]:
    # Only the first hop ends the client's own TLS connection: the hops behind it are
    # reached directly here, but a client never shows them its certificate.
    if not path.observations:
        return
    observation = path.observations[0]
    with_cert = observation.with_cert
    if observation.client_cert_requested is not False or not _accepted(with_cert):
        return
    assert with_cert is not None
    where = _where(observation)
    evidence = [
        f"{where}: with a certificate loaded, no CertificateRequest came, neither "
        "during the handshake nor after the request",
        f"{where}: {_attempt_words(with_cert)}; the request was served without "
        "client authentication",
    ]
    if path.multi_hop:
        evidence.append(
            f"{where}: it is the first hop, where the client's TLS connection ends"
        )
    yield _Match("client-auth-not-requested", observation.hop.label, tuple(evidence))


def _enforces_and_accepts(observation: HopObservation) -> bool:
    requires = observation.client_cert_requested or _refused(observation.without_cert)
    return bool(requires) and _accepted(observation.with_cert)


def _match_tls_terminated(path: _Path) -> Iterator[_Match]:
    named: set[str] = set()
    for index, origin in enumerate(path.observations):
        if index == 0 or not _enforces_and_accepts(origin):
            continue
        origin_print = _server_fingerprint(origin)
        for front in path.observations[:index]:
            if front.hop.label in named or not _failed_through(front.with_cert):
                continue
            front_print = _server_fingerprint(front)
            same_certificate = bool(front_print) and front_print == origin_print
            if same_certificate and not _says_none_arrived(front.with_cert):
                continue
            named.add(front.hop.label)
            yield _Match(
                "tls-terminated-before-origin",
                front.hop.label,
                _terminated_evidence(front, origin, front_print, origin_print),
            )


def _says_none_arrived(attempt: HandshakeAttempt | None) -> bool:
    """Whether a certificate was sent and the answer says none arrived: whoever
    answered the handshake is not whoever checks the certificate."""
    return (
        attempt is not None
        and attempt.client_cert_sent
        and _http_refusal(attempt) is RefusalReason.NO_CERTIFICATE
    )


def _terminated_evidence(
    front: HopObservation,
    origin: HopObservation,
    front_print: str | None,
    origin_print: str | None,
) -> tuple[str, ...]:
    front_where, origin_where = _where(front), _where(origin)
    assert front.with_cert is not None and origin.with_cert is not None
    if front_print and front_print == origin_print:
        answers = (
            f"{front_where} and {origin_where} present the same server certificate "
            f"'{_server_subject(front)}' (SHA-256 {front_print[:16]}…), yet through "
            f"{front.hop.label} the certificate sent is reported missing: "
            f"{front.hop.label} answers the TLS handshake itself with a copy of it"
        )
    elif front_print and origin_print:
        answers = (
            f"{front_where} presents the server certificate '{_server_subject(front)}' "
            f"(SHA-256 {front_print[:16]}…), {origin_where} presents "
            f"'{_server_subject(origin)}' (SHA-256 {origin_print[:16]}…): "
            f"{front.hop.label} answers the TLS handshake itself"
        )
    else:
        answers = (
            f"{front_where} and {origin_where} answer differently to the same "
            f"certificate, so TLS does not reach {origin.hop.label} unchanged "
            "(the server certificates were not recorded)"
        )
    if front.client_cert_requested:
        asked = f"{front_where}: asks for the client certificate, then ends TLS there"
    else:
        asked = f"{front_where}: never asks for a client certificate"
    evidence = [
        answers,
        asked,
        f"through {front_where}: {_attempt_words(front.with_cert)}",
    ]
    without = origin.without_cert
    if _refused(without):
        assert without is not None
        same = ""
        if (
            front.with_cert.http is not None
            and without.http is not None
            and front.with_cert.http.status == without.http.status
        ):
            same = " (the same answer as through the earlier hop)"
        evidence.append(
            f"{origin_where} reached directly: {_attempt_words(without)}{same}"
        )
    evidence.append(
        f"{origin_where} reached directly: {_attempt_words(origin.with_cert)}; "
        "it accepts the same certificate"
    )
    return tuple(evidence)


def _variant_words(observation: HopObservation, variant: SniVariant) -> str:
    name = repr(variant.server_name) if variant.server_name else "no SNI"
    asked = (
        "a CertificateRequest came"
        if variant.client_cert_requested
        else ("no certificate was asked for")
    )
    detail = f" ({variant.detail})" if variant.detail else ""
    return (
        f"{_where(observation)}: with {name}: {asked}, {variant.outcome.value}{detail}"
    )


def _match_sni_mismatch(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        asking = [
            v
            for v in observation.sni_variants
            if v.client_cert_requested and v.server_name != observation.sni
        ]
        if not asking:
            continue
        sent = repr(observation.sni) if observation.sni else "no SNI"
        attempt = observation.with_cert or observation.without_cert
        unrecognized = attempt is not None and (
            attempt.alert_received == _ALERT_UNRECOGNIZED_NAME
        )
        if observation.client_cert_requested is False:
            what = "no certificate was asked for"
        elif unrecognized:
            alert = _alert_words(_ALERT_UNRECOGNIZED_NAME)
            what = f"the handshake was refused with {alert}"
        else:
            continue
        detail = f" ({attempt.detail})" if attempt else ""
        evidence = (
            f"{_where(observation)}: with {sent} (the name sent): {what}{detail}",
            *(_variant_words(observation, v) for v in asking),
        )
        yield _Match("sni-mismatch", observation.hop.label, evidence)


def _match_issuer_not_advertised(path: _Path) -> Iterator[_Match]:
    identity = path.identity
    if identity is None:
        return
    for observation in path.observations:
        names = observation.acceptable_ca_names
        if not names or identity.issuer_advertised(names):
            continue
        evidence = (
            _request_words(observation) or "",
            f"the client certificate is issued by '{identity.issuer}', which is not "
            "among them",
        )
        yield _Match("issuer-not-advertised", observation.hop.label, evidence)


def _match_refused_certificate(path: _Path) -> Iterator[_Match]:
    for observation in path.observations:
        with_cert = observation.with_cert
        if not _refused(with_cert):
            continue
        assert with_cert is not None
        words = f"{_where(observation)}: {_attempt_words(with_cert)}"
        alert = with_cert.alert_received
        if alert in _ALERT_CAUSES and (with_cert.client_cert_sent or alert != 40):
            cause_id = _ALERT_CAUSES[alert]
            explaining = _ALERT_EXPLAINED_BY_FINDING.get(alert)
            if explaining and _has_finding(path.identity, explaining):
                cause_id = explaining
            evidence = (
                words,
                f"the server refused the certificate with {_alert_words(alert)}",
            )
            yield _Match(cause_id, observation.hop.label, evidence)
        elif _http_refusal(with_cert) is RefusalReason.CERTIFICATE_REFUSED:
            yield _Match("client-cert-untrusted", observation.hop.label, (words,))


def _match_identity_findings(path: _Path) -> Iterator[_Match]:
    if path.identity is None:
        return
    for finding in path.identity.findings:
        if finding.is_cause:
            where = f" (seen in {finding.file})" if finding.file else ""
            yield _Match(finding.id, None, (f"{finding.message}{where}",))


_MATCHERS: tuple[_Matcher, ...] = (
    _match_hop_unreachable,
    _match_not_tls,
    _match_server_cert_untrusted,
    _match_identity_findings,
    _match_tls_terminated,
    _match_sni_mismatch,
    _match_post_handshake_auth,
    _match_client_cert_not_sent,
    _match_refused_certificate,
    _match_issuer_not_advertised,
    _match_client_auth_not_requested,
    _match_client_auth_optional,
)

# A cause at a hop that makes another at the same hop redundant: the first explains
# the second more precisely.
_SUPERSEDES = (
    ("sni-mismatch", "client-auth-not-requested"),
    ("tls-terminated-before-origin", "client-cert-not-sent"),
)


def _without_superseded(matches: list[_Match]) -> list[_Match]:
    present = {(m.cause_id, m.hop) for m in matches}
    return [
        m
        for m in matches
        if not any(
            m.cause_id == weaker and (stronger, m.hop) in present
            for stronger, weaker in _SUPERSEDES
        )
    ]


def _merged(matches: list[_Match]) -> list[_Match]:
    """One match per cause and hop; one from the files joins the same cause at a hop."""
    merged: dict[tuple[str, str | None], _Match] = {}
    for match in matches:
        key = (match.cause_id, match.hop)
        if key in merged:
            earlier = merged[key]
            evidence = tuple(dict.fromkeys((*earlier.evidence, *match.evidence)))
            merged[key] = dataclasses.replace(earlier, evidence=evidence)
        else:
            merged[key] = match
    for (cause_id, hop), match in list(merged.items()):
        at_hop = next(
            (k for k in merged if k[0] == cause_id and k[1] is not None), None
        )
        if hop is None and at_hop is not None:
            earlier = merged[at_hop]
            evidence = tuple(dict.fromkeys((*earlier.evidence, *match.evidence)))
            merged[at_hop] = dataclasses.replace(earlier, evidence=evidence)
            del merged[(cause_id, hop)]
    return list(merged.values())


def _named_vendor(observation: HopObservation) -> str | None:
    if observation.vendor:
        return observation.vendor
    label = observation.hop.label.lower()
    return label if label in VENDORS else None


def _snippet_vendors(
    hop: str | None, observations: Sequence[HopObservation]
) -> tuple[str, ...]:
    """The cause hop's vendor first (nginx and Kong when unknown), then the path's."""
    at_hop = next((o for o in observations if o.hop.label == hop), None)
    path_vendors = [v for v in map(_named_vendor, observations) if v]
    vendors: list[str] = []
    if at_hop is not None:
        own = _named_vendor(at_hop)
        vendors.extend([own] if own else DEFAULT_VENDORS)
    elif not path_vendors:
        vendors.extend(DEFAULT_VENDORS)
    vendors.extend(path_vendors)
    vendors.extend(CLIENT_TOOLS)
    return tuple(dict.fromkeys(vendors))


def _context_for(
    hop: str | None, observations: Sequence[HopObservation], context: SnippetContext
) -> SnippetContext:
    """The snippet values seen from the cause's hop: its address, what is behind it."""
    index = next((i for i, o in enumerate(observations) if o.hop.label == hop), None)
    if index is None:
        return context
    observed = observations[index]
    this = observed.hop
    if index + 1 < len(observations):
        upstream = observations[index + 1].hop.address
    elif context.upstream != this.address:
        upstream = context.upstream
    else:
        upstream = SnippetContext(host=this.host).upstream
    return dataclasses.replace(
        context,
        host=this.host,
        port=this.port,
        sni=observed.sni or context.sni or context.host,
        # the one hop of a path given without hops reads better in prose by address
        hop=this.address if this.label == DIRECT_LABEL else this.label,
        upstream=upstream,
    )


def _found(
    match: _Match, observations: Sequence[HopObservation], context: SnippetContext
) -> FoundCause:
    entry = cause_entry(match.cause_id)
    hop_context = _context_for(match.hop, observations, context)
    snippets = tuple(
        (vendor, render(template, hop_context))
        for vendor in _snippet_vendors(match.hop, observations)
        if (template := entry.snippet_template(vendor)) is not None
    )
    return FoundCause(
        id=entry.id,
        title=entry.title,
        hop=match.hop,
        summary=entry.summary,
        evidence=tuple(e for e in match.evidence if e),
        steps=tuple(render(step, hop_context) for step in entry.steps),
        snippets=snippets,
        rank=entry.rank,
    )


def diagnose(
    target: Target,
    observations: Sequence[HopObservation],
    identity: IdentityFacts | None,
    context: SnippetContext,
) -> tuple[FoundCause, ...]:
    """Every cause the observations and the client's files show, most severe first."""
    path = _Path(target, tuple(observations), identity)
    matches = [match for matcher in _MATCHERS for match in matcher(path)]
    matches = _merged(_without_superseded(matches))
    order = {o.hop.label: i for i, o in enumerate(path.observations)}
    causes = sorted(
        (_found(m, path.observations, context) for m in matches if any(m.evidence)),
        key=lambda c: (c.rank, order.get(c.hop, -1) if c.hop else -1),
    )
    logger.debug("diagnosis of %s: %s", target.url, [c.id for c in causes])
    return tuple(causes)
