"""The row of steps at the top of every screen; each name can be clicked."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.steps import STEP_LIST


class StepBar(Static):
    """Where the person is among the steps, with links to every other step."""

    def __init__(self, current: str) -> None:
        super().__init__(self._render_steps(current), classes="step-bar")

    @staticmethod
    def _render_steps(current: str) -> Content:
        parts: list[Content] = []
        for number, step in enumerate(STEP_LIST, start=1):
            label = f" {number} {step.title} "
            if step.name == current:
                parts.append(Content.styled(label, "reverse bold"))
            else:
                parts.append(
                    Content.from_markup(
                        f"[@click=app.go_to('{step.name}')]$label[/]", label=label
                    )
                )
        return Content("›").join(parts)
