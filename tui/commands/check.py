"""`mtls-doctor check`: the checks without the UI, a report on stdout."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from knowledge.errors import InputError
from knowledge.report import report_dict, report_markdown
from tui.commands.arguments import answers_from_args
from tui.commands.output import print_out, report_path_problem
from wizards.answers import build_request
from wizards.session import CheckResult, run_checks


def run_check(args: argparse.Namespace) -> int:
    """Probe, diagnose, print the report; exit 1 when a cause was found."""
    request = build_request(answers_from_args(args), os.environ)
    if args.output:
        _check_output_path(Path(args.output))
    result = run_checks(request)

    report = _report(result)
    if args.json:
        print_out(json.dumps(report, indent=2))
    else:
        print_out(_markdown(result))
    if args.output:
        _write_report(Path(args.output), result, report)
    return 1 if result.causes else 0


def _report(result: CheckResult) -> dict[str, object]:
    return report_dict(
        result.request.target,
        result.observations,
        result.causes,
        result.curl,
        identity=result.identity,
        curl_verification=result.curl_verification,
    )


def _markdown(result: CheckResult) -> str:
    return report_markdown(
        result.request.target,
        result.observations,
        result.causes,
        result.curl,
        identity=result.identity,
        curl_verification=result.curl_verification,
    )


def _check_output_path(path: Path) -> None:
    """Refuse a report path that cannot be written before probing, not after."""
    problem = report_path_problem(path)
    if problem is not None:
        raise InputError("--output", f"{path} {problem}; choose another path")


def _write_report(path: Path, result: CheckResult, report: dict[str, object]) -> None:
    text = (
        json.dumps(report, indent=2) + "\n"
        if path.suffix.lower() == ".json"
        else _markdown(result)
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            "--output",
            f"{path} cannot be written ({error.strerror}); choose another path",
        ) from None
    print(f"report written to {path}", file=sys.stderr)
