"""How the app looks in an 80x24 terminal, as SVG snapshots named after their scenario.

Update them after a deliberate change of the layout, or a Textual release that draws
differently, with `pytest --snapshot-update`, and look at the new SVG files before
committing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import PurePath

from textual.pilot import Pilot

from knowledge.curl import CurlInputs, build_curl
from knowledge.diagnosis import diagnose
from knowledge.observations import Target
from knowledge.snippets import SnippetContext
from tests.knowledge.observation_rows import PUBLIC_NAME
from tests.knowledge.test_diagnosis import CAUSE_ROWS
from tui.app import MtlsDoctorApp
from wizards.answers import Answers, CheckRequest
from wizards.session import CheckResult

TERMINAL = (80, 24)

SnapCompare = Callable[..., bool]


def _edge_before_origin_result() -> CheckResult:
    """A Cloudflare edge that asks for the certificate and ends TLS, in front of a
    Kong origin that requires one, as the diagnosis table has them."""
    row = next(r for r in CAUSE_ROWS if r.name.startswith("tls-terminated-before"))
    edge, origin = row.observations
    observations = (
        dataclasses.replace(
            edge, hop=dataclasses.replace(edge.hop, vendor="cloudflare")
        ),
        dataclasses.replace(origin, hop=dataclasses.replace(origin.hop, vendor="kong")),
    )
    target = Target(host=PUBLIC_NAME, port=443, sni=PUBLIC_NAME)
    context = SnippetContext(
        host=PUBLIC_NAME, sni=PUBLIC_NAME, cert_file="client.crt", key_file="client.key"
    )
    return CheckResult(
        request=CheckRequest(target=target, hops=tuple(o.hop for o in observations)),
        observations=observations,
        identity=row.identity,
        causes=diagnose(target, observations, row.identity, context),
        curl=build_curl(
            CurlInputs(
                host=PUBLIC_NAME,
                cert_path=PurePath("client.crt"),
                key_path=PurePath("client.key"),
            )
        ),
    )


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
    app = MtlsDoctorApp(Answers(url=f"https://{PUBLIC_NAME}/"))

    async def show_diagnosis(pilot: Pilot[int]) -> None:
        app.result = _edge_before_origin_result()
        app.run_id = 1
        await app.action_go_to("diagnosis")
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINAL, run_before=show_diagnosis)
