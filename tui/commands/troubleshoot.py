"""The default command: the guided troubleshooter, probing at once when it can."""

from __future__ import annotations

import argparse
import os

from knowledge.errors import MtlsDoctorError
from tui.commands.arguments import answers_from_args
from wizards.answers import Answers, existing_file, field_errors, read_password


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
    _open_files(answers)

    from tui.app import run_app

    return run_app(answers, autostart=bool(answers.url))


def _open_files(answers: Answers) -> None:
    """Read the certificate, key and CA files given, as `check` does, so a file that
    cannot be used is refused here rather than after the app has opened."""
    cacert = existing_file(answers.cacert, "--cacert")
    client_ca = existing_file(answers.client_ca, "--client-ca")
    cert = existing_file(answers.cert, "--cert")
    if cacert is None and client_ca is None and cert is None:
        return
    from wizards.credentials import check_ca_files, load_client_identity

    check_ca_files(cacert, client_ca)
    if cert is not None:
        load_client_identity(
            cert,
            existing_file(answers.key, "--key"),
            read_password(answers.password_env, os.environ),
            answers.password_env.strip() or None,
        )
