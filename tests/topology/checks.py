"""Run the checks in-process over a path of loopback hops, as `check --hop` does."""

from __future__ import annotations

from knowledge.causes import FoundCause
from knowledge.observations import HopObservation
from tests.pki import PkiFiles
from tests.topology.path_pki import PUBLIC_NAME
from wizards.answers import Answers, build_request
from wizards.progress import ProgressCallback
from wizards.session import CheckResult, run_checks


def check_path(
    pki: PkiFiles,
    hops: list[str],
    *,
    url: str = f"https://{PUBLIC_NAME}/",
    sni: str = "",
    timeout: float = 2.0,
    with_cert: bool = True,
    trust_test_ca: bool = True,
    on_progress: ProgressCallback | None = None,
) -> CheckResult:
    """run_checks for the URL through `LABEL=HOST:PORT` hops (trusting the test CA
    unless told not to, so the server certificate then fails)."""
    answers = Answers(
        url=url,
        sni=sni,
        hops=hops,
        timeout=str(timeout),
        cacert=str(pki.server_ca) if trust_test_ca else "",
        cert=str(pki.client_cert) if with_cert else "",
        key=str(pki.client_key) if with_cert else "",
    )
    return run_checks(build_request(answers, {}), on_progress)


def cause_of(result: CheckResult, cause_id: str) -> FoundCause:
    """The first cause with that id; fails the test, listing what was found, if none."""
    found = [cause for cause in result.causes if cause.id == cause_id]
    assert found, f"no {cause_id} among {[(c.id, c.hop) for c in result.causes]}"
    return found[0]


def cause_ids(result: CheckResult) -> list[str]:
    """The ids of every cause found, in the report's order."""
    return [cause.id for cause in result.causes]


def observation_of(result: CheckResult, label: str) -> HopObservation:
    """The observation of the hop with that label."""
    return next(o for o in result.observations if o.hop.label == label)
