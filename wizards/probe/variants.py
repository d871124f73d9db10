"""One more handshake at a hop with another server name, to see what SNI changes."""

from __future__ import annotations

import dataclasses
import logging

from knowledge.observations import Hop, Outcome, SniVariant
from wizards.probe.resolve import ResolveError, resolve_system
from wizards.probe.settings import ProbeSettings
from wizards.probe.tls import ConnectError, connect, make_context, run_attempt

logger = logging.getLogger(__name__)

_NO_TLS = frozenset(
    {Outcome.UNREACHABLE, Outcome.NOT_TLS, Outcome.TIMEOUT, Outcome.ERROR}
)


def probe_sni_variant(
    hop: Hop, settings: ProbeSettings, server_name: str | None
) -> SniVariant:
    """Handshake without a certificate sending another name (None: no SNI at all)."""
    variant = dataclasses.replace(settings, server_name=server_name, verify_name=None)
    try:
        addresses = resolve_system(hop.host, hop.port, settings.timeout)
        sock, _ = connect(addresses, settings.timeout)
    except ResolveError as error:
        return SniVariant(server_name, None, Outcome.UNREACHABLE, str(error))
    except ConnectError as error:
        return SniVariant(server_name, None, Outcome.UNREACHABLE, error.message)
    context = make_context(variant, verify=False)
    attempt = run_attempt(sock, context, variant, with_client_cert=False).attempt
    logger.debug("%s with SNI %s: %s", hop.label, server_name, attempt.outcome)
    requested = None if attempt.outcome in _NO_TLS else attempt.certificate_requested
    return SniVariant(
        server_name=server_name,
        client_cert_requested=requested,
        outcome=attempt.outcome,
        detail=attempt.detail,
        http_status=attempt.http.status if attempt.http else None,
    )
