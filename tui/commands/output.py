"""Where the commands write: standard output, quiet once its reader has gone (`| head`),
and report files, checked before anything is probed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizards.session import CheckResult


def print_out(text: str) -> None:
    """Print text and flush it; when the reader of stdout has gone, drop the rest of
    the output so the command still ends with its own exit code."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # as Python's signal documentation advises: point stdout at /dev/null so the
        # flush at exit does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def report_path_problem(path: Path) -> str | None:
    """Why a report cannot be written to path (to follow the path's name), or None."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return "is a folder: add a file name to it"
    if not folder.is_dir():
        return f"cannot be written: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        return "cannot be written here (no permission)"
    return None


def report_text(
    result: CheckResult, kind: str, pasted_cause_ids: tuple[str, ...] = ()
) -> str:
    """The whole diagnosis as JSON (schema 1) or Markdown; it holds no secret."""
    from knowledge.report import report_dict, report_markdown

    parts = (result.request.target, result.observations, result.causes, result.curl)
    identity, checked = result.identity, result.curl_verification
    if kind == "json":
        report = report_dict(
            *parts,
            identity=identity,
            curl_verification=checked,
            pasted_cause_ids=pasted_cause_ids,
        )
        return json.dumps(report, indent=2) + "\n"
    return report_markdown(
        *parts,
        identity=identity,
        curl_verification=checked,
        pasted_cause_ids=pasted_cause_ids,
    )
