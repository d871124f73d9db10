"""The row of steps at the top of every screen; each name can be clicked."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

STEP_TITLES = {
    "paste": "Error text",
    "target": "Target",
    "sni": "SNI",
    "identity": "Identity",
    "topology": "Path",
    "probe": "Probe",
    "diagnosis": "Diagnosis",
}


class StepBar(Static):
    """Where the person is among the steps, with links to every other step."""

    def __init__(self, current: str) -> None:
        super().__init__(self._render_steps(current), classes="step-bar")

    @staticmethod
    def _render_steps(current: str) -> Content:
        parts: list[Content] = []
        for number, (step, title) in enumerate(STEP_TITLES.items(), start=1):
            label = f" {number} {title} "
            if step == current:
                parts.append(Content.styled(label, "reverse bold"))
            else:
                parts.append(
                    Content.from_markup(
                        f"[@click=app.go_to('{step}')]$label[/]", label=label
                    )
                )
        return Content(" › ").join(parts)
