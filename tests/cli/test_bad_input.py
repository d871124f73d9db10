"""Every unusable answer on the command line exits 2 with one line and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pki import PkiFiles


def _run(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[2],
    )


BAD_CHECK_ARGUMENTS = [
    (["check"], "URL"),
    (["check", "http://localhost"], "scheme"),
    (["check", "https://local host"], "spaces"),
    (["check", "localhost:99999"], "URL"),
    (["check", "localhost:abc"], "URL"),
    (["check", "localhost", "--timeout", "0"], "--timeout"),
    (["check", "localhost", "--timeout", "soon"], "--timeout"),
    (["check", "localhost", "--hop", "edge"], "--hop"),
    (["check", "localhost", "--hop", "edge=1.2.3.4:0"], "--hop"),
    (["check", "localhost", "--sni", "10.0.0.1"], "--sni"),
    (["check", "localhost", "--cert", "/nonexistent/client.pem"], "--cert"),
    (["check", "localhost", "--cacert", "/"], "--cacert"),
    (["check", "localhost", "--password-env", "NOT_SET_ANYWHERE"], "NOT_SET_ANYWHERE"),
    (["check", "localhost", "--password-env", "1BAD"], "--password-env"),
    (["check", "localhost", "--bogus-option"], "unrecognized"),
    (["explain"], "TEXT"),
    (["inspect"], "FILE"),
    (["https://x", "--timeout", "-5"], "--timeout"),
]


@pytest.mark.parametrize(("arguments", "named"), BAD_CHECK_ARGUMENTS)
def test_command_line_bad_argument_exits_2_with_one_named_line(
    arguments: list[str], named: str
) -> None:
    """A bad argument gives exit 2 and one stderr line naming what is wrong."""
    result = _run(*arguments)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_check_key_file_given_as_certificate_exits_2_naming_the_file(
    pki: PkiFiles,
) -> None:
    """A private key passed as --cert is refused with the file's name."""
    result = _run("check", "https://127.0.0.1:1/", "--cert", str(pki.client_key))
    assert result.returncode == 2
    assert str(pki.client_key.name) in result.stderr
    assert "Traceback" not in result.stderr
    assert "PRIVATE KEY" not in result.stderr + result.stdout


def test_help_lists_every_command() -> None:
    """`--help` names each command of the contract."""
    result = _run("--help")
    assert result.returncode == 0
    for command in ("check", "inspect", "explain", "lab", "demo"):
        assert command in result.stdout
