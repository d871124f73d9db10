"""What every step screen shares: the step bar, the buttons, the footer, the answers
and the one-line messages beside the fields."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from knowledge.errors import InputError, MtlsDoctorError
from tui.steps import STEPS
from tui.widgets.form_field import FormField
from tui.widgets.step_bar import StepBar
from wizards.answers import Answers, field_errors

if TYPE_CHECKING:
    from tui.app import MtlsDoctorApp

_FIELD_PREFIX = re.compile(r"^(URL|--[a-z-]+): ")
_FIELD_LABELS = {
    "--cert": "Certificate",
    "--key": "Private key",
    "--password-env": "Passphrase var",
    "--cacert": "Server CA",
    "--client-ca": "Client CA",
    "--sni": "Server name",
    "--timeout": "Timeout",
    "--hop": "Hops",
}
_OPTION = re.compile(
    r"`?(" + "|".join(_FIELD_LABELS) + r")(?![a-z-])( (?:FILE|VAR|NAME|SECONDS|"
    r"LABEL=HOST:PORT|[A-Z_][A-Z0-9_]*))?`?"
)
_BEFORE_RUNNING = " before running"


def inline_message(message: str) -> str:
    """The message as the app shows it: without the option name in front, since it
    sits beside its field, and naming the app's fields where it names options."""
    message = _FIELD_PREFIX.sub("", message, count=1)
    message = message.replace(
        _BEFORE_RUNNING, " and start mtls-doctor again, or type it under Passphrase"
    )
    return _OPTION.sub(_field_words, message)


def _field_words(option: re.Match[str]) -> str:
    name = option[1]
    if name == "--password-env":
        return "the Passphrase var field (or type it under Passphrase)"
    return f"the {_FIELD_LABELS[name]} field"


def field_of(error: MtlsDoctorError, answers: Answers) -> str:
    """The Answers field an error is about, from the option name it carries."""
    if not isinstance(error, InputError):
        return "cert"
    name = error.field.lstrip("-").lower().replace("-", "_")
    if name == "password_env" and answers.password and not answers.password_env:
        return "password"
    return {"hop": "hops"}.get(name, name)


class StepScreen(Screen[None]):
    """A step of the troubleshooter that reads and writes some of the answers."""

    AUTO_FOCUS = "Input, TextArea, RadioSet, Select"
    STEP: ClassVar[str] = ""
    HEADING: ClassVar[str] = ""
    INTRO: ClassVar[str] = ""
    BACK_LABEL: ClassVar[str] = "◀ Back"
    NEXT_LABEL: ClassVar[str] = "Next ▶"

    def compose(self) -> ComposeResult:
        yield StepBar(self.STEP)
        with VerticalScroll(classes="step-body"):
            yield Static(self.HEADING, classes="step-heading", markup=False)
            if self.INTRO:
                yield Static(self.INTRO, classes="step-intro", markup=False)
            yield from self.compose_step()
        with Horizontal(classes="step-nav"):
            yield from self.compose_buttons()
        yield Footer()

    def compose_step(self) -> ComposeResult:
        """The widgets of this step, between the heading and the buttons."""
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        yield Button(self.BACK_LABEL, id="nav-back", compact=True)
        yield Button(self.NEXT_LABEL, id="nav-next", variant="primary", compact=True)

    @property
    def doctor(self) -> MtlsDoctorApp:
        return cast("MtlsDoctorApp", self.app)

    @property
    def answers(self) -> Answers:
        return self.doctor.answers

    def load_answers(self) -> None:
        """Fill the fields from the answers (they may have changed on another step)."""
        for form_field in self.query(FormField):
            form_field.value = getattr(self.answers, form_field.field_name)

    def save_answers(self) -> None:
        """Copy what the fields hold into the answers."""
        for form_field in self.query(FormField):
            setattr(self.answers, form_field.field_name, form_field.value)

    def validate(self) -> bool:
        """Show a message beside each field of this step that cannot be used."""
        mine = self.own_field_errors()
        self.show_field_errors(mine)
        return not mine

    def own_field_errors(self) -> dict[str, str]:
        """The problem of each field of this step, by field name."""
        errors = field_errors(self.answers, self.doctor.environ)
        fields = STEPS[self.STEP].fields
        return {name: message for name, message in errors.items() if name in fields}

    def show_field_errors(self, errors: dict[str, str], focus: bool = True) -> None:
        """Put each message beside its field and clear the others of this step."""
        first_bad: FormField | None = None
        for form_field in self.query(FormField):
            message = errors.get(form_field.field_name)
            form_field.show_error(inline_message(message) if message else None)
            if message and first_bad is None:
                first_bad = form_field
        if first_bad is not None and focus:
            first_bad.input.focus()

    def on_screen_resume(self) -> None:
        self.load_answers()

    def on_screen_suspend(self) -> None:
        self.save_answers()

    @on(Button.Pressed, "#nav-back")
    def _back_pressed(self) -> None:
        self.app.call_later(self.doctor.action_back)

    @on(Button.Pressed, "#nav-next")
    def _next_pressed(self) -> None:
        self.app.call_later(self.doctor.action_next)

    @on(Button.Pressed, "#nav-run")
    def _run_pressed(self) -> None:
        self.app.call_later(self.doctor.action_run)

    @on(Input.Submitted, ".field-input")
    def _field_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field, and from the last one to the next step."""
        inputs = [f.input for f in self.query(FormField) if not f.input.disabled]
        if event.input in inputs and event.input is not inputs[-1]:
            inputs[inputs.index(event.input) + 1].focus()
        else:
            self.app.call_later(self.doctor.action_next)
