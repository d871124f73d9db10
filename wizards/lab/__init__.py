"""Loopback servers with a throwaway PKI that reproduce each mutual TLS failure."""

from __future__ import annotations

from wizards.lab.running import RunningLab, start_lab
from wizards.lab.scenarios import ClientChoice, Scenario, find_scenario, list_scenarios

__all__ = [
    "ClientChoice",
    "RunningLab",
    "Scenario",
    "find_scenario",
    "list_scenarios",
    "start_lab",
]
