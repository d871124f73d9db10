"""What a probe of one hop needs to know besides the hop itself."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ProbeSettings:
    """How to talk to every hop: the name sent, the request, the bounds, the trust."""

    server_name: str | None  # SNI to send; None sends no SNI
    host_header: str  # Host header value (public host[:port])
    path: str  # request path
    timeout: float  # bound on EACH network step, in seconds
    cacert: Path | None  # CA bundle for the server; None uses the system's
    verify_name: str | None  # name to check the server certificate against


class LoadsIntoContext(Protocol):
    """A client identity that can put its certificate and key into a TLS context."""

    def load_into(self, context: ssl.SSLContext) -> None:
        """Load the certificate chain and private key into the context."""
