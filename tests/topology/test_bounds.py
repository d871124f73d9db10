"""Time bounds of a check: a dead or slow hop never holds up the others."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from knowledge.observations import Outcome
from tests.servers.check_cli import identity_arguments, run_check
from tests.servers.python_tls import ClientAuthMode, HttpBehaviour, PythonTlsServer
from tests.topology.checks import check_path, observation_of
from tests.topology.path_pki import PUBLIC_NAME, PathPki
from tests.topology.servers import (
    LoopbackHttpsServer,
    SilentServer,
    greeting,
    server_context,
)
from wizards.progress import ProbeStepChanged, StepState

FOUR_HOP_BOUND = 8.0
"""Seconds four hops, one of them dead, may take at --timeout 2 (issue 4)."""

SILENT_HTTP_BOUND_IN_TIMEOUTS = 4
"""Two probes of one timeout each, while the curl check (--max-time 3 x) runs beside."""

_LIVE_HOPS = {
    "required": ("required", "rejected-tls", "accepted"),
    "optional": ("optional", "accepted", "accepted"),
    "open": ("none", "accepted", "accepted"),
}
"""Label: the client_auth and the outcomes without and with a certificate."""


@contextmanager
def _three_live_hops_and_a_dead_one(
    path_pki: PathPki, dead_position: int
) -> Iterator[list[str]]:
    """`LABEL=HOST:PORT` of servers requiring, asking, not asking, and a dead one."""
    pki, files = path_pki.pki, path_pki.origin
    contexts = {
        "required": server_context(files.cert, files.key, pki.client_ca, True),
        "optional": server_context(files.cert, files.key, pki.client_ca),
        "open": server_context(files.cert, files.key),
    }
    with ExitStack() as stack:
        hops = [
            f"{label}={stack.enter_context(_server(context)).address}"
            for label, context in contexts.items()
        ]
        dead = stack.enter_context(SilentServer())
        hops.insert(dead_position, f"dead={dead.address}")
        yield hops


def _server(context: ssl.SSLContext) -> LoopbackHttpsServer:
    return LoopbackHttpsServer(lambda _name: context, greeting("live"))


@pytest.mark.parametrize("dead_position", [0, 3], ids=["dead-first", "dead-last"])
def test_four_hops_with_one_dead_finish_within_the_bound_others_unaffected(
    path_pki: PathPki, dead_position: int
) -> None:
    """`check` at --timeout 2 ends within 8 s; the dead hop times out, no other does."""
    with _three_live_hops_and_a_dead_one(path_pki, dead_position) as hops:
        started = time.monotonic()
        result = run_check(
            f"https://{PUBLIC_NAME}/",
            *(argument for hop in hops for argument in ("--hop", hop)),
            *identity_arguments(path_pki.pki),
            "--timeout",
            "2",
        )
        elapsed = time.monotonic() - started

    assert elapsed < FOUR_HOP_BOUND, f"{elapsed:.1f} s\n{result}"
    hops_by_label = {hop["label"]: hop for hop in result.report["hops"]}
    assert hops_by_label["dead"]["without_cert"]["outcome"] == "timeout", result
    for label, (client_auth, without, with_cert) in _LIVE_HOPS.items():
        hop = hops_by_label[label]
        assert hop["client_auth"] == client_auth, result
        assert hop["without_cert"]["outcome"] == without, result
        assert hop["with_cert"]["outcome"] == with_cert, result
    unreachable = [
        c["hop"] for c in result.report["causes"] if c["id"] == "hop-unreachable"
    ]
    assert unreachable == ["dead"], result


def test_dead_hop_beside_a_live_one_does_not_delay_its_results(
    path_pki: PathPki,
) -> None:
    """The live hop's last step is reported long before the dead hop times out."""
    finished_at: dict[str, float] = {}
    lock = threading.Lock()

    def note(event: ProbeStepChanged) -> None:
        if event.state is not StepState.RUNNING:
            with lock:
                finished_at[event.hop_label] = time.monotonic()

    with _three_live_hops_and_a_dead_one(path_pki, 0) as hops:
        started = time.monotonic()
        result = check_path(path_pki.pki, hops, timeout=2.0, on_progress=note)
        elapsed = time.monotonic() - started

    dead = observation_of(result, "dead")
    assert dead.without_cert is not None
    assert dead.without_cert.outcome is Outcome.TIMEOUT
    assert elapsed < 2.0 * 2, f"{elapsed:.1f} s"
    for label in _LIVE_HOPS:
        assert finished_at[label] < finished_at["dead"] - 1.0, (label, finished_at)
    assert finished_at["dead"] - started >= 1.9


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
@pytest.mark.parametrize(
    "client_auth", [ClientAuthMode.NONE, ClientAuthMode.REQUIRED], ids=str
)
def test_hop_that_never_answers_http_ends_the_check_within_a_few_timeouts(
    path_pki: PathPki, client_auth: ClientAuthMode, trusted: bool
) -> None:
    """A hop that completes TLS, then stays silent: the check ends within 4 timeouts."""
    timeout = 1.0
    with PythonTlsServer(path_pki.pki, client_auth, http=HttpBehaviour.SILENT) as slow:
        started = time.monotonic()
        result = check_path(
            path_pki.pki,
            [f"slow=127.0.0.1:{slow.port}"],
            url="https://localhost/",
            timeout=timeout,
            trust_test_ca=trusted,
        )
        elapsed = time.monotonic() - started

    assert elapsed < SILENT_HTTP_BOUND_IN_TIMEOUTS * timeout, f"{elapsed:.1f} s"
    observation = observation_of(result, "slow")
    assert observation.with_cert is not None
    assert observation.with_cert.outcome is Outcome.TIMEOUT
