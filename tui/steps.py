"""The troubleshooter's steps in order: titles, the answers they hold, their screens."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.screens.base import StepScreen


@dataclass(frozen=True)
class Step:
    """One step: its name, its title in the step bar, the Answers fields it edits and
    the screen class that shows it, as `module:Class`."""

    name: str
    title: str
    fields: tuple[str, ...]
    screen: str

    def make_screen(self) -> StepScreen:
        """A new screen for the step; its module is imported on first use, so the app
        shows its first screen without loading every other one."""
        module_name, class_name = self.screen.split(":")
        screen_type: type[StepScreen] = getattr(import_module(module_name), class_name)
        return screen_type()


STEP_LIST = (
    Step("paste", "Error", (), "tui.screens.paste:PasteScreen"),
    Step("target", "Target", ("url", "timeout"), "tui.screens.target:TargetScreen"),
    Step("sni", "SNI", ("sni",), "tui.screens.sni:SniScreen"),
    Step(
        "identity",
        "Identity",
        ("cert", "key", "password_env", "password", "cacert", "client_ca"),
        "tui.screens.identity:IdentityScreen",
    ),
    Step("topology", "Path", ("hops",), "tui.screens.topology:TopologyScreen"),
    Step("probe", "Probe", (), "tui.screens.probe:ProbeScreen"),
    Step("diagnosis", "Diagnosis", (), "tui.screens.diagnosis:DiagnosisScreen"),
)
STEPS = {step.name: step for step in STEP_LIST}
STEP_NAMES = tuple(STEPS)
FIELD_STEPS = {field: step.name for step in STEP_LIST for field in step.fields}
