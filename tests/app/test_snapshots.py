"""How the app looks in an 80x24 terminal, as SVG snapshots named after their scenario.

Update them after a deliberate change of the layout, or a Textual release that draws
differently, with `pytest --snapshot-update`, and look at the new SVG files before
committing them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tests.app.diagnosis_result import EDGE_URL, show_edge_diagnosis
from tui.app import MtlsDoctorApp
from wizards.answers import Answers

TERMINAL = (80, 24)

SnapCompare = Callable[..., bool]


def test_snapshot_first_screen_paste_step(snap_compare: SnapCompare) -> None:
    """The first screen: where to paste the error text, or skip."""
    assert snap_compare(MtlsDoctorApp(Answers()), terminal_size=TERMINAL)


def test_snapshot_target_step_with_a_url_that_is_not_tls(
    snap_compare: SnapCompare,
) -> None:
    """An http:// URL is refused beside the URL field, on the target step."""

    async def press_next(pilot: Pilot[int]) -> None:
        await pilot.app.action_go_to("target")  # type: ignore[attr-defined]
        await pilot.press("ctrl+n")
        await pilot.pause()

    app = MtlsDoctorApp(Answers(url="http://api.example.com/"))
    assert snap_compare(app, terminal_size=TERMINAL, run_before=press_next)


def test_snapshot_diagnosis_tls_ended_at_a_cloudflare_edge(
    snap_compare: SnapCompare,
) -> None:
    """The diagnosis of the classic incident: the edge ends TLS, the origin requires
    a certificate it never sees."""
    app = MtlsDoctorApp(Answers(url=EDGE_URL))

    async def show_diagnosis(pilot: Pilot[int]) -> None:
        await show_edge_diagnosis(app, pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=show_diagnosis)
