"""`mtls-doctor demo`: start a lab scenario and open the troubleshooter on it."""

from __future__ import annotations

import argparse

from tui.commands.output import print_out
from wizards.answers import Answers


def run_demo(args: argparse.Namespace) -> int:
    """Run the app against a loopback scenario until the person quits."""
    from tui.commands.lab import list_scenarios_text, start_demo_lab

    if args.list:
        print_out(list_scenarios_text())
        return 0

    from tui.app import run_app

    with start_demo_lab(args.scenario) as lab:
        answers = Answers(
            url=lab.url,
            sni=lab.sni or "",
            cert=str(lab.client_cert) if lab.client_cert else "",
            key=str(lab.client_key) if lab.client_key else "",
            cacert=str(lab.ca),
            client_ca=str(lab.client_ca) if lab.client_ca else "",
            hops=[f"{hop.label}={hop.address}" for hop in lab.hops],
            timeout="3",
        )
        return run_app(answers, autostart=True)
