"""Start and stop real server binaries on loopback for the tests."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

logger = logging.getLogger(__name__)

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
_START_ATTEMPTS = 3


@dataclass(frozen=True)
class RunningServer:
    """A server process listening on 127.0.0.1 with its configuration folder."""

    name: str
    port: int
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


class ServerDidNotStartError(RuntimeError):
    """A server binary exited or never listened; carries its output."""


def require_binary(name: str) -> str:
    """The path of a server binary; skip without it, or fail when CI=true."""
    path = shutil.which(name) or _sbin_path(name)
    if path:
        return path
    reason = f"{name} is not installed (Debian: apt-get install {name})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires every real server", pytrace=False)
    pytest.skip(reason)


def _sbin_path(name: str) -> str | None:
    for folder in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT
) -> None:
    """Return once 127.0.0.1:port accepts a connection; raise if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStartError(f"exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerDidNotStartError(f"nothing listened on port {port} in {timeout:g} s")


def stop_process(
    process: subprocess.Popen[bytes], stop_signal: int = signal.SIGTERM
) -> None:
    """Send the server its stop signal and wait; kill it if it does not stop."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            logger.warning(
                "pid %d ignored signal %d; killing it", process.pid, stop_signal
            )
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_server(
    name: str,
    folder: Path,
    command_for_ports: Callable[[Sequence[int]], Sequence[str]],
    port_count: int = 1,
    stop_signal: int = signal.SIGTERM,
) -> Iterator[tuple[RunningServer, tuple[int, ...]]]:
    """Start a server on free ports (retrying on a port race) and stop it afterwards.

    `command_for_ports` writes the configuration for the given ports and returns the
    command line; the first port is the one waited on and named by RunningServer.
    """
    failures: list[str] = []
    for attempt in range(_START_ATTEMPTS):
        ports = tuple(free_port() for _ in range(port_count))
        log_path = folder / f"{name}-{attempt}.out"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                list(command_for_ports(ports)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            for port in ports:
                wait_until_listening(port, process)
        except ServerDidNotStartError as error:
            stop_process(process, stop_signal)
            output = log_path.read_text(errors="replace").strip()
            failures.append(f"{error}: {output[-2000:]}")
            continue
        try:
            yield RunningServer(name, ports[0], folder, process), ports
        finally:
            stop_process(process, stop_signal)
        return
    raise ServerDidNotStartError(f"{name} did not start: " + " | ".join(failures))


def output_of(server: RunningServer) -> str:
    """What the server wrote to stdout and stderr so far (for failure messages)."""
    logs = sorted(server.folder.glob(f"{server.name}-*.out"))
    return logs[-1].read_text(errors="replace") if logs else ""
