"""Step 1: the URL to reach (host, port, path) and the bound on each network step."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from knowledge.errors import InputError
from tui.screens.base import StepScreen
from tui.widgets.form_field import FormField
from wizards.answers import parse_sni, parse_target


class TargetScreen(StepScreen):
    """Where the person says what they want to reach."""

    STEP = "target"
    HEADING = "Which address fails?"
    INTRO = (
        "The URL your client calls. A missing port means 443; the path defaults to /."
    )

    def compose_step(self) -> ComposeResult:
        yield FormField("url", "URL", placeholder="https://api.example.com:8443/health")
        yield Static("", id="target-parsed", markup=False)
        yield FormField(
            "timeout",
            "Timeout (s)",
            placeholder="5",
            hint="The bound on each network step: DNS, connect, handshake, request.",
        )

    def load_answers(self) -> None:
        super().load_answers()
        self._show_parsed(self.answers.url)

    @on(Input.Changed, "#input-url")
    def _url_changed(self, event: Input.Changed) -> None:
        self._show_parsed(event.value)

    def _show_parsed(self, url: str) -> None:
        try:
            target = parse_target(url) if url.strip() else None
        except InputError:
            target = None
        parsed = self.query_one("#target-parsed", Static)
        if target is None:
            parsed.update("")
            return
        if self.answers.no_sni:
            server_name = "(none: chosen on the SNI step)"
        elif self.answers.sni.strip():
            try:
                server_name = parse_sni(self.answers.sni)
            except InputError:
                server_name = "(not usable: see the SNI step)"
        else:
            server_name = target.sni or "(none: IP address)"
        parsed.update(
            f"host {target.host}   port {target.port}   path {target.path}"
            f"   SNI {server_name}"
        )
