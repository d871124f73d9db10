"""Timing helpers for the benchmark: medians, child processes with their peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessRun:
    """One child process: wall time from spawn to exit and exit code."""

    seconds: float
    exit_code: int


def run_process(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    stdin_file: Path | None = None,
    ready_line: bool = False,
) -> ProcessRun:
    """Run a child to its end; with ready_line, time only until it prints one line."""
    stdin = stdin_file.open("rb") if stdin_file else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdin=stdin,
            stdout=subprocess.PIPE if ready_line else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        if ready_line and child.stdout is not None:
            child.stdout.readline()
            elapsed = time.perf_counter() - start
            child.stdout.read()
        _pid, status = os.waitpid(child.pid, 0)
        if not ready_line:
            elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin_file and not isinstance(stdin, int):
            stdin.close()
    return ProcessRun(elapsed, child.returncode)


_SPAWNER = (
    "import os, subprocess, sys; "
    "child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(os.wait4(child.pid, 0)[2].ru_maxrss)"
)


def peak_memory_kib(argv: Sequence[str], env: Mapping[str, str] | None) -> int:
    """A command's peak resident memory (ru_maxrss), started from a small spawner.

    A child forked from the benchmark itself counts the benchmark's pages until its
    exec, so every child would show at least the benchmark's own size.
    """
    completed = subprocess.run(
        [sys.executable, "-S", "-c", _SPAWNER, *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(completed.stdout.split()[-1])


def time_call(work: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def interleaved(
    repeat: int, *works: Callable[[], float], warmup: bool = True
) -> list[list[float]]:
    """Run each timed work `repeat` times, alternating so drift hits all alike."""
    if warmup:
        for work in works:
            work()
    samples: list[list[float]] = [[] for _ in works]
    for round_index in range(repeat):
        order = list(enumerate(works))
        if round_index % 2:
            order.reverse()
        for index, work in order:
            samples[index].append(work())
    return samples


def median(samples: Sequence[float]) -> float:
    """The median of the samples."""
    return statistics.median(samples)


@dataclass(frozen=True)
class ImportTime:
    """One line of `python -X importtime`: a module and what its import cost."""

    module: str
    self_us: int
    cumulative_us: int
    depth: int


def parse_importtime(stderr: str) -> list[ImportTime]:
    """The import lines of `-X importtime` output, in the order Python wrote them."""
    imports = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        imports.append(
            ImportTime(name.strip(), int(self_us), int(cumulative_us), depth)
        )
    return imports


def importtime_of(
    argv: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[list[ImportTime], int]:
    """Run a Python command under `-X importtime`; its imports and exit code."""
    python, *rest = argv
    completed = subprocess.run(
        [python, "-X", "importtime", *rest],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return parse_importtime(completed.stderr), completed.returncode
