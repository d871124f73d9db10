"""`mtls-doctor inspect`: what is in certificate and key files, and what is wrong."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from knowledge.certificate_findings import CredentialFinding, IdentityFacts
from knowledge.errors import InputError, MtlsDoctorError
from tui.commands.output import print_out
from wizards.credentials import Inspection, inspect_files

_LABEL_WIDTH = 13


def run_inspect(args: argparse.Namespace) -> int:
    """Print what the files hold and what is wrong; 1 when a cause was found, 2 when
    a file cannot be used."""
    try:
        inspection = inspect_files(
            [_file_path(name) for name in args.files],
            password_env=args.password_env or None,
            client_ca=Path(args.client_ca) if args.client_ca else None,
        )
    except MtlsDoctorError as error:
        print(f"mtls-doctor inspect: {error.message}", file=sys.stderr)
        return 2

    if args.json:
        print_out(json.dumps(inspection_dict(inspection), indent=2))
    else:
        print_out(inspection_text(inspection))
    return 1 if inspection.causes else 0


def _file_path(name: str) -> Path:
    if not name.strip():
        raise InputError(
            "FILE", "a file name is empty; give the path of a certificate or key file"
        )
    return Path(name)


def inspection_dict(inspection: Inspection) -> dict[str, object]:
    """The inspection as plain JSON values: files, identity, findings, cause ids."""
    return {
        "files": [
            {
                "path": str(f.path),
                "format": f.file_format,
                "certificates": len(f.certificates),
                "private_keys": len(f.private_keys),
                "key_encrypted": f.key_encrypted,
                "pkcs12_encryption": list(f.pkcs12_encryption),
            }
            for f in inspection.files
        ],
        "identity": _identity_dict(inspection.identity),
        "findings": [_finding_dict(f) for f in inspection.findings],
        "causes": list(inspection.causes),
    }


def inspection_text(inspection: Inspection) -> str:
    """The inspection as a report a person reads in the terminal."""
    lines = [f"{f.path}  ({f.describe()})" for f in inspection.files]
    identity = inspection.identity
    if identity is not None:
        lines += ["", "Client certificate", *_identity_lines(identity)]
    if inspection.findings:
        lines += ["", "Findings"]
        lines += [_finding_line(f) for f in inspection.findings]
    lines.append("")
    causes = inspection.causes
    if causes:
        count = len(causes)
        lines.append(f"{count} problem{'s' if count != 1 else ''}: {', '.join(causes)}")
    else:
        lines.append("Nothing wrong found.")
    return "\n".join(lines)


def _identity_lines(identity: IdentityFacts) -> list[str]:
    rows = [
        ("subject", identity.subject),
        ("issuer", identity.issuer),
        ("serial", identity.serial),
        ("valid", f"{identity.not_before} to {identity.not_after}"),
        ("days left", str(identity.days_left)),
        ("names", ", ".join(identity.subject_alt_names) or "(none)"),
        ("key", identity.key_type),
        ("sha256", identity.sha256_fingerprint),
        ("format", identity.cert_format),
        ("cert file", identity.cert_file),
    ]
    if identity.key_file:
        rows.append(("key file", identity.key_file))
    for position, certificate in enumerate(identity.chain, start=1):
        rows.append((f"chain {position}", certificate.subject))
    return [f"  {label:<{_LABEL_WIDTH}}{value}" for label, value in rows]


def _finding_line(finding: CredentialFinding) -> str:
    return f"  {finding.severity.value:<8}{finding.id}: {finding.message}"


def _identity_dict(identity: IdentityFacts | None) -> dict[str, object] | None:
    if identity is None:
        return None
    values = dataclasses.asdict(identity)
    values.pop("findings")
    return values


def _finding_dict(finding: CredentialFinding) -> dict[str, object]:
    return {
        "id": finding.id,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "cause": finding.is_cause,
    }
