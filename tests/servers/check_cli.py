"""Run `mtls-doctor check --json` in a subprocess and read the contract report."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.pki import PkiFiles

ROOT = Path(__file__).resolve().parents[2]
CHECK_TIMEOUT = "3"


@dataclass(frozen=True)
class CheckReport:
    """The exit code and the JSON report of one `check` run."""

    exit_code: int
    report: dict[str, Any]
    stderr: str

    @property
    def cause_ids(self) -> list[str]:
        return [cause["id"] for cause in self.report["causes"]]

    def cause(self, cause_id: str) -> dict[str, Any]:
        """The first cause with that id (KeyError when absent)."""
        for cause in self.report["causes"]:
            if cause["id"] == cause_id:
                return dict(cause)
        raise KeyError(cause_id)

    def hop(self, index: int = 0) -> dict[str, Any]:
        return dict(self.report["hops"][index])

    def __str__(self) -> str:
        shown = json.dumps(
            {"exit": self.exit_code, **self.report}, indent=1, sort_keys=True
        )
        return f"{shown}\n{self.stderr}"


def run_check(*arguments: str) -> CheckReport:
    """`mtls-doctor check ARGUMENTS --json`; the report must be one JSON object."""
    command = [sys.executable, "-m", "tui.cli", "check", *arguments]
    if "--timeout" not in arguments:
        command += ["--timeout", CHECK_TIMEOUT]
    completed = subprocess.run(
        [*command, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert completed.returncode in (0, 1), (
        f"check exited {completed.returncode}: {completed.stderr}{completed.stdout}"
    )
    return CheckReport(
        completed.returncode, json.loads(completed.stdout), completed.stderr
    )


def identity_arguments(pki: PkiFiles, which: str = "good") -> tuple[str, ...]:
    """--cacert with --cert/--key of the good or the untrusted client certificate."""
    files = {
        "none": (),
        "good": (pki.client_cert, pki.client_key),
        "untrusted": (pki.untrusted_client_cert, pki.untrusted_client_key),
    }[which]
    arguments = ["--cacert", str(pki.server_ca)]
    if files:
        arguments += ["--cert", str(files[0]), "--key", str(files[1])]
    return tuple(arguments)


def client_ca_name(pki: PkiFiles) -> str:
    """The client CA's subject as an RFC 4514 string (what a server advertises)."""
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(pki.client_ca.read_bytes())
    return certificate.subject.rfc4514_string()
