"""A diagnosis shown without probing: the edge-before-origin result of the diagnosis
table, for app tests that look at the diagnosis step itself."""

from __future__ import annotations

import dataclasses
from pathlib import PurePath

from textual.pilot import Pilot

from knowledge.curl import CurlInputs, build_curl
from knowledge.diagnosis import diagnose
from knowledge.observations import Target
from knowledge.snippets import SnippetContext
from tests.knowledge.observation_rows import PUBLIC_NAME
from tests.knowledge.test_diagnosis import CAUSE_ROWS
from tui.app import MtlsDoctorApp
from wizards.answers import CheckRequest
from wizards.session import CheckResult

EDGE_URL = f"https://{PUBLIC_NAME}/"


def edge_before_origin_result() -> CheckResult:
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


async def show_edge_diagnosis(app: MtlsDoctorApp, pilot: Pilot[int]) -> None:
    """Put the edge-before-origin result on the app's diagnosis step, as a run would."""
    app.result = edge_before_origin_result()
    app.run_id = 1
    await app.action_go_to("diagnosis")
    await pilot.pause()
