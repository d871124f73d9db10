"""`mtls-doctor check` against every network fault: a report, an exit code, in time."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from knowledge.curl import CurlInputs, build_curl
from knowledge.observations import Hop, Outcome
from tests.pki import PkiFiles
from tests.probes.conftest import loopback_settings
from tests.probes.dns_server import DnsBehaviour, LoopbackDnsServer
from tests.probes.faults import Fault, FaultServer, closed_port
from tests.servers.python_tls import ClientAuthMode, HttpBehaviour, PythonTlsServer
from wizards.answers import Answers, build_request
from wizards.curl_check import verify_curl
from wizards.probe import probe_hop, resolve
from wizards.probe.http_exchange import MAX_BODY_PREFIX_BYTES
from wizards.session import run_checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 1.0
# Starting the interpreter and importing the probe, on a loaded machine.
STARTUP = 3.0
# The curl verification shares one timeout for the whole exchange.
CURL_STEPS = 1
UNRESOLVABLE = "no-such-host.invalid"
# .invalid never reaches a DNS server; the DNS-view tests ask the loopback one this
DNS_VIEW_NAME = "no-such-host.example"


@dataclass(frozen=True)
class CheckRun:
    """One `check --json` run: exit code, report, stderr and how long it took."""

    exit_code: int
    report: dict[str, Any]
    stderr: str
    elapsed: float

    @property
    def cause_ids(self) -> list[str]:
        return [cause["id"] for cause in self.report["causes"]]

    @property
    def without_cert(self) -> dict[str, Any]:
        return dict(self.report["hops"][0]["without_cert"])


def _check(url: str, *arguments: str) -> CheckRun:
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "tui.cli", "check", url, "--json"]
        + ["--timeout", f"{TIMEOUT:g}", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode in (0, 1), completed.stderr
    return CheckRun(
        completed.returncode, json.loads(completed.stdout), completed.stderr, elapsed
    )


def _check_fault(fault: Fault) -> CheckRun:
    with FaultServer(fault) as server:
        return _check(f"https://127.0.0.1:{server.port}/")


def test_check_closed_port_hop_unreachable_within_timeout() -> None:
    """Nothing listening gives hop-unreachable and exit 1 within the timeout."""
    run = _check(f"https://127.0.0.1:{closed_port()}/")

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == "unreachable"
    assert run.cause_ids == ["hop-unreachable"]
    assert run.elapsed < TIMEOUT + STARTUP


@pytest.mark.parametrize("fault", [Fault.PLAIN_HTTP, Fault.SSH_BANNER])
def test_check_other_protocol_not_tls_exit_1(fault: Fault) -> None:
    """Plain HTTP or an SSH banner on the port gives not-tls and exit 1."""
    run = _check_fault(fault)

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == "not-tls"
    assert "not-tls" in run.cause_ids
    assert run.elapsed < TIMEOUT + STARTUP


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (Fault.RANDOM_BYTES, "not-tls"),
        (Fault.RESET_AFTER_HELLO, "error"),
        (Fault.CLOSE_AFTER_HELLO, "error"),
    ],
)
def test_check_garbage_or_reset_clean_exit_1(fault: Fault, outcome: str) -> None:
    """Random bytes, a reset or a close after the ClientHello exit 1 with a cause."""
    run = _check_fault(fault)

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == outcome
    assert run.cause_ids
    assert run.stderr == ""
    assert run.elapsed < TIMEOUT + STARTUP


@pytest.mark.parametrize("fault", [Fault.SILENT, Fault.STALL_MID_HANDSHAKE])
def test_check_silent_server_timeout_within_seconds(fault: Fault) -> None:
    """A server that accepts and never finishes the handshake times out, exit 1."""
    run = _check_fault(fault)

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == "timeout"
    assert run.cause_ids == ["hop-unreachable"]
    assert run.elapsed < 2 * TIMEOUT + STARTUP


def test_check_no_http_answer_timeout_with_handshake(pki: PkiFiles) -> None:
    """A server that completes TLS and never answers the request times out, exit 1."""
    with PythonTlsServer(pki, ClientAuthMode.NONE, http=HttpBehaviour.SILENT) as server:
        run = _check(
            f"https://localhost:{server.port}/", "--cacert", str(pki.server_ca)
        )

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == "timeout"
    assert run.without_cert["handshake_completed"] is True
    assert run.elapsed < (1 + CURL_STEPS) * TIMEOUT + STARTUP


@pytest.mark.parametrize(
    "behaviour", [HttpBehaviour.ENDLESS_BODY, HttpBehaviour.ENDLESS_HEADER]
)
def test_check_endless_answer_bounded_prefix_and_ends(
    pki: PkiFiles, behaviour: HttpBehaviour
) -> None:
    """An endless body or header is read to its bound and the check ends."""
    with PythonTlsServer(pki, ClientAuthMode.NONE, http=behaviour) as server:
        run = _check(
            f"https://localhost:{server.port}/", "--cacert", str(pki.server_ca)
        )

    assert run.without_cert["outcome"] == "accepted"
    http = run.without_cert["http"]
    if behaviour is HttpBehaviour.ENDLESS_BODY:
        assert http["status"] == 200
        assert len(http["body_prefix"].encode()) <= MAX_BODY_PREFIX_BYTES
        assert run.report["curl_verification"]["status"] == 200
    else:
        assert http is None
    assert len(json.dumps(run.report)) < 64 * 1024
    # the probe ends within the timeout; curl's verification is bounded on its own
    assert run.elapsed < (1 + CURL_STEPS) * TIMEOUT + STARTUP


def test_check_unresolvable_name_hop_unreachable() -> None:
    """A name that does not resolve (.invalid, RFC 6761) is hop-unreachable, exit 1."""
    run = _check(f"https://{UNRESOLVABLE}/")

    assert run.exit_code == 1
    assert run.without_cert["outcome"] == "unreachable"
    assert UNRESOLVABLE in run.without_cert["detail"]
    assert run.cause_ids == ["hop-unreachable"]
    assert run.elapsed < 2 * TIMEOUT + STARTUP


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback")
def test_check_ipv6_only_hop_accepted_with_certificate(pki: PkiFiles) -> None:
    """A hop on [::1] only, served by a server listening on ::1, is probed fully."""
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED, host="::1") as server:
        run = _check(
            f"https://localhost:{server.port}/",
            "--hop",
            f"origin=[::1]:{server.port}",
            "--cacert",
            str(pki.server_ca),
            "--cert",
            str(pki.client_cert),
            "--key",
            str(pki.client_key),
        )

    hop = run.report["hops"][0]
    assert hop["address"] == f"[::1]:{server.port}"
    assert hop["client_auth"] == "required"
    assert hop["with_cert"]["outcome"] == "accepted"
    assert run.exit_code == 0, run.report["causes"]


IPV6_ONLY_NAME = "v6only.mtls-doctor.test"


def _in_own_hosts_file(hosts: str, argv: list[str]) -> list[str]:
    """argv run with an /etc/hosts of its own, in a private mount namespace (root)."""
    script = 'mount --bind "$0" /etc/hosts && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, hosts, *argv]


@pytest.mark.skipif(
    not _ipv6_loopback_available() or os.geteuid() != 0,
    reason="needs IPv6 loopback and root for a private /etc/hosts",
)
def test_check_ipv6_only_name_is_reached_over_ipv6(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """A name with only an IPv6 address (from the system's resolution, as /etc/hosts
    gives it) is connected to over IPv6 and probed fully."""
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost\n::1 {IPV6_ONLY_NAME}\n")
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED, host="::1") as server:
        argv = [sys.executable, "-m", "tui.cli", "check", "--json"]
        argv += [f"https://{IPV6_ONLY_NAME}:{server.port}/", "--sni", "localhost"]
        argv += ["--cacert", str(pki.server_ca), "--cert", str(pki.client_cert)]
        argv += ["--key", str(pki.client_key), "--timeout", f"{TIMEOUT:g}"]
        completed = subprocess.run(
            _in_own_hosts_file(str(hosts), argv),
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )

    assert completed.returncode == 0, completed.stderr
    hop = json.loads(completed.stdout)["hops"][0]
    assert hop["resolved_addresses"] and all(
        address.startswith("::1") or address.startswith("[::1]")
        for address in hop["resolved_addresses"]
    ), hop
    assert hop["with_cert"]["outcome"] == "accepted"
    assert hop["client_auth"] == "required"


@pytest.fixture
def dns_view_on_loopback(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[LoopbackDnsServer]:
    """A loopback DNS server, asked by the probe's DNS view instead of the machine's."""
    with LoopbackDnsServer(request.param) as server:
        monkeypatch.setattr(
            resolve,
            "look_up_dns_view",
            functools.partial(
                resolve.look_up_dns_view, nameservers=("127.0.0.1",), port=server.port
            ),
        )
        yield server


@pytest.mark.parametrize(
    ("dns_view_on_loopback", "words"),
    [
        (DnsBehaviour.NXDOMAIN, "NXDOMAIN"),
        (DnsBehaviour.SERVFAIL, "SERVFAIL"),
        (DnsBehaviour.SILENT, "no DNS answer"),
    ],
    indirect=["dns_view_on_loopback"],
)
def test_probe_dns_failure_recorded_within_timeout(
    pki: PkiFiles, dns_view_on_loopback: LoopbackDnsServer, words: str
) -> None:
    """NXDOMAIN, SERVFAIL and a silent DNS server end up in the hop's DNS view."""
    started = time.monotonic()
    observation = probe_hop(
        Hop(label="origin", host=DNS_VIEW_NAME, port=443),
        loopback_settings(pki, 443, timeout=TIMEOUT),
        None,
    )
    elapsed = time.monotonic() - started

    assert observation.connect_outcome is Outcome.UNREACHABLE
    assert observation.dns is not None and observation.dns.error is not None
    assert words in observation.dns.error
    assert elapsed < 2 * TIMEOUT + 0.5


@pytest.mark.parametrize(
    "dns_view_on_loopback",
    [DnsBehaviour.SERVFAIL, DnsBehaviour.SILENT],
    indirect=True,
)
def test_run_checks_dns_failure_named_in_unreachable_evidence(
    dns_view_on_loopback: LoopbackDnsServer,
) -> None:
    """A whole check of an unresolvable name cites the DNS view in its evidence."""
    request = build_request(
        Answers(url=f"https://{DNS_VIEW_NAME}/", timeout=f"{TIMEOUT:g}"), {}
    )
    started = time.monotonic()
    result = run_checks(request)
    elapsed = time.monotonic() - started

    (cause,) = result.causes
    assert cause.id == "hop-unreachable"
    assert any("DNS:" in line for line in cause.evidence)
    assert elapsed < (2 + CURL_STEPS) * TIMEOUT


def test_verify_curl_by_httpx_endless_body_ends_within_timeout(pki: PkiFiles) -> None:
    """Without curl, the httpx request reads the status and leaves an endless body."""
    with PythonTlsServer(
        pki, ClientAuthMode.NONE, http=HttpBehaviour.ENDLESS_BODY
    ) as server:
        command = build_curl(
            CurlInputs(host="localhost", port=server.port, cacert=pki.server_ca)
        )
        started = time.monotonic()
        verification = verify_curl(command, None, TIMEOUT, use_curl=False)
        elapsed = time.monotonic() - started

    assert verification.verified, verification.reason
    assert verification.status == 200
    assert elapsed < TIMEOUT
