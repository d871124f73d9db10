"""Each lab scenario, probed by `mtls-doctor check`, shows the cause it promises."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.check_cli import ROOT, run_check
from tests.servers.real import require_binary
from wizards.lab import list_scenarios, start_lab

SCENARIO_NAMES = [scenario.name for scenario in list_scenarios()]


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_lab_scenario_checked_with_its_command_gives_its_causes(
    name: str, tmp_path: Path
) -> None:
    """The command the lab says to try finds exactly the scenario's promised causes."""
    with start_lab(name, folder=tmp_path) as lab:
        result = run_check(*lab.check_arguments()[1:])

    promised = set(lab.scenario.cause_ids)
    assert promised <= set(result.cause_ids), result
    assert result.exit_code == (1 if promised else 0), result


def test_lab_edge_scenario_blames_the_edge_and_origin_accepts_directly(
    tmp_path: Path,
) -> None:
    """The edge ends TLS; the origin behind it accepts the same certificate directly."""
    with start_lab("edge", folder=tmp_path) as lab:
        result = run_check(*lab.check_arguments()[1:])

    edge, origin = result.hop(0), result.hop(1)
    assert result.cause("tls-terminated-before-origin")["hop"] == "edge", result
    assert "hop-unreachable" not in result.cause_ids, result
    assert edge["client_cert_requested"] is True, result
    assert edge["with_cert"]["http_status"] == 401, result
    assert origin["with_cert"]["outcome"] == "accepted", result


def test_lab_sni_bound_scenario_asks_only_for_the_protected_name(
    tmp_path: Path,
) -> None:
    """Probed with the protected name itself, the SNI-bound lab requires the cert."""
    with start_lab("sni-bound", folder=tmp_path) as lab:
        arguments = [a for a in lab.check_arguments()[1:] if a != lab.sni]
        arguments.remove("--sni")
        result = run_check(*arguments)

    assert "sni-mismatch" not in result.cause_ids, result
    assert result.hop()["client_auth"] == "required", result


def test_lab_healthy_scenario_curl_command_succeeds(tmp_path: Path) -> None:
    """The curl command the lab prints for the healthy scenario gets a 200."""
    require_binary("curl")
    with start_lab("healthy", folder=tmp_path) as lab:
        command = [*shlex.split(lab.curl_command()), "-sS", "-o", "/dev/null"]
        completed = subprocess.run(
            [*command, "-w", "%{http_code}"], capture_output=True, text=True, timeout=30
        )

    assert completed.stdout == "200", completed.stderr


def test_lab_stop_closes_ports_and_removes_its_own_folder() -> None:
    """After stop, no lab port accepts and the private folder is gone."""
    lab = start_lab("edge")
    ports = [hop.port for hop in lab.hops]
    folder = lab.pki.folder

    lab.stop()

    assert not any(_accepts_connections(port) for port in ports)
    assert not folder.exists()


def test_lab_list_prints_every_scenario_with_its_cause() -> None:
    """`mtls-doctor lab --list` names each scenario and the cause it shows."""
    completed = subprocess.run(
        [sys.executable, "-m", "tui.cli", "lab", "--list"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )

    assert completed.returncode == 0, completed.stderr
    for scenario in list_scenarios():
        assert scenario.name in completed.stdout
        assert all(cause in completed.stdout for cause in scenario.cause_ids)


def test_lab_unknown_scenario_exits_2_with_one_line() -> None:
    """An unknown scenario name is one line on stderr naming the known ones."""
    completed = subprocess.run(
        [sys.executable, "-m", "tui.cli", "lab", "no-such-scenario"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )

    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "required" in completed.stderr


@pytest.mark.parametrize(
    "signal_number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
)
def test_lab_command_interrupted_stops_cleanly_and_removes_its_keys(
    tmp_path: Path, signal_number: int
) -> None:
    """`mtls-doctor lab` prints what to try, serves, and stops on Ctrl-C, on kill and
    when its terminal closes, untroubled and with its folder of keys removed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "lab", "healthy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.startswith("Serving until Ctrl-C"):
            break
    assert list(tmp_path.iterdir()), "the lab wrote its keys somewhere else"
    process.send_signal(signal_number)
    rest, errors = process.communicate(timeout=20)

    text = "".join(printed)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    assert "mtls-doctor check https://localhost:" in text
    assert "curl --cacert" in text
    assert "stopped" in rest
    assert list(tmp_path.iterdir()) == []
