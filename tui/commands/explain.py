"""`mtls-doctor explain`: what a pasted error text means and the causes it points to."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from knowledge.error_meanings import LONGEST_TEXT, ErrorMeaning, cause_ids_of, explain
from tui.commands.output import print_out

_WIDTH = 88


def run_explain(args: argparse.Namespace) -> int:
    """Print the meanings of args.text; exit 1 when one points to a cause, else 0."""
    text = _pasted_text(args.text)
    if not text.strip():
        print(
            "mtls-doctor explain: give the error text to explain, for example: "
            "mtls-doctor explain 'tlsv13 alert certificate required' "
            "(or - to read it from stdin)",
            file=sys.stderr,
        )
        return 2

    if len(text) > LONGEST_TEXT:
        print(
            f"mtls-doctor explain: read the first {LONGEST_TEXT // 1024} KiB only; "
            "paste the lines around the error for the rest",
            file=sys.stderr,
        )
        text = text[:LONGEST_TEXT]
    meanings = explain(text)
    cause_ids = cause_ids_of(meanings)
    if args.json:
        print_out(json.dumps(_as_json(text, meanings, cause_ids), indent=2))
    else:
        print_out(_as_text(text, meanings, cause_ids))
    return 1 if cause_ids else 0


def _pasted_text(words: list[str] | str) -> str:
    if isinstance(words, str):
        words = [words]
    if words == ["-"]:
        return sys.stdin.read(LONGEST_TEXT + 1)
    return " ".join(words)


def _as_json(
    text: str, meanings: tuple[ErrorMeaning, ...], cause_ids: tuple[str, ...]
) -> dict[str, object]:
    return {
        "text": text,
        "meanings": [
            {
                "id": meaning.id,
                "source": meaning.source,
                "matched": meaning.matched,
                "meaning": meaning.meaning,
                "cause_ids": list(meaning.cause_ids),
            }
            for meaning in meanings
        ],
        "cause_ids": list(cause_ids),
    }


def _as_text(
    text: str, meanings: tuple[ErrorMeaning, ...], cause_ids: tuple[str, ...]
) -> str:
    if not meanings:
        return (
            f"No known error text found in: {_shortened(text)}\n"
            "Paste more of the message: the whole line, with the error code, the "
            "alert or the log field and its value."
        )

    lines: list[str] = []
    for number, meaning in enumerate(meanings, start=1):
        lines.append(f"{number}. {meaning.source}  (matched: {meaning.matched!r})")
        lines += textwrap.wrap(
            meaning.meaning, _WIDTH, initial_indent="   ", subsequent_indent="   "
        )
        if meaning.cause_ids:
            lines.append(
                "   points to: " + ", ".join(f"[{c}]" for c in meaning.cause_ids)
            )
        lines.append("")

    if cause_ids:
        lines.append("Likely causes, most likely first: " + ", ".join(cause_ids))
        lines.append(
            "Run `mtls-doctor check URL --cert FILE` to see which one applies."
        )
    else:
        lines.append("None of these points to a cause of a mutual TLS failure.")
    return "\n".join(lines)


def _shortened(text: str) -> str:
    """The pasted text on one line, its control characters escaped so they reach
    the terminal as text, at most 120 characters."""
    flat = " ".join(text.split())
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)
    return flat if len(flat) <= 120 else flat[:117] + "..."
