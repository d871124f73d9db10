"""The default command: the guided troubleshooter, probing at once when it can."""

from __future__ import annotations

import argparse
import os

from knowledge.errors import MtlsDoctorError
from tui.commands.arguments import answers_from_args
from wizards.answers import field_errors


def run_troubleshooter(args: argparse.Namespace) -> int:
    """Open the app; with a URL it starts probing without a key.

    Options given on the command line are checked first, like every other command:
    a bad one exits 2 with its one-line message instead of opening the app.
    """
    answers = answers_from_args(args)
    errors = field_errors(answers, os.environ)
    if not answers.url:
        errors.pop("url", None)
    if errors:
        raise MtlsDoctorError(next(iter(errors.values())))

    from tui.app import run_app

    return run_app(answers, autostart=bool(answers.url))
