"""Step 2: the server name to send in the handshake (SNI), or none."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet

from knowledge.errors import InputError
from tui.screens.base import StepScreen
from tui.widgets.form_field import FormField
from wizards.answers import parse_target


class SniScreen(StepScreen):
    """Where the person chooses the name sent as SNI: the URL's, another, or none."""

    STEP = "sni"
    HEADING = "Which server name (SNI) should the client send?"
    INTRO = (
        "Mutual TLS policies are often bound to one host name: a name other than the "
        "one the policy is on, or none at all, can make a server skip the certificate."
    )

    def compose_step(self) -> ComposeResult:
        with RadioSet(id="sni-choice"):
            yield RadioButton("The URL's host name", id="sni-from-url", value=True)
            yield RadioButton("Another name", id="sni-custom")
            yield RadioButton("No server name (--no-sni)", id="sni-none")
        yield FormField("sni", "Server name", placeholder="api.example.com")

    def load_answers(self) -> None:
        answers = self.answers
        if answers.sni:
            self.query_one(FormField).value = answers.sni
        choice = "sni-none" if answers.no_sni else "sni-custom" if answers.sni else None
        self.query_one(f"#{choice or 'sni-from-url'}", RadioButton).value = True
        self.query_one(
            "#sni-from-url", RadioButton
        ).label = f"The URL's host name ({self._url_name()})"
        self._enable_name_field()

    def save_answers(self) -> None:
        pressed = self.query_one("#sni-choice", RadioSet).pressed_button
        choice = pressed.id if pressed is not None else "sni-from-url"
        self.answers.no_sni = choice == "sni-none"
        self.answers.sni = (
            self.query_one(FormField).value if choice == "sni-custom" else ""
        )

    def validate(self) -> bool:
        """Besides the name's own check: "Another name" needs a name."""
        pressed = self.query_one("#sni-choice", RadioSet).pressed_button
        custom = pressed is not None and pressed.id == "sni-custom"
        if custom and not self.query_one(FormField).value.strip():
            self.show_field_errors(
                {"sni": "enter the server name to send, or choose another option"}
            )
            return False
        return super().validate()

    @on(RadioSet.Changed, "#sni-choice")
    def _choice_changed(self) -> None:
        self.save_answers()
        self.show_field_errors({}, focus=False)
        self._enable_name_field()

    def _enable_name_field(self) -> None:
        pressed = self.query_one("#sni-choice", RadioSet).pressed_button
        custom = pressed is not None and pressed.id == "sni-custom"
        self.query_one(FormField).input.disabled = not custom

    def _url_name(self) -> str:
        try:
            target = parse_target(self.answers.url)
        except InputError:
            return "enter a URL first"
        return target.sni or "none: the URL has an IP address"
