"""The default command: the guided troubleshooter, probing at once when it can."""

from __future__ import annotations

import argparse
import os

from tui.commands.arguments import answers_from_args
from wizards.answers import field_errors


def run_troubleshooter(args: argparse.Namespace) -> int:
    """Open the app; with a URL and usable answers it starts probing without a key."""
    answers = answers_from_args(args)
    autostart = bool(answers.url) and not field_errors(answers, os.environ)

    from tui.app import run_app

    return run_app(answers, autostart=autostart)
