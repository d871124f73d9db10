"""One found cause: its id beside its title, its evidence, steps and snippets."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Collapsible, Static, TabbedContent, TabPane

from knowledge.causes import FoundCause


class CauseView(Vertical):
    """A cause the person can open: why it matched and how to fix it, per vendor."""

    def __init__(self, cause: FoundCause, collapsed: bool = True) -> None:
        super().__init__(classes=f"cause-view cause-{cause.id}")
        self.cause = cause
        self._collapsed = collapsed

    def compose(self) -> ComposeResult:
        cause = self.cause
        at_hop = f" (at {cause.hop})" if cause.hop else ""
        with Collapsible(
            title=f"{cause.id} — {cause.title}{at_hop}", collapsed=self._collapsed
        ):
            if cause.hop:
                yield Static(f"At hop: {cause.hop}", classes="cause-hop", markup=False)
            yield Static(cause.summary, classes="cause-summary", markup=False)
            yield Static("Evidence", classes="cause-heading")
            yield Static(
                "\n".join(f"• {line}" for line in cause.evidence),
                classes="cause-evidence",
                markup=False,
            )
            yield Static("Steps to fix", classes="cause-heading")
            yield Static(
                "\n".join(f"{n}. {line}" for n, line in enumerate(cause.steps, 1)),
                classes="cause-steps",
                markup=False,
            )
            if cause.snippets:
                yield Static("Configuration", classes="cause-heading")
                with TabbedContent(classes="cause-snippets"):
                    for number, (vendor, text) in enumerate(cause.snippets):
                        with TabPane(vendor):
                            yield Static(text, classes="snippet", markup=False)
                            yield Button(
                                f"Copy the {vendor} snippet",
                                name=str(number),
                                classes="copy-snippet",
                                compact=True,
                            )

    @on(Button.Pressed, ".copy-snippet")
    def _copy_snippet(self, event: Button.Pressed) -> None:
        """Put one snippet on the clipboard whole: copied from the screen, a wrapped
        line would lose its comment mark or its backslash."""
        event.stop()
        vendor, text = self.cause.snippets[int(event.button.name or 0)]
        self.app.copy_to_clipboard(text)
        self.app.notify(
            f"Copied the {vendor} snippet of {self.cause.id} (if your terminal passes "
            "the clipboard on; otherwise save the report with m)."
        )
