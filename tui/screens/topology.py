"""Step 4: the path from the client to the origin, from a preset or hop by hop."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.events import ScreenResume
from textual.widgets import Select, Static

from knowledge.errors import InputError
from tui.screens.base import StepScreen, inline_message
from tui.widgets.hop_list import HopList
from wizards.answers import parse_hop, parse_target

PRESETS: dict[str, tuple[str, ...]] = {
    "direct": (),
    "cloudflare-origin": ("cloudflare", "origin"),
    "f5-kong": ("f5", "kong"),
    "alb-app": ("aws-alb", "app"),
    "kong-upstream": ("kong", "upstream"),
    "nginx-app": ("nginx", "app"),
    "custom": (),
}
PRESET_TITLES = {
    "direct": "Direct: client → server",
    "cloudflare-origin": "Cloudflare → origin",
    "f5-kong": "F5 → Kong",
    "alb-app": "AWS ALB → app",
    "kong-upstream": "Kong → upstream",
    "nginx-app": "nginx ingress → app",
    "custom": "Custom",
}


class TopologyScreen(StepScreen):
    """Where the person lays out the hops between the client and the origin."""

    STEP = "topology"
    HEADING = "What stands between the client and the origin?"
    INTRO = (
        "Each hop is probed at its own address with the URL's name as SNI and Host, as "
        "curl --connect-to does. Leave the list empty to probe the URL directly. A "
        "label naming a vendor (cloudflare, f5, kong, nginx, haproxy, envoy, apache, "
        "aws-alb, traefik) picks that vendor's fixes."
    )
    NEXT_LABEL = "Run checks ▶"

    def compose_step(self) -> ComposeResult:
        yield Select(
            [(title, key) for key, title in PRESET_TITLES.items()],
            value="custom",
            allow_blank=False,
            id="preset",
        )
        yield Static("Hops, client side first", classes="section-heading")
        yield HopList()

    @on(ScreenResume)
    async def _reload_hops(self) -> None:
        await self.query_one(HopList).set_specs(self.answers.hops)
        preset = self.query_one("#preset", Select)
        with preset.prevent(Select.Changed):
            preset.value = "custom" if self.answers.hops else "direct"

    def load_answers(self) -> None:
        """The hop rows are reloaded when the screen resumes (it needs to await)."""

    def save_answers(self) -> None:
        self.answers.hops = self.query_one(HopList).specs

    def validate(self) -> bool:
        hop_list = self.query_one(HopList)
        hop_list.show_error(None)
        valid = True
        for row in hop_list.rows():
            try:
                if row.spec:
                    parse_hop(row.spec)
            except InputError as error:
                row.show_error(inline_message(error.message))
                valid = False
            else:
                row.show_error(None)
        return valid

    def show_field_errors(self, errors: dict[str, str], focus: bool = True) -> None:
        message = errors.get("hops")
        self.query_one(HopList).show_error(inline_message(message) if message else None)
        if message:
            self.validate()

    @on(Select.Changed, "#preset")
    async def _preset_chosen(self, event: Select.Changed) -> None:
        labels = PRESETS.get(str(event.value), ())
        if event.value == "custom":
            return
        edge_address = self._url_address()
        specs = [
            f"{label}={edge_address if index == 0 else ''}"
            for index, label in enumerate(labels)
        ]
        await self.query_one(HopList).set_specs(specs)
        self.save_answers()

    def _url_address(self) -> str:
        try:
            target = parse_target(self.answers.url)
        except InputError:
            return ""
        host = f"[{target.host}]" if ":" in target.host else target.host
        return f"{host}:{target.port}"
