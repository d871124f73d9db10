"""`mtls-doctor check`: the checks without the UI, a report on stdout."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from knowledge.errors import InputError
from tui.commands.arguments import answers_from_args
from tui.commands.output import print_out, report_path_problem, report_text
from wizards.answers import build_request
from wizards.session import CheckResult, run_checks


def run_check(args: argparse.Namespace) -> int:
    """Probe, diagnose, print the report; exit 1 when a cause was found."""
    request = build_request(answers_from_args(args), os.environ)
    if args.output:
        _check_output_path(Path(args.output))
    result = run_checks(request)

    print_out(report_text(result, "json" if args.json else "markdown").rstrip("\n"))
    if args.output:
        _write_report(Path(args.output), result)
    return 1 if result.causes else 0


def _check_output_path(path: Path) -> None:
    """Refuse a report path that cannot be written before probing, not after."""
    problem = report_path_problem(path)
    if problem is not None:
        raise InputError("--output", f"{path} {problem}; choose another path")


def _write_report(path: Path, result: CheckResult) -> None:
    kind = "json" if path.suffix.lower() == ".json" else "markdown"
    try:
        path.write_text(report_text(result, kind), encoding="utf-8")
    except OSError as error:
        raise InputError(
            "--output",
            f"{path} cannot be written ({error.strerror}); choose another path",
        ) from None
    print(f"report written to {path}", file=sys.stderr)
