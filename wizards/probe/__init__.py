"""The live probe of one hop: DNS, TCP, TLS with and without a certificate, HTTP."""

from __future__ import annotations

from wizards.probe.hop import probe_hop
from wizards.probe.settings import LoadsIntoContext, ProbeSettings
from wizards.probe.variants import probe_sni_variant

__all__ = ["LoadsIntoContext", "ProbeSettings", "probe_hop", "probe_sni_variant"]
