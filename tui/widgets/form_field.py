"""A labelled text field with the one-line message about its answer right below it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static


class FormField(Vertical):
    """One answer: a label, an input and room for what is wrong with it."""

    DEFAULT_CLASSES = "form-field"

    def __init__(
        self,
        field_name: str,
        label: str,
        *,
        placeholder: str = "",
        hint: str = "",
        password: bool = False,
    ) -> None:
        super().__init__(id=f"field-{field_name}")
        self.field_name = field_name
        self._label = label
        self._placeholder = placeholder
        self._hint = hint
        self._password = password

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(self._label, classes="field-label")
            yield Input(
                placeholder=self._placeholder,
                password=self._password,
                id=f"input-{self.field_name}",
                classes="field-input",
                compact=True,
            )
        yield Static("", classes="field-error", markup=False).set_styles(
            "display: none;"
        )
        if self._hint:
            yield Static(self._hint, classes="field-hint", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        if self.input.value != text:
            self.input.value = text

    def on_input_changed(self) -> None:
        """A message about the old answer no longer holds once the answer changes."""
        if self.has_class("-invalid"):
            self.show_error(None)

    def show_error(self, message: str | None) -> None:
        """Show a message about this answer, or clear it with None."""
        error = self.query_one(".field-error", Static)
        error.update(message or "")
        error.display = bool(message)
        self.set_class(bool(message), "-invalid")
