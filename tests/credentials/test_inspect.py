"""`mtls-doctor inspect`: 1 and the id for each flaw, 0 for good files, 2 for bad."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.credentials.conftest import LEGACY_PASSWORD, CredentialFiles
from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles
from tui.commands.inspect import run_inspect

ROOT = Path(__file__).resolve().parents[2]


def _inspect(
    capsys: pytest.CaptureFixture[str],
    *files: Path,
    client_ca: Path | None = None,
    password_env: str | None = None,
    as_json: bool = False,
) -> tuple[int, str, str]:
    args = argparse.Namespace(
        files=[str(f) for f in files],
        client_ca=str(client_ca) if client_ca else None,
        password_env=password_env,
        json=as_json,
    )
    code = run_inspect(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_inspect_good_pem_pair_exits_0(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A matching PEM certificate and key, checked against their CA, exit 0."""
    code, out, _ = _inspect(
        capsys, pki.client_cert, pki.client_key, client_ca=pki.client_ca
    )
    assert code == 0
    assert "Nothing wrong found." in out
    assert "CN=test client" in out


def test_inspect_combined_pem_exits_0(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PEM holding both certificate and key exits 0."""
    assert _inspect(capsys, pki.client_combined)[0] == 0


def test_inspect_der_pair_exits_0(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DER certificate with a DER key exits 0."""
    assert _inspect(capsys, pki.client_der, pki.client_key_der)[0] == 0


def test_inspect_other_clients_certificate_is_named_in_its_own_file(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A certificate from another file given alongside is placed in that file and
    said to be unused, not sent along."""
    code, out, _ = _inspect(
        capsys, pki.client_cert, pki.client_key, pki.untrusted_client_cert
    )
    (line,) = [line for line in out.splitlines() if "chain-extra-certificate" in line]
    assert code == 0
    assert f"in {pki.untrusted_client_cert} is not part of the chain" in line
    assert "it is not used with this certificate" in line


def test_inspect_pkcs12_with_passphrase_exits_0(
    pki: PkiFiles, p12_password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A modern PKCS#12 with its passphrase from the variable exits 0."""
    code, out, _ = _inspect(capsys, pki.client_p12, password_env=p12_password)
    assert code == 0
    assert "PKCS#12" in out


def test_inspect_encrypted_key_with_right_passphrase_exits_0(
    pki: PkiFiles, key_password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An encrypted PKCS#8 key with the right passphrase exits 0."""
    code, _, _ = _inspect(
        capsys, pki.client_cert, pki.client_key_encrypted, password_env=key_password
    )
    assert code == 0


@pytest.mark.parametrize(
    "name", ["ed25519", "ec_traditional_key", "key_then_cert", "triple_des_p12"]
)
def test_inspect_other_good_formats_exit_0(
    creds: CredentialFiles,
    legacy_password: str,
    name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ed25519, traditional EC, key-first PEM and a 3DES PKCS#12 exit 0."""
    code, out, _ = _inspect(capsys, getattr(creds, name), password_env=legacy_password)
    assert (code, out.splitlines()[-1]) == (0, "Nothing wrong found.")


def test_inspect_proc_type_key_with_passphrase_exits_0(
    creds: CredentialFiles, key_password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Proc-Type encrypted RSA key made by `openssl rsa -aes128` opens and exits 0."""
    code, out, _ = _inspect(
        capsys,
        creds.rsa_traditional,
        creds.rsa_proc_type_key,
        password_env=key_password,
    )
    assert code == 0
    assert "RSA 2048" in out


def test_inspect_full_chain_against_root_exits_0(
    creds: CredentialFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A leaf with its intermediate reaches the root given as --client-ca."""
    code, out, _ = _inspect(
        capsys, creds.chain_leaf, creds.chain_key, client_ca=creds.root_ca
    )
    assert code == 0
    assert "client-chain-trusted" in out


@pytest.mark.parametrize("name", ["chain_pkcs7_pem", "chain_pkcs7_der"])
def test_inspect_pkcs7_chain_with_key_exits_0(
    creds: CredentialFiles, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PKCS#7 bundle with the leaf and intermediate, plus the key, exits 0."""
    code, _, _ = _inspect(
        capsys, getattr(creds, name), creds.chain_key, client_ca=creds.root_ca
    )
    assert code == 0


FLAWS = [
    ("expired", "client-cert-expired"),
    ("not_yet_valid", "client-cert-not-yet-valid"),
    ("server_only", "client-cert-wrong-purpose"),
    ("no_digital_signature", "client-cert-wrong-purpose"),
    ("ca_as_client", "client-cert-wrong-purpose"),
    ("chain_wrong_order", "client-chain-incomplete"),
    ("chain_swapped", "client-chain-incomplete"),
    ("chain_impostor", "client-chain-incomplete"),
    ("chain_leaf_and_root", "client-chain-incomplete"),
    ("small_rsa", "client-key-unreadable"),
    ("sha1_signed", "client-cert-untrusted"),
]


@pytest.mark.parametrize(("name", "cause"), FLAWS)
def test_inspect_flawed_file_prints_cause_and_exits_1(
    creds: CredentialFiles, name: str, cause: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each flawed file prints its finding's id and exits 1."""
    code, out, _ = _inspect(capsys, getattr(creds, name))
    assert code == 1
    assert cause in out.splitlines()[-1]


def test_inspect_missing_intermediate_against_root_is_incomplete(
    creds: CredentialFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A leaf without its intermediate cannot reach the root in --client-ca."""
    code, out, _ = _inspect(
        capsys, creds.chain_leaf_only, creds.chain_key, client_ca=creds.root_ca
    )
    assert code == 1
    assert "client-chain-incomplete" in out
    assert "credential test intermediate" in out


def test_inspect_stranger_root_in_file_is_untrusted(
    creds: CredentialFiles, pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain ending at a root that --client-ca lacks gives client-cert-untrusted."""
    code, out, _ = _inspect(
        capsys,
        creds.chain_leaf,
        creds.chain_key,
        creds.root_ca,
        client_ca=pki.client_ca,
    )
    assert code == 1
    assert "client-cert-untrusted" in out


def test_inspect_mismatched_key_exits_1(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A certificate with another certificate's key gives client-key-mismatch."""
    code, out, _ = _inspect(capsys, pki.client_cert, pki.untrusted_client_key)
    assert code == 1
    assert "client-key-mismatch" in out


def test_inspect_expiring_soon_warns_and_exits_0(
    creds: CredentialFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A certificate with ten days left warns with the days and still exits 0."""
    code, out, _ = _inspect(capsys, creds.expires_soon)
    assert code == 0
    assert "client-cert-expires-soon" in out
    assert "in 9 days" in out or "in 10 days" in out


def test_inspect_legacy_pkcs12_gives_reexport_command(
    creds: CredentialFiles, legacy_password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A legacy PKCS#12 gives pkcs12-legacy-encryption with the openssl -legacy fix."""
    code, out, _ = _inspect(capsys, creds.legacy_p12, password_env=legacy_password)
    assert code == 1
    assert "pkcs12-legacy-encryption" in out
    assert "openssl pkcs12 -legacy -in" in out


def test_inspect_legacy_pkcs12_without_passphrase_still_names_legacy(
    creds: CredentialFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the passphrase, the legacy encryption is still seen, beside the key."""
    code, out, _ = _inspect(capsys, creds.legacy_p12)
    assert code == 1
    assert "client-key-unreadable" in out
    assert "pkcs12-legacy-encryption" in out


@pytest.mark.parametrize("key", ["client_key_encrypted", "client_p12"])
def test_inspect_wrong_passphrase_is_client_key_unreadable(
    pki: PkiFiles,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A wrong passphrase for a key or PKCS#12 gives client-key-unreadable, exit 1."""
    monkeypatch.setenv("WRONG_PASS", "not the passphrase")
    code, out, _ = _inspect(
        capsys, pki.client_cert, getattr(pki, key), password_env="WRONG_PASS"
    )
    assert code == 1
    assert "client-key-unreadable" in out
    assert "$WRONG_PASS" in out


def test_inspect_json_lists_files_identity_and_causes(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints one object with files, identity facts, findings and causes."""
    code, out, _ = _inspect(
        capsys, pki.client_cert, pki.untrusted_client_key, as_json=True
    )
    report = json.loads(out)
    assert code == 1
    assert report["causes"] == ["client-key-mismatch"]
    assert [f["format"] for f in report["files"]] == ["pem", "pem"]
    assert len(report["identity"]["sha256_fingerprint"]) == 64


BAD_FILES = [
    "empty",
    "blank",
    "garbage",
    "text",
    "csr",
    "huge",
    "folder",
    "missing",
]


@pytest.mark.parametrize("name", BAD_FILES)
def test_inspect_bad_file_exits_2_with_one_line(
    creds: CredentialFiles, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each unusable file exits 2 with one line on stderr naming the file."""
    path = getattr(creds, name)
    code, out, err = _inspect(capsys, path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert str(path) in err


def test_inspect_key_alone_exits_2_saying_add_certificate(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key without any certificate exits 2 and says to add the certificate."""
    code, _, err = _inspect(capsys, pki.client_key)
    assert code == 2
    assert "mtls-doctor inspect CERT" in err


def test_inspect_unset_password_variable_exits_2(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """--password-env naming an unset variable exits 2 saying to export it."""
    code, _, err = _inspect(capsys, pki.client_p12, password_env="MTLS_TEST_NOT_SET")
    assert code == 2
    assert "export MTLS_TEST_NOT_SET=" in err


def test_inspect_pkcs12_as_client_ca_exits_2(
    pki: PkiFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PKCS#12 file given as --client-ca exits 2 with the export command."""
    code, _, err = _inspect(capsys, pki.client_cert, client_ca=pki.client_p12)
    assert code == 2
    assert "--client-ca" in err


def _key_body_lines(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text().splitlines()
        if line and not line.startswith("-----") and ":" not in line
    ]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("passphrase", [KEY_PASSWORD, "a wrong one"])
def test_inspect_output_never_holds_passphrase_or_key_bytes(
    pki: PkiFiles,
    passphrase: str,
    as_json: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Neither the passphrase nor any line of a key's PEM body is ever printed."""
    monkeypatch.setenv("KEY_PASS", passphrase)
    outputs = []
    for files in (
        (pki.client_cert, pki.client_key_encrypted),
        (pki.client_combined,),
        (pki.client_cert, pki.client_key),
    ):
        _, out, err = _inspect(capsys, *files, password_env="KEY_PASS", as_json=as_json)
        outputs.append(out + err)
    printed = "\n".join(outputs)
    assert passphrase not in printed
    for key_file in (pki.client_key, pki.client_key_encrypted):
        for line in _key_body_lines(key_file):
            assert line not in printed


def test_inspect_pkcs12_output_never_holds_its_passphrase(
    pki: PkiFiles, p12_password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The PKCS#12 passphrase is not in the text nor the JSON output."""
    printed = _inspect(capsys, pki.client_p12, password_env=p12_password)[1]
    printed += _inspect(
        capsys, pki.client_p12, password_env=p12_password, as_json=True
    )[1]
    assert P12_PASSWORD not in printed


def _run_cli(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        arguments,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_inspect_module_subprocess_exits_like_the_function(
    pki: PkiFiles, creds: CredentialFiles
) -> None:
    """`python -m tui.cli inspect` exits 0, 1 and 2 like run_inspect, no traceback."""
    good = _run_cli(
        sys.executable, "-m", "tui.cli", "inspect", str(pki.client_combined), env={}
    )
    flawed = _run_cli(
        sys.executable, "-m", "tui.cli", "inspect", str(creds.expired), env={}
    )
    bad = _run_cli(
        sys.executable, "-m", "tui.cli", "inspect", str(creds.garbage), env={}
    )
    assert (good.returncode, flawed.returncode, bad.returncode) == (0, 1, 2)
    assert "client-cert-expired" in flawed.stdout
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1


def test_inspect_console_script_reads_passphrase_from_variable(
    pki: PkiFiles,
) -> None:
    """The installed `mtls-doctor inspect` opens a PKCS#12 with --password-env."""
    script = shutil.which("mtls-doctor", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the mtls-doctor console script is not installed in this venv")
    done = _run_cli(
        script,
        "inspect",
        str(pki.client_p12),
        "--password-env",
        "P12_PASS",
        "--json",
        env={"P12_PASS": P12_PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["identity"]["cert_format"] == "pkcs12"
    assert P12_PASSWORD not in done.stdout + done.stderr


def test_inspect_console_script_legacy_pkcs12_exits_1(creds: CredentialFiles) -> None:
    """The console script names the legacy PKCS#12 finding and exits 1."""
    script = shutil.which("mtls-doctor", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the mtls-doctor console script is not installed in this venv")
    done = _run_cli(
        script,
        "inspect",
        str(creds.legacy_p12),
        "--password-env",
        "LEGACY_PASS",
        env={"LEGACY_PASS": LEGACY_PASSWORD},
    )
    assert done.returncode == 1
    assert "pkcs12-legacy-encryption" in done.stdout
