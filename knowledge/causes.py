"""The catalogue of causes, one TOML file each under knowledge/data/causes/."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

CAUSE_IDS: tuple[str, ...] = (
    "client-cert-not-sent",
    "client-auth-optional",
    "client-auth-not-requested",
    "tls-terminated-before-origin",
    "sni-mismatch",
    "issuer-not-advertised",
    "client-cert-untrusted",
    "client-cert-expired",
    "client-cert-not-yet-valid",
    "client-key-mismatch",
    "client-chain-incomplete",
    "client-cert-wrong-purpose",
    "client-key-unreadable",
    "pkcs12-legacy-encryption",
    "server-cert-untrusted",
    "post-handshake-auth-required",
    "hop-unreachable",
    "not-tls",
)
"""Every cause id of the contract, in the contract's order."""

VENDORS: tuple[str, ...] = (
    "nginx",
    "kong",
    "cloudflare",
    "f5",
    "haproxy",
    "envoy",
    "apache",
    "aws-alb",
    "traefik",
)
"""The vendors a hop label or a detection may name."""

CLIENT_TOOLS: tuple[str, ...] = ("openssl",)
"""Snippet keys for the client's side, shown whatever the vendors on the path."""


@dataclass(frozen=True)
class CauseEntry:
    """One cause as a reviewer reads it: what it means, what shows it, how to fix it."""

    id: str
    title: str
    summary: str
    rank: int
    evidence: str
    steps: tuple[str, ...]
    snippets: tuple[tuple[str, str], ...]

    def snippet_template(self, vendor: str) -> str | None:
        """The Jinja2 template of one vendor's snippet, if this cause has one."""
        return dict(self.snippets).get(vendor)


@dataclass(frozen=True)
class FoundCause:
    """A cause that matched, with its evidence and the fixes filled in."""

    id: str
    title: str
    hop: str | None
    summary: str
    evidence: tuple[str, ...]
    steps: tuple[str, ...]
    snippets: tuple[tuple[str, str], ...]
    rank: int


def _entry_from_toml(cause_id: str, document: dict[str, object]) -> CauseEntry:
    snippets = document.get("snippets", {})
    if not isinstance(snippets, dict):
        raise ValueError(f"{cause_id}: [snippets] must be a table")
    unknown = set(snippets) - set(VENDORS) - set(CLIENT_TOOLS)
    if unknown:
        raise ValueError(f"{cause_id}: snippets for unknown vendors {sorted(unknown)}")
    steps = document["steps"]
    if not isinstance(steps, list):
        raise ValueError(f"{cause_id}: steps must be a list")
    return CauseEntry(
        id=cause_id,
        title=str(document["title"]),
        summary=_unwrapped(str(document["summary"])),
        rank=int(str(document["rank"])),
        evidence=_unwrapped(str(document["evidence"])),
        steps=tuple(str(step).strip() for step in steps),
        snippets=tuple((str(v), str(t)) for v, t in snippets.items()),
    )


def _unwrapped(prose: str) -> str:
    """Prose with the data file's line breaks undone, so each front end wraps it to
    its own width; a blank line still parts paragraphs."""
    paragraphs = prose.strip().split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


@cache
def catalogue() -> Mapping[str, CauseEntry]:
    """Every cause of the contract, read once from the package data."""
    folder = resources.files("knowledge") / "data" / "causes"
    entries: dict[str, CauseEntry] = {}
    for cause_id in CAUSE_IDS:
        text = (folder / f"{cause_id}.toml").read_text(encoding="utf-8")
        entries[cause_id] = _entry_from_toml(cause_id, tomllib.loads(text))
    return MappingProxyType(entries)


def cause_entry(cause_id: str) -> CauseEntry:
    """The catalogue entry of one cause id; KeyError for an id not in the contract."""
    return catalogue()[cause_id]
