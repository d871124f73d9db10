"""Child process: run `mtls-doctor check` in process and time each phase of it."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

_STARTED = time.perf_counter()

# (module, attribute, phase): the steps run_check takes, wrapped where it calls them.
_PHASES = (
    ("wizards.session", "load_client_identity", "load the client identity"),
    ("wizards.session", "probe_hop", "probe (two handshakes, two requests)"),
    ("wizards.session", "detect_vendor", "detect the vendor"),
    ("wizards.session", "diagnose", "diagnose"),
    ("wizards.session", "build_curl", "build the curl command"),
    ("wizards.session", "verify_curl", "run curl to verify the command"),
    ("tui.commands.check", "report_dict", "build the JSON report"),
)


def _timed(
    function: Callable[..., Any], phase: str, spent: dict[str, float]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - started

    return timed


def main(module_list: str, check_arguments: list[str]) -> None:
    """Import the libraries, then mtls-doctor, then run check; print ms per phase."""
    spent: dict[str, float] = defaultdict(float)
    with open(module_list, encoding="utf-8") as names:
        for name in names.read().split():
            with contextlib.suppress(Exception):
                __import__(name)
    libraries_done = time.perf_counter()
    spent["import the libraries (as the bare process does)"] = libraries_done - _STARTED

    import tui.cli
    import tui.commands.check
    import wizards.session

    modules = {
        "wizards.session": wizards.session,
        "tui.commands.check": tui.commands.check,
    }
    spent["import mtls-doctor's own modules"] = time.perf_counter() - libraries_done
    for module_name, attribute, phase in _PHASES:
        module = modules[module_name]
        if hasattr(module, attribute):
            wrapped = _timed(getattr(module, attribute), phase, spent)
            setattr(module, attribute, wrapped)

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        tui.cli.main(["check", *check_arguments])
    whole_check = time.perf_counter() - started
    accounted = sum(
        seconds for phase, seconds in spent.items() if not phase.startswith("import")
    )
    spent["everything else in check"] = whole_check - accounted
    print(json.dumps({phase: seconds * 1000 for phase, seconds in spent.items()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
