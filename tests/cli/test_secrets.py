"""No passphrase or key material in any output, report, log or left-over file."""

from __future__ import annotations

import base64
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles
from tests.servers.python_tls import ClientAuthMode, HttpBehaviour, PythonTlsServer
from tui.app import MtlsDoctorApp
from tui.screens.export import ExportDialog
from wizards.answers import Answers

ROOT = Path(__file__).resolve().parents[2]
KEY_VARIABLE = "MTLS_TEST_KEY_PASS"
P12_VARIABLE = "MTLS_TEST_P12_PASS"
SECRET_ENVIRONMENT = {KEY_VARIABLE: KEY_PASSWORD, P12_VARIABLE: P12_PASSWORD}
TIMEOUT = "2"
# Runs one command with the root logger at DEBUG, written to the file named first.
_LOGGING_MAIN = (
    "import logging, sys; "
    "logging.basicConfig(filename=sys.argv.pop(1), level=logging.DEBUG); "
    "from tui.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _pem_body_lines(path: Path) -> list[bytes]:
    return [
        line.strip()
        for line in path.read_bytes().splitlines()
        if line.strip() and not line.startswith(b"-----") and b":" not in line
    ]


@pytest.fixture(scope="module")
def secrets(pki: PkiFiles) -> dict[str, bytes]:
    """Every passphrase and every piece of key material, by what it is."""
    der_key = pki.client_key_der.read_bytes()
    found = {"key passphrase": KEY_PASSWORD.encode()}
    found["PKCS#12 password"] = P12_PASSWORD.encode()
    found["DER key"] = der_key
    found["DER key as hex"] = der_key.hex().encode()
    found["DER key as base64"] = base64.b64encode(der_key)[16:80]
    for name, path in [
        ("PEM key", pki.client_key),
        ("encrypted PEM key", pki.client_key_encrypted),
    ]:
        for number, line in enumerate(_pem_body_lines(path)):
            found[f"{name} line {number}"] = line
    p12_base64 = base64.b64encode(pki.client_p12.read_bytes())
    found["PKCS#12 as base64"] = p12_base64[64:128]
    return found


@pytest.fixture(scope="module")
def required_server(pki: PkiFiles) -> Iterator[PythonTlsServer]:
    """A loopback server that requires a certificate from the test client CA."""
    with PythonTlsServer(pki, ClientAuthMode.REQUIRED) as server:
        yield server


def _identity_options(pki: PkiFiles, scenario: str) -> list[str]:
    if scenario == "encrypted-key":
        return [
            "--cert",
            str(pki.client_cert),
            "--key",
            str(pki.client_key_encrypted),
            "--password-env",
            KEY_VARIABLE,
        ]
    return ["--cert", str(pki.client_p12), "--password-env", P12_VARIABLE]


def _assert_nothing_secret(places: dict[str, bytes], secrets: dict[str, bytes]) -> None:
    for place, content in places.items():
        for what, secret in secrets.items():
            assert secret not in content, f"{what} found in {place}"


def _files_under(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _run_logged(
    tmp_path: Path, *arguments: str
) -> tuple[subprocess.CompletedProcess[bytes], dict[str, bytes]]:
    """Run one command with DEBUG logs and TMPDIR in tmp_path; what it left behind."""
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    log = tmp_path / "debug.log"
    completed = subprocess.run(
        [sys.executable, "-c", _LOGGING_MAIN, str(log), *arguments],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env={
            **os.environ,
            **SECRET_ENVIRONMENT,
            "TMPDIR": str(temporary),
            "MTLS_DOCTOR_DEBUG": "1",
        },
    )
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    assert list(temporary.iterdir()) == [], "a temporary file was left behind"
    assert log.exists()
    places = {"stdout": completed.stdout, "stderr": completed.stderr}
    places.update(_files_under(tmp_path))
    return completed, places


@pytest.mark.parametrize("scenario", ["encrypted-key", "pkcs12"])
@pytest.mark.parametrize(
    "output", ["text", "json", "report.md", "report.json"], ids=lambda o: o
)
def test_check_secrets_absent_from_output_reports_logs_and_tmpdir(
    pki: PkiFiles,
    required_server: PythonTlsServer,
    secrets: dict[str, bytes],
    tmp_path: Path,
    scenario: str,
    output: str,
) -> None:
    """`check` in every output form keeps the passphrase and key out of everything."""
    options = [*_identity_options(pki, scenario), "--cacert", str(pki.server_ca)]
    if output == "json":
        options.append("--json")
    elif output != "text":
        options += ["--output", str(tmp_path / output)]
    completed, places = _run_logged(
        tmp_path,
        "check",
        f"https://localhost:{required_server.port}/",
        "--timeout",
        TIMEOUT,
        *options,
    )

    assert completed.returncode == 0, completed.stdout.decode()
    if output.startswith("report"):
        assert (tmp_path / output).stat().st_size > 0
    _assert_nothing_secret(places, secrets)


@pytest.mark.parametrize("scenario", ["encrypted-key", "pkcs12"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_inspect_secrets_absent_from_output_logs_and_tmpdir(
    pki: PkiFiles,
    secrets: dict[str, bytes],
    tmp_path: Path,
    scenario: str,
    as_json: bool,
) -> None:
    """`inspect` opens the encrypted files and shows nothing secret from them."""
    files = (
        [str(pki.client_cert), str(pki.client_key_encrypted)]
        if scenario == "encrypted-key"
        else [str(pki.client_p12)]
    )
    variable = KEY_VARIABLE if scenario == "encrypted-key" else P12_VARIABLE
    options = ["--password-env", variable, "--client-ca", str(pki.client_ca)]
    completed, places = _run_logged(
        tmp_path, "inspect", *files, *options, *(["--json"] if as_json else [])
    )

    assert completed.returncode in (0, 1), completed.stderr.decode()
    assert b"test client" in completed.stdout
    _assert_nothing_secret(places, secrets)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_explain_secrets_absent_from_output_logs_and_tmpdir(
    secrets: dict[str, bytes], tmp_path: Path, as_json: bool
) -> None:
    """`explain` run with the passphrases in its environment shows none of them."""
    completed, places = _run_logged(
        tmp_path,
        "explain",
        "unable to load private key: bad decrypt",
        *(["--json"] if as_json else []),
    )

    assert completed.returncode in (0, 1), completed.stderr.decode()
    _assert_nothing_secret(places, secrets)


@pytest.mark.parametrize("scenario", ["encrypted-key", "pkcs12"])
async def test_app_secrets_absent_from_screen_exports_logs_and_tmpdir(
    pki: PkiFiles,
    required_server: PythonTlsServer,
    secrets: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    scenario: str,
) -> None:
    """The app, probing and exporting both reports, leaves no secret anywhere."""
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    options = _identity_options(pki, scenario)
    answers = Answers(
        url=f"https://localhost:{required_server.port}/",
        cacert=str(pki.server_ca),
        cert=options[1],
        key=options[3] if scenario == "encrypted-key" else "",
        password_env=options[-1],
        timeout=TIMEOUT,
    )
    app = MtlsDoctorApp(answers, autostart=True, environ=SECRET_ENVIRONMENT)

    screens: list[bytes] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait_until(pilot, lambda: app.step == "diagnosis")
        screens.append(app.export_screenshot().encode())
        await pilot.press("m")
        await _wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("enter")
        await _wait_until(pilot, lambda: (tmp_path / "mtls-doctor-report.md").exists())
        await pilot.press("j")
        await _wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one("#export-path", Input).value = "report.json"
        await pilot.press("enter")
        await _wait_until(pilot, lambda: (tmp_path / "report.json").exists())
        screens.append(app.export_screenshot().encode())

    assert app.result is not None and not app.result.causes
    assert list(temporary.iterdir()) == [], "a temporary file was left behind"
    places = _files_under(tmp_path)
    places["screens"] = b"\n".join(screens)
    places["log"] = caplog.text.encode()
    _assert_nothing_secret(places, secrets)


async def _wait_until(pilot: object, condition: object, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the app did not get there in time"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_check_interrupted_mid_probe_exits_clean_and_leaves_no_file(
    pki: PkiFiles, tmp_path: Path, signal_number: int
) -> None:
    """SIGINT or SIGTERM during a probe ends `check` cleanly with TMPDIR empty."""
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    with PythonTlsServer(
        pki, ClientAuthMode.OPTIONAL, http=HttpBehaviour.SILENT
    ) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "check"]
            + [f"https://localhost:{server.port}/", "--timeout", "1"]
            + _identity_options(pki, "encrypted-key")
            + ["--cacert", str(pki.server_ca)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **SECRET_ENVIRONMENT, "TMPDIR": str(temporary)},
        )
        try:
            deadline = time.monotonic() + 15
            while len(server.served.client_certificates) < 2:
                assert time.monotonic() < deadline, "the probe never sent its cert"
                time.sleep(0.02)
            process.send_signal(signal_number)
            stdout, stderr = process.communicate(timeout=15)
        finally:
            process.kill()
            process.wait()

    assert True in server.served.client_certificates
    assert process.returncode == 130, stderr.decode()
    assert stderr.decode().strip().splitlines() == ["mtls-doctor: interrupted"]
    assert list(temporary.iterdir()) == []
    assert KEY_PASSWORD.encode() not in stdout + stderr
