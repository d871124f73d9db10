"""`mtls-doctor lab`: start a loopback scenario and say what to try against it."""

from __future__ import annotations

import argparse
import threading

from tui.commands.output import print_out
from wizards.lab import RunningLab, find_scenario, list_scenarios, start_lab

DEFAULT_SCENARIO = "required"


def list_scenarios_text() -> str:
    """One line per scenario: its name, the cause it shows and what it does."""
    scenarios = list_scenarios()
    width = max(len(s.name) for s in scenarios)
    lines = []
    for scenario in scenarios:
        causes = ", ".join(scenario.cause_ids) or "no cause (works)"
        lines.append(
            f"{scenario.name:<{width}}  {causes}\n{'':<{width}}  {scenario.description}"
        )
    return "\n".join(lines)


def start_demo_lab(scenario: str | None) -> RunningLab:
    """Start a scenario (the default one for None) for the troubleshooter to open."""
    return start_lab(find_scenario(scenario or DEFAULT_SCENARIO).name)


def describe_running_lab(lab: RunningLab) -> str:
    """Where the lab's files are and the commands to try, for a person to read."""
    scenario = lab.scenario
    pki = lab.pki
    shows = ", ".join(scenario.cause_ids) or "no cause: mutual TLS works"
    lines = [
        f"mtls-doctor lab: {scenario.name} - {scenario.description}",
        f"  shows:       {shows}",
        *(f"  {hop.label + ':':<12} https://{hop.address}/" for hop in lab.hops),
        f"  CA:          {lab.ca}",
        f"  client cert: {pki.good_client.cert}",
        f"  client key:  {pki.good_client.key}",
    ]
    if lab.client_cert and lab.client_cert != pki.good_client.cert:
        lines += [
            f"  tried cert:  {lab.client_cert}",
            f"  tried key:   {lab.client_key}",
        ]
    lines += [
        "",
        "Try:",
        f"  {lab.try_command()}",
        f"  {lab.curl_command()}",
        "",
        "Serving until Ctrl-C.",
    ]
    return "\n".join(lines)


def run_lab(args: argparse.Namespace) -> int:
    """List the scenarios, or serve one until Ctrl-C."""
    if args.list:
        print_out(list_scenarios_text())
        return 0

    try:
        with start_demo_lab(args.scenario) as lab:
            print_out(describe_running_lab(lab))
            threading.Event().wait()
    except KeyboardInterrupt:
        print_out("\nmtls-doctor lab: stopped")
    return 0
