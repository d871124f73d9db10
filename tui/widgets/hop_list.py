"""The editable list of hops: one row per hop with its label and address."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static


class HopRow(Vertical):
    """One hop as LABEL and HOST:PORT, with its own one-line message."""

    DEFAULT_CLASSES = "hop-row"

    def __init__(self, label: str = "", address: str = "") -> None:
        super().__init__()
        self._label = label
        self._address = address

    def compose(self) -> ComposeResult:
        with Horizontal(classes="hop-row-inputs"):
            yield Input(
                self._label,
                placeholder="label, e.g. cloudflare",
                classes="hop-label",
                compact=True,
            )
            yield Input(
                self._address,
                placeholder="host:port",
                classes="hop-address",
                compact=True,
            )
            yield Button("Remove", classes="hop-remove", compact=True)
        yield Static("", classes="field-error", markup=False).set_styles(
            "display: none;"
        )

    @property
    def spec(self) -> str:
        """The hop as `LABEL=HOST:PORT`, or empty when both parts are empty."""
        label = self.query_one(".hop-label", Input).value.strip()
        address = self.query_one(".hop-address", Input).value.strip()
        return f"{label}={address}" if label or address else ""

    def show_error(self, message: str | None) -> None:
        error = self.query_one(".field-error", Static)
        error.update(message or "")
        error.display = bool(message)
        self.set_class(bool(message), "-invalid")

    @on(Button.Pressed, ".hop-remove")
    async def _remove_me(self, event: Button.Pressed) -> None:
        event.stop()
        await self.remove()


class HopList(Vertical):
    """Every hop, client side first; no hop means the URL is reached directly."""

    DEFAULT_CLASSES = "hop-list"

    def compose(self) -> ComposeResult:
        yield Vertical(id="hop-rows")
        yield Static(
            "", classes="field-error", id="hops-error", markup=False
        ).set_styles("display: none;")
        yield Button("Add hop", id="add-hop", compact=True)

    @property
    def specs(self) -> list[str]:
        return [row.spec for row in self.query(HopRow) if row.spec]

    def rows(self) -> list[HopRow]:
        return list(self.query(HopRow))

    async def set_specs(self, specs: Sequence[str]) -> None:
        """Replace the rows with these `LABEL=HOST:PORT` hops."""
        rows = self.query_one("#hop-rows", Vertical)
        await rows.remove_children()
        await rows.mount_all([HopRow(*_split(spec)) for spec in specs])

    def show_error(self, message: str | None) -> None:
        error = self.query_one("#hops-error", Static)
        error.update(message or "")
        error.display = bool(message)

    @on(Button.Pressed, "#add-hop")
    async def _add_row(self, event: Button.Pressed) -> None:
        event.stop()
        row = HopRow()
        await self.query_one("#hop-rows", Vertical).mount(row)
        row.query_one(".hop-label", Input).focus()


def _split(spec: str) -> tuple[str, str]:
    label, _, address = spec.partition("=")
    return label.strip(), address.strip()
