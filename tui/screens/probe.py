"""Step 5: the live probe; each hop and step appears as it completes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, LoadingIndicator, RichLog, Static

from knowledge.errors import MtlsDoctorError
from tui.screens.base import StepScreen
from tui.widgets.path_picture import PathPicture
from wizards.answers import CheckRequest, path_hops
from wizards.progress import ProbeStepChanged, StepState

if TYPE_CHECKING:
    from wizards.session import CheckResult


TERMINATED_CAUSE = "tls-terminated-before-origin"
_STATE_MARKS = {StepState.RUNNING: "…", StepState.DONE: "✓", StepState.FAILED: "✗"}


class ProbeScreen(StepScreen):
    """Where the checks run, hop by hop, without ever freezing the app."""

    AUTO_FOCUS = ".step-body"
    STEP = "probe"
    HEADING = "Probing the path"
    NEXT_LABEL = "Diagnosis ▶"

    def compose_step(self) -> ComposeResult:
        yield PathPicture(id="probe-path")
        with Horizontal(id="probe-status-row"):
            yield LoadingIndicator(id="probe-spinner")
            yield Static("No checks run yet: press ctrl+r.", id="probe-status")
        yield RichLog(id="probe-log", markup=False, wrap=True, auto_scroll=True)

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Run again", id="nav-run", compact=True)

    def on_mount(self) -> None:
        self.query_one("#probe-spinner").display = False

    async def begin(self, request: CheckRequest) -> None:
        """Draw the path with every hop waiting and clear the last run's lines."""
        hops = path_hops(request)
        client_files = request.cert.name if request.cert else "no certificate"
        await self.query_one(PathPicture).show_path(hops, client_files)
        self.query_one(RichLog).clear()
        self.query_one("#probe-spinner").display = True
        noun = "hop" if len(hops) == 1 else "hops"
        self._set_status(
            f"Probing {len(hops)} {noun} of {request.target.url} "
            f"(at most {request.timeout:g} s per step)..."
        )

    def record_step(self, change: ProbeStepChanged) -> None:
        """Add a finished step to the log and to the picture."""
        self.query_one(PathPicture).record_step(change)
        if change.state is StepState.RUNNING:
            return
        mark = _STATE_MARKS[change.state]
        summary = f"  {change.summary}" if change.summary else ""
        self.query_one(RichLog).write(
            f"{mark} {change.hop_label:<12} {change.step}{summary}"
        )

    def finish(self, result: CheckResult) -> None:
        """Color the picture by what every hop did; say how many causes were found."""
        terminating = [
            c.hop for c in result.causes if c.id == TERMINATED_CAUSE and c.hop
        ]
        self.query_one(PathPicture).show_observations(result.observations, terminating)
        self.query_one("#probe-spinner").display = False
        count = len(result.causes)
        self._set_status(f"Done: {count} {'cause' if count == 1 else 'causes'} found.")

    def fail(self, error: MtlsDoctorError) -> None:
        """Say why the checks stopped; every answer stays as it was."""
        self.query_one(PathPicture).show_failure("not probed")
        self.query_one("#probe-spinner").display = False
        self._set_status(f"The checks stopped: {error.message}")
        self.query_one(RichLog).write(f"✗ {error.message}")

    def _set_status(self, text: str) -> None:
        self.query_one("#probe-status", Static).update(text)
