"""Quitting the troubleshooter in a real terminal while a probe still waits."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.probes.faults import Fault, FaultServer

ROOT = Path(__file__).resolve().parents[2]
PROBE_TIMEOUT = 30
QUIT_BOUND = 8.0
CTRL_Q = b"\x11"


def _read_for(descriptor: int, seconds: float) -> bytes:
    """What the terminal shows during `seconds`."""
    shown = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([descriptor], [], [], left)
        if not readable:
            break
        try:
            shown += os.read(descriptor, 65536)
        except OSError:
            break
    return shown


def test_quit_during_a_probe_of_a_silent_server_ends_at_once() -> None:
    """ctrl+q while a hop that never answers is being probed ends the app within
    seconds, not when the probe's 30 s timeout runs out."""
    with FaultServer(Fault.SILENT) as server:
        terminal, child_side = pty.openpty()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui.cli",
                f"https://localhost:{server.port}/",
                "--timeout",
                str(PROBE_TIMEOUT),
            ],
            stdin=child_side,
            stdout=child_side,
            stderr=child_side,
            cwd=ROOT,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
            start_new_session=True,
        )
        os.close(child_side)
        try:
            shown = _read_for(terminal, 6.0)
            os.write(terminal, CTRL_Q)
            quit_pressed = time.monotonic()
            while process.poll() is None and time.monotonic() - quit_pressed < 40:
                _read_for(terminal, 0.2)
            took = time.monotonic() - quit_pressed
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            os.close(terminal)

    assert b"Probe" in shown
    assert took < QUIT_BOUND, f"the app took {took:.1f} s to quit"
    assert process.returncode == 0
