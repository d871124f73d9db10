"""The troubleshooter: a Textual app walking from an error text to a diagnosis."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen

from knowledge.errors import InputError, MtlsDoctorError
from tui.commands.output import report_text
from tui.screens.base import StepScreen, field_of, inline_message
from tui.steps import FIELD_STEPS, STEP_NAMES, STEPS
from wizards.answers import Answers, CheckRequest, build_request
from wizards.progress import ProbeStepChanged

if TYPE_CHECKING:
    from tui.screens.probe import ProbeScreen
    from wizards.session import CheckResult


logger = logging.getLogger(__name__)

EXPORT_FILES = {"markdown": "mtls-doctor-report.md", "json": "mtls-doctor-report.json"}
_NAVIGATION = {"next", "back", "run", "go_to"}


class ProbeStepCompleted(Message):
    """A probe step of one hop started or ended, during run `run_id`."""

    def __init__(self, change: ProbeStepChanged, run_id: int) -> None:
        super().__init__()
        self.change = change
        self.run_id = run_id


class ChecksFinished(Message):
    """Every hop was probed and diagnosed."""

    def __init__(self, result: CheckResult, run_id: int) -> None:
        super().__init__()
        self.result = result
        self.run_id = run_id


class ChecksFailed(Message):
    """The checks stopped on an error the person can act on."""

    def __init__(self, error: MtlsDoctorError, run_id: int) -> None:
        super().__init__()
        self.error = error
        self.run_id = run_id


class MtlsDoctorApp(App[int]):
    """Steps from a pasted error to a diagnosis; every step stays reachable."""

    CSS_PATH = "app.tcss"
    TITLE = "mtls-doctor"
    ENABLE_COMMAND_PALETTE = False
    SCREENS = {name: step.make_screen for name, step in STEPS.items()}
    # Not priority bindings: the key then reaches the app after the focused field has
    # taken every key typed before it, so a step never moves on with half a URL.
    BINDINGS = [
        Binding("ctrl+p", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+r", "run", "Run checks"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        answers: Answers,
        autostart: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.answers = answers
        self.autostart = autostart
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.result: CheckResult | None = None
        self.run_id = 0
        self.likely_cause_ids: tuple[str, ...] = ()

    async def on_mount(self) -> None:
        await self.push_screen(self._first_step())
        if self.autostart:
            await self.action_run()

    def _first_step(self) -> str:
        """The paste screen, or with a URL given, the first step left to answer."""
        if not self.answers.url:
            return "paste"
        if self.autostart:
            return "target"
        return "identity" if not self.answers.cert else "topology"

    @property
    def step(self) -> str | None:
        screen = self.screen
        return screen.STEP if isinstance(screen, StepScreen) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _NAVIGATION and isinstance(self.screen, ModalScreen):
            return False
        if action == "back" and self.step == STEP_NAMES[0]:
            return None
        if action == "next" and self.step == STEP_NAMES[-1]:
            return None
        return True

    async def action_go_to(self, step: str) -> None:
        """Show a step, keeping every answer given on the step being left."""
        if step not in STEPS or step == self.step:
            return
        if isinstance(self.screen, StepScreen):
            self.screen.save_answers()
        await self.switch_screen(step)

    async def action_next(self) -> None:
        screen = self.screen
        if not isinstance(screen, StepScreen):
            return
        screen.save_answers()
        if not screen.validate():
            return
        if screen.STEP == "topology":
            await self.action_run()
            return
        index = STEP_NAMES.index(screen.STEP)
        if index + 1 < len(STEP_NAMES):
            await self.action_go_to(STEP_NAMES[index + 1])

    async def action_back(self) -> None:
        step = self.step
        if step is not None and step != STEP_NAMES[0]:
            await self.action_go_to(STEP_NAMES[STEP_NAMES.index(step) - 1])

    async def action_run(self) -> None:
        """Check the answers and start probing; a bad answer shows beside its field."""
        if isinstance(self.screen, StepScreen):
            self.screen.save_answers()
        try:
            request = build_request(self.answers, self.environ)
        except InputError as error:
            await self.show_input_error(error)
            return

        self.run_id += 1
        self.result = None
        await self.action_go_to("probe")
        await self._probe_screen().begin(request)
        # Not a Textual thread worker: those run in asyncio's default executor, which
        # the app waits for when it closes, so quitting during a probe of a silent
        # server would leave a blank screen until the timeout. A daemon thread is
        # dropped at exit; a result from an earlier run is ignored by its run_id.
        threading.Thread(
            target=self._run_checks,
            args=(request, self.run_id),
            name="mtls-doctor-checks",
            daemon=True,
        ).start()

    async def show_input_error(self, error: MtlsDoctorError) -> None:
        """Go to the step of the field the error names and show it there."""
        field = field_of(error, self.answers)
        await self.action_go_to(FIELD_STEPS.get(field, "target"))
        screen = self.screen
        if isinstance(screen, StepScreen):
            screen.show_field_errors({field: error.message})
        self.notify(
            inline_message(error.message), title="Check this answer", severity="warning"
        )

    def _run_checks(self, request: CheckRequest, run_id: int) -> None:
        """Probe in a thread; progress and the result come back as messages."""

        def report_progress(change: ProbeStepChanged) -> None:
            self.post_message(ProbeStepCompleted(change, run_id))

        try:
            from wizards.session import run_checks

            result = run_checks(request, report_progress)
        except MtlsDoctorError as error:
            self.post_message(ChecksFailed(error, run_id))
        except Exception as error:  # a bug in a probe must leave the app usable
            logger.exception("the checks failed")
            self.post_message(
                ChecksFailed(
                    MtlsDoctorError(
                        f"the checks stopped on an unexpected {type(error).__name__}",
                        title="Probe failed",
                    ),
                    run_id,
                )
            )
        else:
            self.post_message(ChecksFinished(result, run_id))

    def _probe_screen(self) -> ProbeScreen:
        return cast("ProbeScreen", self.get_screen("probe"))

    def on_probe_step_completed(self, event: ProbeStepCompleted) -> None:
        if event.run_id == self.run_id and self._probe_screen().is_mounted:
            self._probe_screen().record_step(event.change)

    async def on_checks_finished(self, event: ChecksFinished) -> None:
        if event.run_id != self.run_id:
            return
        self.result = event.result
        if self._probe_screen().is_mounted:
            self._probe_screen().finish(event.result)
        if self.step == "probe":
            await self.action_go_to("diagnosis")
        else:
            self.notify("The checks are done: see the Diagnosis step.")

    async def on_checks_failed(self, event: ChecksFailed) -> None:
        if event.run_id != self.run_id:
            return
        if self._probe_screen().is_mounted:
            self._probe_screen().fail(event.error)
        if isinstance(event.error, InputError):
            await self.show_input_error(event.error)
        else:
            self.notify(event.error.message, title=event.error.title, severity="error")

    def export_report(self, kind: str) -> None:
        """Ask where to write the report and write it there."""
        from tui.screens.export import ExportDialog

        result = self.result
        if result is None:
            self.notify(
                "Nothing to export yet: run the checks first.", severity="warning"
            )
            return

        def written(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Wrote the {kind} report to {path.resolve()}")

        dialog = ExportDialog(
            kind,
            Path(EXPORT_FILES[kind]),
            lambda path: self._write_report(result, kind, path),
        )
        self.push_screen(dialog, written)

    def _write_report(self, result: CheckResult, kind: str, path: Path) -> str | None:
        """Write the report; why it could not be written, or None once it is."""
        try:
            text = report_text(result, kind, self.likely_cause_ids)
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            return f"{path}: {error.strerror}"
        except Exception as error:  # a report that cannot be built must not end the app
            logger.exception("building the %s report failed", kind)
            return f"the {kind} report could not be built ({type(error).__name__})"
        return None


def run_app(answers: Answers, autostart: bool = False) -> int:
    """Run the troubleshooter until the person quits; autostart probes at once."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise MtlsDoctorError(
            "the troubleshooter needs a terminal; for a report without one, run "
            "mtls-doctor check URL --cert FILE"
        )
    app = MtlsDoctorApp(answers, autostart=autostart)
    app.run()
    return app.return_code or 0
