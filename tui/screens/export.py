"""The dialog asking where to write the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.commands.output import report_path_problem

WriteReport = Callable[[Path], str | None]
"""Writes the report to a path; returns why it could not, or None once written."""


class ExportDialog(ModalScreen[Path | None]):
    """Ask for a file name and write the report there; stays open, saying why, until
    it is written (dismissed with the path) or cancelled (dismissed with None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, kind: str, default_path: Path, write: WriteReport) -> None:
        super().__init__()
        self.kind = kind
        self.default_path = default_path
        self.write = write
        self._replace_confirmed: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            title = {"markdown": "Markdown", "json": "JSON"}.get(self.kind, self.kind)
            yield Static(f"Export the diagnosis as {title}", classes="step-heading")
            yield Static("File (relative to the current folder):", markup=False)
            yield Input(str(self.default_path), id="export-path")
            yield Static("", id="export-error", classes="field-error", markup=False)
            with Horizontal(classes="step-nav"):
                yield Button("Cancel", id="export-cancel", compact=True)
                yield Button("Save", id="export-save", variant="primary", compact=True)

    @on(Button.Pressed, "#export-save")
    @on(Input.Submitted, "#export-path")
    def _save(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        path = Path(text).expanduser()
        problem = "Give a file name." if not text else None
        if problem is None and (why := report_path_problem(path)) is not None:
            problem = f"{path} {why}; choose another path."
        elif problem is None and path.exists() and self._replace_confirmed != path:
            self._replace_confirmed = path
            problem = f"{path} exists: Save again to replace it."
        if problem is None:
            problem = self.write(path)
        if problem is not None:
            self.query_one("#export-error", Static).update(problem)
            return
        self.dismiss(path)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
