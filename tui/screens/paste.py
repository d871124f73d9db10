"""Step 0: paste the error text you see (or skip) and read what it means at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Button, Static, TextArea

from tui.screens.base import StepScreen

if TYPE_CHECKING:
    from knowledge.error_meanings import ErrorMeaning

EXPLAIN_DELAY = 0.25


class PasteScreen(StepScreen):
    """Where a person may paste an error message or log line before the checks."""

    STEP = "paste"
    HEADING = "What do you see?"
    INTRO = (
        "Paste an error message, a log line or an HTTP error page (curl, nginx, Kong, "
        "Cloudflare, Java, Go, a browser...), or skip this step."
    )

    def compose_step(self) -> ComposeResult:
        yield TextArea(id="error-text", soft_wrap=True, show_line_numbers=False)
        yield Static("Nothing pasted yet.", id="meanings", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Skip ▶", id="nav-next", variant="primary", compact=True)

    def on_mount(self) -> None:
        self._explain_timer: Timer | None = None

    def load_answers(self) -> None:
        text_area = self.query_one("#error-text", TextArea)
        if text_area.text != self.answers.error_text:
            text_area.load_text(self.answers.error_text)

    def save_answers(self) -> None:
        """Keep the text and, when the person leaves before the pause after typing,
        read it now, so the checks still start from what it points to."""
        self.answers.error_text = self.query_one("#error-text", TextArea).text
        if self._explain_timer is not None:
            self._explain()

    @on(TextArea.Changed, "#error-text")
    def _text_changed(self) -> None:
        self.answers.error_text = self.query_one("#error-text", TextArea).text
        if self._explain_timer is not None:
            self._explain_timer.stop()
        self._explain_timer = self.set_timer(EXPLAIN_DELAY, self._explain)

    def _explain(self) -> None:
        if self._explain_timer is not None:
            self._explain_timer.stop()
            self._explain_timer = None
        # the table of error texts loads on the first paste, not before the first screen
        from knowledge.error_meanings import LONGEST_TEXT, cause_ids_of, explain

        text = self.answers.error_text.strip()
        meanings = explain(text) if text else ()
        self.doctor.likely_cause_ids = cause_ids_of(meanings)
        description = _describe(text, meanings)
        if len(text) > LONGEST_TEXT:
            description += (
                f"\n(Read the first {LONGEST_TEXT // 1024} KiB only: paste the lines "
                "around the error for the rest.)"
            )
        self.query_one("#meanings", Static).update(description)
        self.query_one("#nav-next", Button).label = "Next ▶" if text else "Skip ▶"


def _describe(text: str, meanings: tuple[ErrorMeaning, ...]) -> str:
    if not text:
        return "Nothing pasted yet."
    if not meanings:
        return "No known error in this text; the checks will find out what happens."
    lines: list[str] = []
    for meaning in meanings:
        lines.append(f"▸ {meaning.matched!r} ({meaning.source}): {meaning.meaning}")
        if meaning.cause_ids:
            lines.append(f"  points to: {', '.join(meaning.cause_ids)}")
    return "\n".join(lines)
