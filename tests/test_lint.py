"""The code keeps the house style and the one-way layers, checked by the linters."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["knowledge", "wizards", "tui", "tests", "benchmarks"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize(
    "arguments",
    [
        ["ruff", "check", "--quiet", *SOURCES],
        ["ruff", "format", "--check", "--quiet", *SOURCES],
        ["lint-imports", "--no-cache"],
    ],
    ids=["ruff-check", "ruff-format", "import-layers"],
)
def test_linter_finds_nothing_to_change(arguments: list[str]) -> None:
    """ruff and import-linter pass on the whole tree."""
    result = subprocess.run(
        [_tool(arguments[0]), *arguments[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
