"""Progress events a probe reports while it runs, for live front ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class StepState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ProbeStepChanged:
    """One step of one hop started or finished (steps: dns, tcp, tls-without-cert,
    tls-with-cert)."""

    hop_label: str
    step: str
    state: StepState
    summary: str = ""


ProgressCallback = Callable[[ProbeStepChanged], None]
