"""What pasted error texts mean: TLS alerts, X.509 errors, vendor and client texts."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

_DATA_FILE = "error_meanings.toml"
_QUOTES_AND_SPACE = " \t\r\n\"'`.,;"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

LONGEST_TEXT = 64 * 1024
"""How much of a pasted text is read: a log excerpt fits, a whole log file does not."""

Checks = Literal["client", "server"]


@dataclass(frozen=True)
class ErrorMeaning:
    """A recognised part of a pasted text, its meaning and the causes it points to."""

    id: str
    source: str
    meaning: str
    cause_ids: tuple[str, ...]
    matched: str


@dataclass(frozen=True)
class MeaningEntry:
    """One entry of knowledge/data/error_meanings.toml, with its matchers compiled."""

    id: str
    source: str
    meaning: str
    causes: tuple[str, ...]
    substrings: tuple[str, ...]
    matchers: tuple[re.Pattern[str], ...]
    exact: frozenset[str] = frozenset()
    generic: bool = False
    checks: Checks | None = None
    client_causes: tuple[str, ...] = ()
    server_causes: tuple[str, ...] = ()
    server_first: bool = False

    @property
    def all_cause_ids(self) -> tuple[str, ...]:
        """Every cause id the entry may point to, whatever the context."""
        return _unique((*self.causes, *self.server_causes, *self.client_causes))

    def cause_ids_when(self, checks: Checks | None) -> tuple[str, ...]:
        """The causes, given whose certificate the surrounding text is about."""
        if not (self.client_causes or self.server_causes):
            return self.causes
        if checks == "client":
            return self.client_causes
        if checks == "server":
            return self.server_causes
        if self.server_first:
            return _unique((*self.server_causes, *self.client_causes))
        return _unique((*self.client_causes, *self.server_causes))


@dataclass(frozen=True)
class _Hit:
    entry: MeaningEntry
    start: int
    end: int
    order: int

    @property
    def length(self) -> int:
        return self.end - self.start

    def inside(self, other: _Hit) -> bool:
        return (
            other.start <= self.start
            and self.end <= other.end
            and other.length > self.length
        )


def explain(text: str) -> tuple[ErrorMeaning, ...]:
    """The meanings found in the first LONGEST_TEXT characters of a pasted text, most
    specific (longest match) first."""
    text = text[:LONGEST_TEXT]
    if not text.strip():
        return ()
    lowered = text.translate(_ASCII_LOWER)
    hits = [
        hit
        for order, entry in enumerate(entries())
        if (hit := _hit(entry, text, lowered, order))
    ]
    hits = [h for h in hits if not any(h.inside(other) for other in hits)]
    if any(not h.entry.generic for h in hits):
        hits = [h for h in hits if not h.entry.generic]

    contexts = {h.entry.checks for h in hits if h.entry.checks}
    checks = contexts.pop() if len(contexts) == 1 else None
    hits.sort(key=lambda h: (-h.length, h.order))
    return tuple(
        ErrorMeaning(
            id=h.entry.id,
            source=h.entry.source,
            meaning=h.entry.meaning,
            cause_ids=h.entry.cause_ids_when(checks),
            matched=text[h.start : h.end],
        )
        for h in hits
    )


def cause_ids_of(meanings: Iterable[ErrorMeaning]) -> tuple[str, ...]:
    """The cause ids of several meanings, in order, each once."""
    return _unique(cause for meaning in meanings for cause in meaning.cause_ids)


@cache
def entries() -> tuple[MeaningEntry, ...]:
    """Every entry of the data file: alerts, X.509 errors, then messages."""
    data = _data()
    return (
        *(_alert_entry(item) for item in data.get("alert", ())),
        *(_x509_entry(item) for item in data.get("x509", ())),
        *(_message_entry(item) for item in data.get("message", ())),
    )


def _hit(entry: MeaningEntry, text: str, lowered: str, order: int) -> _Hit | None:
    """The longest place where the entry matches; lowered is text with ASCII letters
    in lower case, the same length as text."""
    if entry.exact and text.strip(_QUOTES_AND_SPACE).lower() in entry.exact:
        return _Hit(entry, 0, len(text), order)
    best: _Hit | None = None
    for substring in entry.substrings:
        start = lowered.find(substring)
        if start >= 0 and (best is None or len(substring) > best.length):
            best = _Hit(entry, start, start + len(substring), order)
    for matcher in entry.matchers:
        found = matcher.search(text)
        if found and (best is None or found.end() - found.start() > best.length):
            best = _Hit(entry, found.start(), found.end(), order)
    return best


@cache
def _data() -> Mapping[str, Any]:
    source = resources.files("knowledge") / "data" / _DATA_FILE
    return tomllib.loads(source.read_text(encoding="utf-8"))


def _alert_entry(item: Mapping[str, Any]) -> MeaningEntry:
    number = int(item["number"])
    by_number = re.compile(
        rf"alert[\"']?\s*(?:(?:number|no\.?|code|description|desc)\s*)?[:=#(]?\s*"
        rf"{number}\b",
        re.IGNORECASE,
    )
    return MeaningEntry(
        id=f"tls-alert-{number}",
        source=f"TLS alert {number} ({item['name']})",
        meaning=item["meaning"],
        causes=tuple(item.get("causes", ())),
        substrings=_lowered(item.get("patterns", ())),
        matchers=(by_number,),
    )


def _x509_entry(item: Mapping[str, Any]) -> MeaningEntry:
    code = int(item["code"])
    numbered = (
        rf"verify error:num={code}\b",
        rf"verify return code:\s*{code}\b",
        rf"\({code}:",
        rf"Error \({code}\)",
    )
    return MeaningEntry(
        id=f"x509-{code}",
        source=f"X.509 verification error {code} ({item['name']})",
        meaning=item["meaning"],
        causes=(),
        substrings=_lowered((*item["texts"], item["name"])),
        matchers=tuple(re.compile(pattern, re.IGNORECASE) for pattern in numbered),
        client_causes=tuple(item.get("client_causes", ())),
        server_causes=tuple(item.get("server_causes", ())),
        server_first=bool(item.get("server_first", False)),
    )


def _message_entry(item: Mapping[str, Any]) -> MeaningEntry:
    regexes = tuple(re.compile(p, re.IGNORECASE) for p in item.get("regex", ()))
    return MeaningEntry(
        id=item["id"],
        source=item["source"],
        meaning=item["meaning"],
        causes=tuple(item.get("causes", ())),
        substrings=_lowered(item.get("patterns", ())),
        matchers=regexes,
        exact=frozenset(text.lower() for text in item.get("exact", ())),
        generic=bool(item.get("generic", False)),
        checks=item.get("checks"),
    )


def _lowered(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(text.translate(_ASCII_LOWER) for text in texts)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
