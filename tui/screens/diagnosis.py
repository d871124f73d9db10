"""Step 6: the diagnosis: each cause with its id, evidence, fixes and snippets, the
curl command, copy and export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import ScreenResume
from textual.widgets import Button, Static

from tui.screens.base import StepScreen
from tui.screens.identity import describe_identity
from tui.screens.probe import TERMINATED_CAUSE
from tui.widgets.cause_view import CauseView
from tui.widgets.path_picture import PathPicture
from wizards.answers import path_hops

if TYPE_CHECKING:
    from wizards.session import CheckResult


class DiagnosisScreen(StepScreen):
    """What is wrong, why, how to fix it, and a curl command to try."""

    AUTO_FOCUS = ".step-body"
    STEP = "diagnosis"
    HEADING = "Diagnosis"
    BINDINGS = [
        Binding("c", "copy_curl", "Copy curl"),
        Binding("m", "export('markdown')", "Save .md"),
        Binding("j", "export('json')", "Save .json"),
        Binding("e", "app.go_to('target')", "Answers"),
    ]

    def compose_step(self) -> ComposeResult:
        yield Static("No checks run yet: press ctrl+r.", id="headline", markup=False)
        yield PathPicture(id="diagnosis-path")
        yield Static("", id="pasted", markup=False)
        yield Vertical(id="causes")
        yield Static("curl", classes="section-heading")
        yield Static("", id="curl", markup=False)
        yield Static("", id="curl-notes", markup=False)
        yield Static("Client certificate", classes="section-heading")
        yield Static("", id="identity", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("◀ Answers", id="nav-back", compact=True)
        yield Button("Copy curl", id="copy-curl", compact=True)
        yield Button("Save .md", id="export-markdown", compact=True)
        yield Button("Save .json", id="export-json", compact=True)
        yield Button("Run again", id="nav-run", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.shown_run = 0

    @on(ScreenResume)
    async def _show_new_result(self) -> None:
        result = self.doctor.result
        if result is not None and self.shown_run != self.doctor.run_id:
            self.shown_run = self.doctor.run_id
            await self.show_result(result)

    @on(Button.Pressed, "#copy-curl")
    def _copy_pressed(self) -> None:
        self.action_copy_curl()

    @on(Button.Pressed, "#export-markdown")
    def _markdown_pressed(self) -> None:
        self.action_export("markdown")

    @on(Button.Pressed, "#export-json")
    def _json_pressed(self) -> None:
        self.action_export("json")

    async def show_result(self, result: CheckResult) -> None:
        """Show every cause (the first one open), the path, the curl command."""
        causes = result.causes
        headline = self.query_one("#headline", Static)
        headline.set_class(bool(causes), "-causes")
        headline.set_class(not causes, "-healthy")
        url = result.request.target.url
        headline.update(
            f"{len(causes)} {'cause' if len(causes) == 1 else 'causes'} found on {url}"
            if causes
            else f"No cause found: mutual TLS works as set up on {url}"
        )

        picture = self.query_one(PathPicture)
        client_files = (
            result.request.cert.name if result.request.cert else "no certificate"
        )
        await picture.show_path(path_hops(result.request), client_files)
        terminating = [c.hop for c in causes if c.id == TERMINATED_CAUSE and c.hop]
        picture.show_observations(result.observations, terminating)

        pasted = self.query_one("#pasted", Static)
        pasted.update(self._pasted_text(result))
        pasted.display = bool(self.doctor.likely_cause_ids)
        container = self.query_one("#causes", Vertical)
        await container.remove_children()
        await container.mount_all(
            [
                CauseView(cause, collapsed=index > 0)
                for index, cause in enumerate(causes)
            ]
        )

        curl = result.curl
        self.query_one("#curl", Static).update(curl.text if curl else "(none)")
        notes = "\n".join(f"• {note}" for note in curl.notes) if curl else ""
        checked = result.curl_verification
        if checked is not None:
            verdict = "verified" if checked.verified else "not verified"
            notes = f"{verdict} (by {checked.by}): {checked.reason}\n{notes}"
        self.query_one("#curl-notes", Static).update(notes)
        self.query_one("#identity", Static).update(
            describe_identity(result.identity) if result.identity else "none given"
        )

    def _pasted_text(self, result: CheckResult) -> str:
        from knowledge.report import pasted_error_line

        likely = self.doctor.likely_cause_ids
        return pasted_error_line(likely, result.causes) if likely else ""

    def action_copy_curl(self) -> None:
        """Put the curl command on the clipboard through the terminal."""
        result = self.doctor.result
        if result is None or result.curl is None:
            self.notify(
                "No curl command yet: run the checks first.", severity="warning"
            )
            return
        self.app.copy_to_clipboard(result.curl.text)
        self.notify(
            "Copied the curl command (if your terminal passes the clipboard on; "
            "otherwise export the report with m)."
        )

    def action_export(self, kind: str) -> None:
        self.doctor.export_report(kind)
