"""One found cause: its id beside its title, its evidence, steps and snippets."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Static, TabbedContent, TabPane

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
                    for vendor, text in cause.snippets:
                        with TabPane(vendor):
                            yield Static(text, classes="snippet", markup=False)
