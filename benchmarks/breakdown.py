"""Where the time goes: imports by package and a profile of the probe, for the notes."""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from measure import ImportTime, importtime_of

PROJECT_PACKAGES = ("knowledge", "wizards", "tui")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def package_of(module: str) -> str:
    """The group a module's import time is counted under."""
    top = module.split(".")[0]
    if top in PROJECT_PACKAGES:
        return "mtls-doctor's own modules"
    if top in sys.stdlib_module_names or top.startswith("_") or top == "site":
        return "standard library and start-up"
    return top


def self_time_by_package(imports: Sequence[ImportTime]) -> dict[str, float]:
    """Milliseconds of import self time per package."""
    totals: dict[str, float] = defaultdict(float)
    for item in imports:
        totals[package_of(item.module)] += item.self_us / 1000
    return dict(totals)


def median_imports(
    argv: Sequence[str], env: Mapping[str, str], runs: int = 3
) -> tuple[dict[str, float], dict[str, float]]:
    """Median self time per package and per own module over a few importtime runs."""
    by_package: dict[str, list[float]] = defaultdict(list)
    by_own_module: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        imports, _exit_code = importtime_of(argv, env)
        for package, milliseconds in self_time_by_package(imports).items():
            by_package[package].append(milliseconds)
        for item in imports:
            if item.module.split(".")[0] in PROJECT_PACKAGES:
                by_own_module[item.module].append(item.self_us / 1000)
    return (
        {name: statistics.median(values) for name, values in by_package.items()},
        {name: statistics.median(values) for name, values in by_own_module.items()},
    )


def costliest(times: Mapping[str, float], limit: int) -> str:
    """The largest entries as `name` N ms, comma separated."""
    ranked = sorted(times.items(), key=lambda item: -item[1])[:limit]
    return ", ".join(f"`{name}` {milliseconds:.1f} ms" for name, milliseconds in ranked)


def compare_imports(
    label: str, measured: Mapping[str, float], baseline: Mapping[str, float]
) -> str:
    """What one command spends importing beyond another, package by package."""
    extra = {
        name: milliseconds - baseline.get(name, 0.0)
        for name, milliseconds in measured.items()
        if milliseconds - baseline.get(name, 0.0) >= 1.0
    }
    total = sum(measured.values()) - sum(baseline.values())
    return (
        f"{label}: {total:.0f} ms more importing (self times under `-X importtime`, "
        f"median of 3), of which {costliest(extra, 8)}"
    )


def profile_own_functions(work: Callable[[], object], runs: int, limit: int) -> str:
    """cProfile the work; mtls-doctor's functions costing most per run, cumulative."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        work()
    profiler.disable()

    stats = pstats.Stats(profiler)
    own = []
    for (filename, line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        path = Path(filename)
        if PROJECT_ROOT in path.parents and "benchmarks" not in path.parts:
            cumulative_seconds = row[3]
            name = f"{path.relative_to(PROJECT_ROOT)}:{line} {function}"
            own.append((cumulative_seconds / runs * 1000, name))
    own.sort(reverse=True)
    return ", ".join(
        f"`{name}` {milliseconds:.1f} ms" for milliseconds, name in own[:limit]
    )
