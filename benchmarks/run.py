"""Benchmark of mtls-doctor against bare handshakes on loopback, as one table."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from breakdown import self_time_by_package
from cases import (
    IN_PROCESS_FACTOR,
    Bench,
    Row,
    check_process,
    check_without_bytecode,
    first_screen,
    four_hops,
    four_hops_in_process,
    light_commands,
    probe_in_process,
)
from loopback import make_pki, tls_servers
from measure import ImportTime

SERVER_COUNT = 4


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table, ready to paste into the README."""
    lines = [
        "| measurement | mtls-doctor (median) | baseline (median) | ratio | target "
        "| result |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
        target = f"≤ {row.target}" if row.target is not None else "—"
        lines.append(
            f"| {row.measurement} | {row.measured} | {row.baseline} | {ratio} "
            f"| {target} | {row.verdict} |"
        )
    return "\n".join(lines)


def import_costs(imports: list[ImportTime]) -> str:
    """Import self time per package, costliest first, one Markdown list item each."""
    by_package = sorted(self_time_by_package(imports).items(), key=lambda i: -i[1])
    total = sum(milliseconds for _package, milliseconds in by_package)
    lines = [f"- all imports: {total:.0f} ms (one run under `-X importtime`)"]
    lines += [f"- {package}: {ms:.1f} ms" for package, ms in by_package if ms >= 0.5]
    return "\n".join(lines)


def main() -> int:
    """Start the servers, run every comparison, print the table and the notes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=11, help="runs per median")
    args = parser.parse_args()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mtls-doctor-bench-") as folder:
        pki = make_pki(Path(folder))
        with tls_servers(pki, SERVER_COUNT) as ports:
            bench = Bench(pki, ports, args.repeat, Path(folder))
            rows: list[Row] = []
            for case in (
                probe_in_process,
                check_process,
                check_without_bytecode,
                four_hops,
                four_hops_in_process,
                first_screen,
                light_commands,
            ):
                rows += case(bench)
                print(f"  {case.__name__} done", file=sys.stderr, flush=True)

    elapsed = time.perf_counter() - started
    print(
        f"Medians of {args.repeat} runs ({args.repeat * IN_PROCESS_FACTOR} in process) "
        "on loopback, against TLS 1.3 servers requiring a client certificate; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end; {elapsed:.0f} s in all.\n"
    )
    print(markdown_table(rows))
    if bench.check_imports:
        print("\nWhat `check` imports, by package (self time):\n")
        print(import_costs(bench.check_imports))
    if bench.breakdowns:
        print("\nWhere the time goes, for each missed target:\n")
        print("\n".join(f"- {breakdown}" for breakdown in bench.breakdowns))
    if bench.notes:
        print("\nNotes:\n")
        print("\n".join(f"- {note}" for note in bench.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
