"""One whole check: load the client identity, probe every hop at once, diagnose."""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import logging
from dataclasses import dataclass

from knowledge.causes import FoundCause
from knowledge.certificate_findings import IdentityFacts
from knowledge.curl import CurlCommand, CurlInputs, build_curl
from knowledge.diagnosis import diagnose
from knowledge.observations import Hop, HopObservation, SniVariant
from knowledge.snippets import SnippetContext
from knowledge.vendors import detect_vendor
from wizards.answers import CheckRequest, path_hops
from wizards.credentials import (
    ClientIdentity,
    check_ca_files,
    load_client_identity,
)
from wizards.curl_check import CurlVerification, verify_curl
from wizards.parallel import Pending, run_in_parallel
from wizards.probe import ProbeSettings, probe_hop, probe_sni_variant
from wizards.progress import ProgressCallback

logger = logging.getLogger(__name__)

CERTIFICATE_NAMES_TRIED = 3
"""How many names of a hop's server certificate are tried as other server names."""


@dataclass(frozen=True)
class CheckResult:
    """What one run of the checks found, for every front end."""

    request: CheckRequest
    observations: tuple[HopObservation, ...]
    identity: IdentityFacts | None
    causes: tuple[FoundCause, ...]
    curl: CurlCommand | None
    curl_verification: CurlVerification | None = None

    @property
    def healthy(self) -> bool:
        return not self.causes


def load_identity(request: CheckRequest) -> ClientIdentity | None:
    """The client certificate and key of the request, or None when none was given."""
    if request.cert is None:
        return None
    return load_client_identity(
        request.cert, request.key, request.password, request.password_env
    )


def run_checks(
    request: CheckRequest, on_progress: ProgressCallback | None = None
) -> CheckResult:
    """Probe every hop concurrently and match what was seen against the causes."""
    check_ca_files(request.cacert, request.client_ca)
    identity = load_identity(request)
    hops = path_hops(request)
    settings = _probe_settings(request)

    # the curl command depends on the answers alone (unless the server proves
    # untrusted), so it is verified while the hops are probed
    curl = build_curl(_curl_inputs(request, identity, hops[0], server_untrusted=False))
    verifying = Pending(lambda: _verify(curl, request, identity), "mtls-doctor-curl")
    observations = tuple(
        run_in_parallel(
            [
                functools.partial(
                    _observe_hop,
                    hop,
                    settings,
                    request.target.host,
                    identity,
                    on_progress,
                )
                for hop in hops
            ],
            "mtls-doctor-hop",
        )
    )
    verification = verifying.result()

    acceptable_ca_names = next(
        (o.acceptable_ca_names for o in observations if o.acceptable_ca_names), ()
    )
    identity_facts = (
        identity.facts(acceptable_ca_names, request.client_ca) if identity else None
    )
    causes = diagnose(
        request.target, observations, identity_facts, _snippet_context(request, hops)
    )
    first = observations[0]
    bound_name = (
        _bound_server_name(first) if _has_cause(causes, "sni-mismatch") else None
    )
    if _server_untrusted(first) or bound_name:
        curl = build_curl(
            _curl_inputs(
                request,
                identity,
                hops[0],
                server_untrusted=_server_untrusted(first),
                server_name=bound_name,
            )
        )
        if _answered_http(first) or bound_name:
            verification = _verify(curl, request, identity)
    return CheckResult(
        request=request,
        observations=observations,
        identity=identity_facts,
        causes=causes,
        curl=curl.marked(verification.verified),
        curl_verification=verification,
    )


def _observe_hop(
    hop: Hop,
    settings: ProbeSettings,
    public_name: str,
    identity: ClientIdentity | None,
    on_progress: ProgressCallback | None,
) -> HopObservation:
    """Probe one hop, try other server names where none was asked, name the vendor."""
    observation = probe_hop(hop, settings, identity, on_progress)
    if observation.client_cert_requested is False:
        variants = _sni_variants(
            hop, settings, public_name, _certificate_names(observation)
        )
        observation = dataclasses.replace(observation, sni_variants=variants)
    vendor, evidence = detect_vendor(observation)
    return dataclasses.replace(
        observation, detected_vendor=vendor, vendor_evidence=evidence
    )


def _sni_variants(
    hop: Hop, settings: ProbeSettings, public_name: str, certificate_names: list[str]
) -> tuple[SniVariant, ...]:
    """Handshakes with the public host name, with no name and with a few names of the
    server's certificate, where they differ from the name sent, so a policy bound to
    another name shows."""
    names: list[str | None] = []
    if public_name != settings.server_name and not _is_ip(public_name):
        names.append(public_name)
    if settings.server_name is not None:
        names.append(None)
    others = [
        name
        for name in dict.fromkeys(certificate_names)
        if name not in names and name != settings.server_name
    ]
    names.extend(others[:CERTIFICATE_NAMES_TRIED])
    if not names:
        return ()
    return tuple(
        run_in_parallel(
            [functools.partial(probe_sni_variant, hop, settings, n) for n in names],
            "mtls-doctor-sni",
        )
    )


def _certificate_names(observation: HopObservation) -> list[str]:
    """The host names of the hop's server certificate, without wildcards and IPs."""
    attempt = observation.without_cert or observation.with_cert
    if attempt is None or not attempt.server_chain:
        return []
    return [
        name.lower()
        for name in attempt.server_chain[0].subject_alt_names
        if not name.startswith("*") and not _is_ip(name)
    ]


def _probe_settings(request: CheckRequest) -> ProbeSettings:
    target = request.target
    host = f"[{target.host}]" if ":" in target.host else target.host
    host_header = host if target.port == 443 else f"{host}:{target.port}"
    return ProbeSettings(
        server_name=target.sni,
        host_header=host_header,
        path=target.path,
        timeout=request.timeout,
        cacert=request.cacert,
        verify_name=target.sni or target.host,
    )


def _snippet_context(request: CheckRequest, hops: tuple[Hop, ...]) -> SnippetContext:
    target = request.target
    upstream = hops[-1].address if hops else f"{target.host}:{target.port}"
    return SnippetContext(
        host=target.host,
        port=target.port,
        sni=target.sni or target.host,
        client_ca_file=str(request.client_ca or "/etc/ssl/client-ca.pem"),
        cert_file=str(request.cert or "client.crt"),
        key_file=str(request.key or "client.key"),
        server_ca_file=str(request.cacert) if request.cacert else None,
        upstream=upstream,
    )


def _verify(
    curl: CurlCommand, request: CheckRequest, identity: ClientIdentity | None
) -> CurlVerification:
    return verify_curl(curl, request.password, request.timeout, identity=identity)


def _has_cause(causes: tuple[FoundCause, ...], cause_id: str) -> bool:
    return any(cause.id == cause_id for cause in causes)


def _bound_server_name(observation: HopObservation) -> str | None:
    """The server name a hop asked for a certificate under, when another was sent."""
    return next(
        (
            variant.server_name
            for variant in observation.sni_variants
            if variant.client_cert_requested and variant.server_name
        ),
        None,
    )


def _server_untrusted(observation: HopObservation) -> bool:
    attempts = (observation.without_cert, observation.with_cert)
    return any(a is not None and a.server_verify_error for a in attempts)


def _answered_http(observation: HopObservation) -> bool:
    """Whether the hop gave the probe an HTTP answer; if not, a second curl run
    could only wait out its own time limit."""
    attempts = (observation.without_cert, observation.with_cert)
    return any(a is not None and a.http is not None for a in attempts)


def _curl_inputs(
    request: CheckRequest,
    identity: ClientIdentity | None,
    first_hop: Hop,
    server_untrusted: bool,
    server_name: str | None = None,
) -> CurlInputs:
    target = request.target
    if server_name is not None:
        target = dataclasses.replace(target, sni=server_name)
    return CurlInputs.from_check(
        target=target,
        connect_host=first_hop.host,
        connect_port=first_hop.port,
        identity=identity,
        password_env=request.password_env,
        cacert=request.cacert,
        server_untrusted=server_untrusted,
        passphrase_typed=bool(request.password) and identity is not None,
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
