"""Each comparison the benchmark makes, as a function returning rows of the table."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

from bare_probe import probe_twice
from breakdown import (
    compare_imports,
    costliest,
    median_imports,
    profile_own_functions,
)
from loopback import PkiFiles
from measure import (
    ImportTime,
    ProcessRun,
    importtime_of,
    interleaved,
    median,
    peak_memory_kib,
    run_process,
    time_call,
)

BENCHMARKS = Path(__file__).resolve().parent
PROJECT_PACKAGES = ("knowledge", "wizards", "tui")
HEAVY_PACKAGES = ("textual", "httpx", "dns")
NOT_AVAILABLE = "not available yet"
IN_PROCESS_FACTOR = 3

_PROXY_AND_TLS_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "ssl_cert_file",
    "ssl_cert_dir",
    "curl_ca_bundle",
    "requests_ca_bundle",
    "pythondontwritebytecode",
    "pythonpycacheprefix",
)


class LoadsIntoContext(Protocol):
    """A client identity as the probe takes it."""

    def load_into(self, context: ssl.SSLContext) -> None: ...


@dataclass(frozen=True)
class Row:
    """One line of the table: what was measured against what, and the verdict."""

    measurement: str
    measured: str
    baseline: str
    ratio: float | None = None
    target: float | None = None
    verdict_text: str = ""

    @property
    def verdict(self) -> str:
        if self.verdict_text:
            return self.verdict_text
        if self.ratio is None or self.target is None:
            return "report"
        return "PASS" if self.ratio <= self.target else "FAIL"


@dataclass
class Bench:
    """What every comparison needs: files, servers, commands, and where notes go."""

    pki: PkiFiles
    ports: list[int]
    repeat: int
    folder: Path
    python: str = sys.executable
    mtls_doctor: str = str(Path(sys.executable).with_name("mtls-doctor"))
    notes: list[str] = field(default_factory=list)
    check_imports: list[ImportTime] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)

    @property
    def environment(self) -> dict[str, str]:
        """The children's environment: clean, with bytecode cached in a private folder.

        PYTHONDONTWRITEBYTECODE=1, set in some development shells, would make every
        run compile mtls-doctor's own modules while the libraries' bytecode is
        installed; an installed mtls-doctor has its bytecode too.
        """
        return child_environment(self.folder / "pycache")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.ports[0]}/"

    def check_argv(self, hop_count: int | None) -> list[str]:
        """`mtls-doctor check` on the first server, with hop_count --hop options."""
        pki = self.pki
        argv = [self.mtls_doctor, "check", self.url, "--cert", str(pki.client_cert)]
        argv += ["--key", str(pki.client_key), "--cacert", str(pki.server_ca)]
        for index, port in enumerate(self.ports[: hop_count or 0]):
            argv += ["--hop", f"hop{index + 1}=127.0.0.1:{port}"]
        return [*argv, "--json"]

    def bare_argv(self, module_list: Path | None) -> list[str]:
        """The bare Python process: import the listed modules, then the same work."""
        pki = self.pki
        argv = [self.python, str(BENCHMARKS / "bare_probe.py"), "127.0.0.1"]
        argv += [str(self.ports[0]), str(pki.server_ca), str(pki.client_cert)]
        argv += [str(pki.client_key)]
        return argv + ([str(module_list)] if module_list else [])

    def run(
        self,
        argv: list[str],
        stdin_file: Path | None = None,
        ready_line: bool = False,
        environment: dict[str, str] | None = None,
    ) -> ProcessRun:
        """One child process, by default in the benchmark's clean environment."""
        environment = self.environment if environment is None else environment
        return run_process(argv, environment, stdin_file, ready_line)


def child_environment(pycache: Path | None = None) -> dict[str, str]:
    """This environment without proxies, CA overrides or bytecode settings."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in _PROXY_AND_TLS_VARIABLES
    }
    if pycache is not None:
        environment["PYTHONPYCACHEPREFIX"] = str(pycache)
    return environment


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def _ratio_row(
    measurement: str,
    samples: list[list[float]],
    target: float | None,
) -> Row:
    measured, baseline = median(samples[0]), median(samples[1])
    return Row(measurement, ms(measured), ms(baseline), measured / baseline, target)


def _unavailable(measurement: str, why: str) -> Row:
    return Row(measurement, NOT_AVAILABLE, why, verdict_text=NOT_AVAILABLE)


def probe_in_process(bench: Bench) -> list[Row]:
    """`probe_hop` of one hop versus the same handshakes and requests with bare ssl."""
    title = "probe of one hop, in process (`probe_hop`) vs bare `ssl`"
    try:
        from knowledge.observations import Hop, Outcome
        from wizards.credentials import load_client_identity
        from wizards.probe import ProbeSettings, probe_hop
    except ImportError as error:
        return [_unavailable(title, f"`{error.name}` is not written yet")]

    pki, port = bench.pki, bench.ports[0]
    identity = load_client_identity(pki.client_cert, pki.client_key, None, None)
    settings = ProbeSettings(
        server_name=None,
        host_header=f"127.0.0.1:{port}",
        path="/",
        timeout=5.0,
        cacert=pki.server_ca,
        verify_name="127.0.0.1",
    )
    hop = Hop(label="direct", host="127.0.0.1", port=port)

    observation = probe_hop(hop, settings, identity)
    outcomes = (
        observation.without_cert and observation.without_cert.outcome,
        observation.with_cert and observation.with_cert.outcome,
    )
    if outcomes != (Outcome.REJECTED_TLS, Outcome.ACCEPTED):
        bench.notes.append(f"`probe_hop` saw {outcomes}, not (rejected-tls, accepted)")

    def probe() -> float:
        return time_call(lambda: probe_hop(hop, settings, identity))

    def bare() -> float:
        return time_call(
            lambda: probe_twice(
                "127.0.0.1",
                port,
                str(pki.server_ca),
                str(pki.client_cert),
                str(pki.client_key),
            )
        )

    samples = interleaved(bench.repeat * IN_PROCESS_FACTOR, probe, bare)
    row = _ratio_row(title, samples, 1.5)
    if row.verdict == "FAIL":
        load_into, load_cert_chain = _identity_loading(bench, identity)
        profile = profile_own_functions(probe, bench.repeat, limit=10)
        bench.breakdowns.append(
            f"`probe_hop` costs {row.measured} against {row.baseline} bare. "
            f"`identity.load_into(context)` alone takes {ms(load_into)} where the bare "
            f"`load_cert_chain(cert, key)` takes {ms(load_cert_chain)} (median of "
            f"{bench.repeat * IN_PROCESS_FACTOR}). Its functions by cumulative time "
            f"per probe (cProfile, which inflates Python code): {profile}"
        )
    return [row]


def _identity_loading(bench: Bench, identity: LoadsIntoContext) -> tuple[float, float]:
    """Median seconds of the probe's way and the bare way to load the client files."""
    pki = bench.pki

    def probe_way() -> float:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return time_call(lambda: identity.load_into(context))

    def bare_way() -> float:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return time_call(
            lambda: context.load_cert_chain(pki.client_cert, pki.client_key)
        )

    samples = interleaved(bench.repeat * IN_PROCESS_FACTOR, probe_way, bare_way)
    return median(samples[0]), median(samples[1])


def _first_check(bench: Bench) -> str | None:
    """Run check once; None when it works, else why it cannot be measured yet."""
    completed = subprocess.run(
        bench.check_argv(None),
        capture_output=True,
        text=True,
        env={**bench.environment, "MTLS_DOCTOR_DEBUG": "1"},
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return f"check exits {completed.returncode}: {last_line[:120]}"

    hop = report["hops"][0]
    seen = (hop["without_cert"]["outcome"], (hop["with_cert"] or {}).get("outcome"))
    if seen != ("rejected-tls", "accepted"):
        bench.notes.append(f"`check` reported {seen}, not (rejected-tls, accepted)")
    return None


def _module_list_of_check(bench: Bench) -> Path:
    """Every module check imports apart from mtls-doctor's own, written one a line."""
    imports, _exit_code = importtime_of(
        [bench.python, *bench.check_argv(None)], bench.environment
    )
    bench.check_imports = imports
    outside = [
        i.module
        for i in imports
        if i.module.split(".")[0] not in PROJECT_PACKAGES and i.module != "__main__"
    ]
    path = bench.folder / "check-modules.txt"
    path.write_text("\n".join(outside) + "\n", encoding="utf-8")
    return path


def _openssl_and_curl(bench: Bench) -> Callable[[], float]:
    pki, port = bench.pki, bench.ports[0]
    request = bench.folder / "request.txt"
    head = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    request.write_bytes(head.encode("ascii"))
    s_client = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-quiet"]
    s_client += ["-CAfile", str(pki.server_ca), "-verify_return_error"]
    curl = ["curl", "-sS", "-o", os.devnull, "--cacert", str(pki.server_ca)]
    client_files = ["-cert", str(pki.client_cert), "-key", str(pki.client_key)]
    commands = [
        (s_client, request),
        ([*s_client, *client_files], request),
        ([*curl, bench.url], None),
        (
            [
                *curl,
                "--cert",
                str(pki.client_cert),
                "--key",
                str(pki.client_key),
                bench.url,
            ],
            None,
        ),
    ]

    exit_codes = [
        bench.run(argv, stdin_file=stdin).exit_code for argv, stdin in commands
    ]
    if exit_codes[1] != 0 or exit_codes[3] != 0:
        bench.notes.append(
            f"openssl/curl exit codes {exit_codes}: with-cert runs failed"
        )

    def four_processes() -> float:
        return sum(
            bench.run(argv, stdin_file=stdin).seconds for argv, stdin in commands
        )

    return four_processes


class _Recorder:
    """Runs one command per call and returns its time; measures its peak memory."""

    def __init__(
        self,
        bench: Bench,
        argv: list[str],
        ready_line: bool = False,
        environment: dict[str, str] | None = None,
    ):
        self.bench, self.argv, self.ready_line = bench, argv, ready_line
        self.environment = environment

    def __call__(self) -> float:
        run = self.bench.run(
            self.argv, ready_line=self.ready_line, environment=self.environment
        )
        return run.seconds

    def peak_memory_kib(self, runs: int = 3) -> float:
        """The median peak memory of a few more runs, each from a small spawner."""
        environment = (
            self.bench.environment if self.environment is None else (self.environment)
        )
        return median([peak_memory_kib(self.argv, environment) for _ in range(runs)])


def check_process(bench: Bench) -> list[Row]:
    """`check` as a process versus bare Python, and versus openssl and curl."""
    versus_bare = "`check` (1 hop) as a process vs bare Python process, same imports"
    versus_tools = "`check` (1 hop) as a process vs `openssl s_client` ×2 + `curl` ×2"
    memory = "peak memory (ru_maxrss) of `check` vs the bare Python process"
    why = _first_check(bench)
    if why:
        return [
            _unavailable(title, why) for title in (versus_bare, versus_tools, memory)
        ]

    module_list = _module_list_of_check(bench)
    check = _Recorder(bench, bench.check_argv(None))
    bare = _Recorder(bench, bench.bare_argv(module_list))
    tools = _openssl_and_curl(bench)
    samples = interleaved(bench.repeat, check, bare, tools)
    check_memory, bare_memory = check.peak_memory_kib(), bare.peak_memory_kib()
    row = _ratio_row(versus_bare, [samples[0], samples[1]], 1.5)
    if row.verdict == "FAIL":
        gap = (median(samples[0]) - median(samples[1])) * 1000
        _packages, own_modules = median_imports(
            [bench.python, *check.argv], bench.environment
        )
        phases = _check_phases(bench, module_list)
        bench.breakdowns.append(
            f"`check` takes {gap:.0f} ms more than the bare process. Its phases, "
            f"timed in a fresh process (median of 5): {phases}"
            f". Its own modules by import self time: {costliest(own_modules, 10)}"
        )
    return [
        row,
        _ratio_row(versus_tools, [samples[0], samples[2]], None),
        Row(memory, mib(check_memory), mib(bare_memory), check_memory / bare_memory),
    ]


def _check_phases(bench: Bench, module_list: Path) -> str:
    """Milliseconds per phase of check run in process, median of five runs."""
    argv = [bench.python, str(BENCHMARKS / "check_phases.py"), str(module_list)]
    argv += bench.check_argv(None)[2:]
    phases: dict[str, list[float]] = {}
    for _ in range(5):
        completed = subprocess.run(
            argv, capture_output=True, text=True, env=bench.environment, check=False
        )
        if completed.returncode != 0:
            return "not measurable (check_phases.py failed)"
        for phase, milliseconds in json.loads(completed.stdout).items():
            phases.setdefault(phase, []).append(milliseconds)
    return ", ".join(
        f"{phase} {median(values):.1f} ms" for phase, values in phases.items()
    )


def check_without_bytecode(bench: Bench) -> list[Row]:
    """`check` compiling its modules on every run, as with PYTHONDONTWRITEBYTECODE=1."""
    title = (
        "`check` with `PYTHONDONTWRITEBYTECODE=1` (no bytecode cache, as in the dev "
        "shell) vs with a cache (half the runs)"
    )
    if _first_check(bench):
        return [_unavailable(title, "`check` does not run yet")]
    uncached = _Recorder(
        bench,
        bench.check_argv(None),
        environment={**child_environment(), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    cached = _Recorder(bench, bench.check_argv(None))
    samples = interleaved(max(3, bench.repeat // 2), uncached, cached)
    return [_ratio_row(title, samples, None)]


def four_hops(bench: Bench) -> list[Row]:
    """`check` with four --hop options versus one, each hop its own server."""
    title = "`check` with 4 `--hop` vs 1 `--hop` (4 loopback servers), process"
    if _first_check(bench):
        return [_unavailable(title, "`check` does not run yet")]
    one = _Recorder(bench, bench.check_argv(1))
    four = _Recorder(bench, bench.check_argv(4))
    samples = interleaved(bench.repeat, four, one)
    return [_ratio_row(title, samples, 1.3)]


def four_hops_in_process(bench: Bench) -> list[Row]:
    """`run_checks` of four hops versus one in this process, to show the concurrency."""
    title = "`run_checks` 4 hops vs 1 hop, in process (no start-up; for information)"
    try:
        from wizards.answers import Answers, build_request
        from wizards.session import run_checks
    except ImportError as error:
        return [_unavailable(title, f"`{error.name}` is not written yet")]

    def request(hop_count: int) -> object:
        pki = bench.pki
        answers = Answers(
            url=bench.url,
            cert=str(pki.client_cert),
            key=str(pki.client_key),
            cacert=str(pki.server_ca),
            hops=[f"hop{i + 1}=127.0.0.1:{p}" for i, p in enumerate(bench.ports)][
                :hop_count
            ],
        )
        return build_request(answers, child_environment())

    one, four = request(1), request(4)
    samples = interleaved(
        bench.repeat * IN_PROCESS_FACTOR,
        lambda: time_call(lambda: run_checks(four)),  # type: ignore[arg-type]
        lambda: time_call(lambda: run_checks(one)),  # type: ignore[arg-type]
    )
    return [_ratio_row(title, samples, None)]


def first_screen(bench: Bench) -> list[Row]:
    """The app's start to its first screen versus a minimal Textual app's."""
    title = "app start to first screen vs minimal Textual app, process (headless)"
    memory = "peak memory (ru_maxrss) of the app vs minimal Textual app"
    script = str(BENCHMARKS / "first_screen.py")
    probe_run = subprocess.run(
        [bench.python, script, "app"],
        capture_output=True,
        text=True,
        env=bench.environment,
        check=False,
    )
    if probe_run.returncode != 0:
        last_line = (probe_run.stderr.strip().splitlines() or ["no output"])[-1]
        why = f"the app does not start yet: {last_line[:120]}"
        return [_unavailable(title, why), _unavailable(memory, why)]

    app = _Recorder(bench, [bench.python, script, "app"], ready_line=True)
    minimal = _Recorder(bench, [bench.python, script, "minimal"], ready_line=True)
    samples = interleaved(bench.repeat, app, minimal)
    app_memory, minimal_memory = app.peak_memory_kib(), minimal.peak_memory_kib()
    row = _ratio_row(title, samples, 1.5)
    if row.verdict == "FAIL":
        gap = (median(samples[0]) - median(samples[1])) * 1000
        app_packages, own_modules = median_imports(app.argv, bench.environment)
        minimal_packages, _ = median_imports(minimal.argv, bench.environment)
        bench.breakdowns.append(
            f"The app's first screen comes {gap:.0f} ms after the minimal app's. "
            + compare_imports("The app", app_packages, minimal_packages)
            + f". Its own modules, costliest first: {costliest(own_modules, 10)}"
        )
    return [
        row,
        Row(memory, mib(app_memory), mib(minimal_memory), app_memory / minimal_memory),
    ]


def _heavy_imports(imports: list[ImportTime]) -> list[str]:
    return sorted(
        {
            i.module.split(".")[0]
            for i in imports
            if i.module.split(".")[0] in HEAVY_PACKAGES
        }
    )


def light_commands(bench: Bench) -> list[Row]:
    """`--help` and `explain` versus Python's own start, and what they import."""
    rows = []
    commands = {
        "`mtls-doctor --help`": ["--help"],
        "`mtls-doctor explain TEXT`": ["explain", "tlsv13 alert certificate required"],
    }
    bare = _Recorder(bench, [bench.python, "-c", "pass"])
    for title, arguments in commands.items():
        argv = [bench.mtls_doctor, *arguments]
        imports, _exit_code = importtime_of([bench.python, *argv], bench.environment)
        full_title = f"{title}: time vs `python -c pass`; imports textual/httpx/dns?"
        if arguments[0] == "explain" and not find_spec("tui.commands.explain"):
            rows.append(
                _unavailable(full_title, "`tui.commands.explain` is not written")
            )
            continue
        heavy = _heavy_imports(imports)
        command = _Recorder(bench, argv)
        samples = interleaved(bench.repeat, command, bare)
        row = _ratio_row(full_title, samples, None)
        verdict = f"FAIL: imports {', '.join(heavy)}" if heavy else "PASS: none"
        rows.append(
            Row(row.measurement, row.measured, row.baseline, row.ratio, None, verdict)
        )
    return rows
