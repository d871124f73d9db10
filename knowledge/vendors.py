"""Which product a hop is, told from headers, cookies, error pages, names, addresses."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knowledge.observations import HopObservation

# Network identity outweighs HTTP headers, which a proxy may pass through from the hop
# behind it (Kong's headers come out of Cloudflare unchanged), so it outweighs every
# HTTP clue of one vendor together. The marks a proxy adds to the answers it forwards
# (its own headers, Via, its cookies) outweigh a Server header and an error page, which
# Kong, a BIG-IP or an ALB pass through from the server behind them; they count once.
_WEIGHT_ADDRESS = 30
_WEIGHT_CNAME = 30
_WEIGHT_PROXY_MARKS = 10
_WEIGHT_SERVER = 6
_WEIGHT_CERTIFICATE = 4
_WEIGHT_BODY = 2


@dataclass(frozen=True)
class VendorClues:
    """What a probe saw at a hop that may name its product."""

    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    cname_chain: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    certificate_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class _HeaderValue:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Fingerprint:
    vendor: str
    server: tuple[re.Pattern[str], ...]
    headers: tuple[str, ...]
    header_prefix: tuple[str, ...]
    header_values: tuple[_HeaderValue, ...]
    cookies: tuple[str, ...]
    body: tuple[re.Pattern[str], ...]
    cname: tuple[re.Pattern[str], ...]
    certificate: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class CloudflareRanges:
    """Cloudflare's published address ranges and the date they were taken."""

    taken: str
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _patterns(values: object) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(str(v), re.IGNORECASE) for v in _strings(values))


def _strings(values: object) -> tuple[str, ...]:
    return tuple(str(v) for v in values) if isinstance(values, list) else ()


def _read_data(name: str) -> dict[str, object]:
    text = (resources.files("knowledge") / "data" / name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def _fingerprints() -> tuple[_Fingerprint, ...]:
    fingerprints = []
    for vendor, table in _read_data("vendors.toml").items():
        assert isinstance(table, dict)
        header_values = tuple(
            _HeaderValue(str(hv["name"]).lower(), re.compile(hv["pattern"], re.I))
            for hv in table.get("header_values", [])
        )
        fingerprints.append(
            _Fingerprint(
                vendor=vendor,
                server=_patterns(table.get("server")),
                headers=tuple(h.lower() for h in _strings(table.get("headers"))),
                header_prefix=tuple(
                    h.lower() for h in _strings(table.get("header_prefix"))
                ),
                header_values=header_values,
                cookies=tuple(c.lower() for c in _strings(table.get("cookies"))),
                body=_patterns(table.get("body")),
                cname=_patterns(table.get("cname")),
                certificate=_patterns(table.get("certificate")),
            )
        )
    return tuple(fingerprints)


@cache
def cloudflare_ranges() -> CloudflareRanges:
    """Cloudflare's IPv4 and IPv6 ranges as kept in knowledge/data."""
    data = _read_data("cloudflare_ranges.toml")
    networks = tuple(
        ipaddress.ip_network(cidr)
        for cidr in (*_strings(data.get("ipv4")), *_strings(data.get("ipv6")))
    )
    return CloudflareRanges(taken=str(data["taken"]), networks=networks)


def _cloudflare_network_of(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if not ip.is_global:
        return None  # Cloudflare's edge answers on public addresses only
    for network in cloudflare_ranges().networks:
        if ip.version == network.version and ip in network:
            return str(network)
    return None


def _cookie_names(headers: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(
        value.split("=", 1)[0].strip()
        for name, value in headers
        if name.lower() == "set-cookie"
    )


def _score(fp: _Fingerprint, clues: VendorClues) -> tuple[int, tuple[str, ...]]:
    score = 0
    evidence: list[str] = []
    marks: list[str] = []

    for name, value in clues.headers:
        lowered = name.lower()
        if lowered == "server" and any(p.search(value) for p in fp.server):
            if not any(e.startswith("Server header") for e in evidence):
                score += _WEIGHT_SERVER  # once, though both attempts answered
            evidence.append(f"Server header {value!r}")
        elif lowered in fp.headers or lowered.startswith(fp.header_prefix or ("\0",)):
            marks.append(f"{name} header")
        for header_value in fp.header_values:
            if lowered == header_value.name and header_value.pattern.search(value):
                marks.append(f"{name} header {value!r}")

    for cookie in _cookie_names(clues.headers):
        if cookie.lower().startswith(fp.cookies or ("\0",)):
            marks.append(f"cookie {cookie}")
    if marks:
        score += _WEIGHT_PROXY_MARKS
        evidence.extend(dict.fromkeys(marks))

    for pattern in fp.body:
        match = pattern.search(clues.body)
        if match:
            score += _WEIGHT_BODY
            evidence.append(f"error page text {match.group(0)!r}")

    for name in clues.cname_chain:
        if any(p.search(name) for p in fp.cname):
            score += _WEIGHT_CNAME
            evidence.append(f"CNAME {name}")
            break

    for subject in clues.certificate_subjects:
        if any(p.search(subject) for p in fp.certificate):
            score += _WEIGHT_CERTIFICATE
            evidence.append(f"server certificate {subject!r} (the product's default)")
            break

    if fp.vendor == "cloudflare":
        for address in clues.addresses:
            network = _cloudflare_network_of(address)
            if network:
                score += _WEIGHT_ADDRESS
                evidence.append(
                    f"address {address} is in Cloudflare's range {network} "
                    f"(list taken {cloudflare_ranges().taken})"
                )
                break

    return score, tuple(dict.fromkeys(evidence))


def clues_of(observation: HopObservation) -> VendorClues:
    """Gather the clues of both attempts, DNS and the server certificate of a hop."""
    headers: list[tuple[str, str]] = []
    bodies: list[str] = []
    subjects: list[str] = []
    for attempt in (observation.without_cert, observation.with_cert):
        if attempt is None:
            continue
        if attempt.http is not None:
            headers.extend(attempt.http.headers)
            if attempt.http.server_header and not attempt.http.header("server"):
                headers.append(("Server", attempt.http.server_header))
            bodies.append(attempt.http.body_prefix)
        if attempt.server_chain:
            subjects.append(attempt.server_chain[0].subject)
    dns = observation.dns
    addresses = (*observation.resolved_addresses, *(dns.a + dns.aaaa if dns else ()))
    return VendorClues(
        headers=tuple(dict.fromkeys(headers)),
        body="\n".join(bodies),
        cname_chain=dns.cname_chain if dns else (),
        addresses=tuple(dict.fromkeys(addresses)),
        certificate_subjects=tuple(dict.fromkeys(subjects)),
    )


def detect_vendor(
    clues: VendorClues | HopObservation,
) -> tuple[str | None, tuple[str, ...]]:
    """The vendor the clues point to most strongly, with the clues that named it."""
    if isinstance(clues, HopObservation):
        clues = clues_of(clues)
    best: tuple[int, str | None, tuple[str, ...]] = (0, None, ())
    for fingerprint in _fingerprints():
        score, evidence = _score(fingerprint, clues)
        if score > best[0]:
            best = (score, fingerprint.vendor, evidence)
    return best[1], best[2]
