"""The dialog asking where to write the report."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ExportDialog(ModalScreen[Path | None]):
    """Ask for a file name; dismissed with the path, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, kind: str, default_path: Path) -> None:
        super().__init__()
        self.kind = kind
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(f"Export the diagnosis as {self.kind}", classes="step-heading")
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
        if not text:
            self.query_one("#export-error", Static).update("Give a file name.")
            return
        self.dismiss(Path(text).expanduser())

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
