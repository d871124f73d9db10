"""The layers depend one way, and the fast commands stay clear of the heavy stacks."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """The names in sys.modules after running code in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(json.loads(output.splitlines()[-1]))


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def _submodules(package: str) -> list[str]:
    path = ROOT / package
    return [
        info.name
        for info in pkgutil.walk_packages([str(path)], prefix=f"{package}.")
        if not info.name.endswith("__main__")
    ]


@pytest.mark.parametrize("module", _submodules("knowledge"))
def test_knowledge_module_imports_no_io_or_ui_layer(module: str) -> None:
    """Every knowledge module loads without wizards, tui, network clients or Textual."""
    loaded = _top_level(_modules_after(f"import {module}"))
    assert not loaded & {"wizards", "tui", "textual", "httpx", "dns", "h11"}


@pytest.mark.parametrize("module", _submodules("wizards"))
def test_wizards_module_imports_no_ui(module: str) -> None:
    """Every wizards module loads without the tui package or Textual."""
    loaded = _top_level(_modules_after(f"import {module}"))
    assert not loaded & {"tui", "textual"}


def test_command_line_help_path_imports_no_ui_or_network_stack() -> None:
    """Parsing arguments for --help loads neither Textual nor httpx nor dnspython."""
    loaded = _top_level(_modules_after("import tui.cli"))
    assert not loaded & {"textual", "httpx", "dns", "wizards"}


def test_explain_command_imports_no_ui_or_network_stack() -> None:
    """`explain` runs without loading Textual, httpx or dnspython."""
    code = (
        "import contextlib, io, tui.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    tui.cli.main(['explain', 'ClientMTLSAuthStatus absent'])"
    )
    loaded = _top_level(_modules_after(code))
    assert not loaded & {"textual", "httpx", "dns"}
