"""Every unusable answer on the command line exits 2 with one line and no traceback."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pki import PkiFiles
from tests.probes.faults import closed_port


def _run(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
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
    (["check", "localhost", "--sni", "a.example", "--no-sni"], "--no-sni"),
    (["chek", "localhost"], "did you mean 'check'"),
    (["check", "localhost", "--password", "s3cret"], "never taken on the command"),
    (["check", "localhost", "--pass=s3cret"], "never taken on the command"),
    (["inspect", "c.pem", "--passw", "s3cret"], "never taken on the command"),
    (["check", "localhost", "-p", "s3cret"], "unrecognized arguments: -p"),
    (["check", "localhost", "--key-password", "s3cret"], "--key-password"),
    (["check", "localhost", "--output", "/nonexistent/r.md"], "--output"),
    (["check", "localhost", "--output", "/"], "--output"),
    (["inspekt", "client.pem"], "did you mean 'inspect'"),
    (["explain"], "TEXT"),
    (["inspect"], "FILE"),
    (["https://x", "--timeout", "-5"], "--timeout"),
    (["check", "ftp://api.example.com"], "URL"),
    (["check", "https://user:secret@api.example.com"], "URL"),
    (["check", "https://[::1"], "URL"),
    (["check", "https://"], "names no host"),
    (["check", "https://:99999"], "names no host"),
    (["check", "https://localhost:abc/"], "a number from 1 to 65535"),
    (["check", "1.2.3"], "URL"),
    (["check", "999.1.1.1"], "URL"),
    (["check", "exa$mple.com"], "URL"),
    (["check", "xn--zz.example"], "URL"),
    (["check", "☃.example"], "URL"),
    (["check", "-bad-.example.com"], "URL"),
    (["check", "a" * 64 + ".example.com"], "URL"),
    (["check", "api.example.com:-1"], "URL"),
    (["check", "api.example.com:1:2"], "URL"),
    (["check", "localhost", "--sni", "*.example.com"], "--sni"),
    (["check", "localhost", "--sni", "xn--zz"], "--sni"),
    (["check", "localhost", "--sni", "[::1]"], "--sni"),
    (["check", "localhost", "--sni", "a" * 300], "--sni"),
    (["check", "localhost", "--sni", "."], "--sni"),
    (["check", "localhost", "--hop", "a=[::1"], "--hop"),
    (["check", "localhost", "--hop", "=1.2.3.4:443"], "--hop"),
    (["check", "localhost", "--hop", "ed ge=1.2.3.4:443"], "--hop"),
    (["check", "localhost", "--hop", "edge=1.2.3.4:443/path"], "--hop"),
    (["check", "localhost", "--hop", "edge=1.2.3.4:65536"], "--hop"),
    (["check", "localhost", "--hop", "edge=1.2.3:443"], "--hop"),
    (["check", "localhost", "--hop", "edge=xn--zz.example:443"], "--hop"),
    (["check", "localhost", "--hop", "x" * 70 + "=h.example:1"], "--hop"),
    (["check", "localhost", "--timeout", "121"], "--timeout"),
    (["check", "localhost", "--timeout", "nan"], "--timeout"),
    (["check", "localhost", "--timeout", "1e400"], "--timeout"),
    (["check", "localhost", "--timeout", "5s"], "--timeout"),
    (["check", "localhost", "--timeout", "0.0001"], "from 0.2 to 120"),
    (["check", "localhost", "--timeout", ""], "enter the seconds"),
    (["check", "localhost", "--timeout", ""], "--timeout"),
    (["check", "localhost", "--password-env", "my secret"], "--password-env"),
    (["check", "localhost", "--key", "/nonexistent/client.key"], "--key"),
    (["check", "localhost", "--client-ca", "/nonexistent/ca.pem"], "--client-ca"),
    (["check", "localhost", "--cert", "/dev/null"], "--cert"),
    (["check", "localhost", "--cert", "~no-such-user-here/client.pem"], "--cert"),
    (["check", "localhost", "--cert", "/" + "a" * 5000], "--cert"),
    (["inspect", ""], "FILE"),
    (["inspect", "/nonexistent/client.pem"], "client.pem"),
    (["inspect", "/dev/null"], "/dev/null"),
    (["inspect", "/" + "a" * 5000], "aaaa"),
    (["inspect", "pyproject.toml", "--password-env", "1BAD"], "--password-env"),
    (["inspect", "pyproject.toml", "--password-env", "UNSET_IN_TESTS"], "UNSET"),
    (["explain", "x", "--bogus"], "unrecognized"),
    (["http://x"], "URL"),
    (["--sni", "10.0.0.1"], "--sni"),
    (["--hop", "edge"], "--hop"),
    (["--cert", "/nonexistent/client.pem"], "--cert"),
    (["--password-env", "UNSET_IN_TESTS"], "UNSET_IN_TESTS"),
    (["--key", "pyproject.toml"], "--key"),
]


@pytest.mark.parametrize(("arguments", "named"), BAD_CHECK_ARGUMENTS)
def test_command_line_bad_argument_exits_2_with_one_named_line(
    arguments: list[str], named: str
) -> None:
    """A bad argument gives exit 2 and one stderr line naming what is wrong, before
    anything is probed or printed."""
    result = _run(*arguments)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "s3cret" not in result.stderr
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


@pytest.fixture(scope="module")
def bad_files(
    pki: PkiFiles, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Paths by name: the test PKI's files and files no option can use."""
    folder = tmp_path_factory.mktemp("bad-files")
    (folder / "empty.pem").write_bytes(b"")
    (folder / "garbage.pem").write_bytes(
        bytes((13 + 71 * i) % 256 for i in range(3000))
    )
    (folder / "text.pem").write_text("this is not a certificate\n")
    (folder / "p12-named.pem").write_bytes(pki.client_p12.read_bytes())
    with (folder / "50mb.pem").open("wb") as big:
        big.truncate(50 * 1024 * 1024)
    return {
        "cert": str(pki.client_cert),
        "key": str(pki.client_key),
        "encrypted_key": str(pki.client_key_encrypted),
        "p12": str(pki.client_p12),
        "p12_as_pem": str(folder / "p12-named.pem"),
        "der_cert": str(pki.client_der),
        "empty": str(folder / "empty.pem"),
        "garbage": str(folder / "garbage.pem"),
        "text": str(folder / "text.pem"),
        "big": str(folder / "50mb.pem"),
        "folder": str(folder),
        "missing": str(folder / "missing.pem"),
    }


SECRETS_IN_ENVIRONMENT = {
    "WRONG_PASSPHRASE": "not-the-passphrase-4711",
    "EMPTY_PASSPHRASE": "",
}

# (options, with {name} standing for a path of `bad_files`, and the option named)
BAD_FILE_OPTIONS = [
    ("--cert {key}", "--cert"),
    ("--cert {empty}", "--cert"),
    ("--cert {garbage}", "--cert"),
    ("--cert {text}", "--cert"),
    ("--cert {big}", "--cert"),
    ("--cert {folder}", "--cert"),
    ("--cert {missing}", "--cert"),
    ("--cert {cert} --key {cert}", "--key"),
    ("--cert {cert} --key {garbage}", "--key"),
    ("--cert {cert} --key {missing}", "--key"),
    ("--cert {der_cert}", "--key"),
    ("--key {key}", "--key"),
    ("--cert {p12}", "--password-env"),
    ("--cert {p12_as_pem}", "--password-env"),
    ("--cert {p12} --password-env WRONG_PASSPHRASE", "WRONG_PASSPHRASE"),
    ("--cert {p12} --password-env EMPTY_PASSPHRASE", "EMPTY_PASSPHRASE"),
    ("--cert {p12} --password-env UNSET_IN_TESTS", "UNSET_IN_TESTS"),
    ("--cert {cert} --key {encrypted_key}", "--password-env"),
    ("--cert {cert} --key {encrypted_key} --password-env WRONG_PASSPHRASE", "WRONG"),
    ("--cacert {garbage}", "--cacert"),
    ("--cacert {key}", "--cacert"),
    ("--cacert {empty}", "--cacert"),
    ("--cacert {p12_as_pem}", "--cacert"),
    ("--cacert {der_cert}", "--cacert"),
    ("--cacert {big}", "--cacert"),
    ("--client-ca {garbage}", "--client-ca"),
    ("--client-ca {key}", "--client-ca"),
    ("--client-ca {p12}", "--client-ca"),
    ("--client-ca {text}", "--client-ca"),
]


def _assert_one_named_line(
    result: subprocess.CompletedProcess[str], named: str
) -> None:
    assert result.returncode == 2, result.stderr + result.stdout[-500:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr
    for secret in SECRETS_IN_ENVIRONMENT.values():
        assert not secret or secret not in result.stderr + result.stdout


@pytest.mark.parametrize("front_end", ["check", "app"])
@pytest.mark.parametrize(("options", "named"), BAD_FILE_OPTIONS)
def test_command_line_unusable_file_exits_2_with_one_named_line(
    bad_files: dict[str, str], front_end: str, options: str, named: str
) -> None:
    """A file an option cannot use stops `check` and the app launcher with one line."""
    command = ["check"] if front_end == "check" else []
    arguments = [part.format(**bad_files) for part in options.split()]
    started = time.monotonic()
    result = _run(
        *command, "https://127.0.0.1:1/", *arguments, env=SECRETS_IN_ENVIRONMENT
    )

    _assert_one_named_line(result, named)
    assert time.monotonic() - started < 10


BAD_INSPECT_FILES = [
    ("{empty}", "{empty}"),
    ("{garbage}", "{garbage}"),
    ("{text}", "{text}"),
    ("{big}", "{big}"),
    ("{folder}", "{folder}"),
    ("{missing}", "{missing}"),
    ("{key}", "{key}"),
    ("{cert} --client-ca {garbage}", "--client-ca"),
    ("{cert} --client-ca {missing}", "--client-ca"),
    ("{cert} --client-ca {p12}", "--client-ca"),
    ("{p12} --password-env UNSET_IN_TESTS", "UNSET_IN_TESTS"),
    ("{cert} --password-env 'a passphrase'", "--password-env"),
]


@pytest.mark.parametrize(("options", "named"), BAD_INSPECT_FILES)
def test_inspect_unusable_file_exits_2_with_one_named_line(
    bad_files: dict[str, str], options: str, named: str
) -> None:
    """A file `inspect` cannot read is refused with one line naming it."""
    arguments = [part.format(**bad_files) for part in shlex.split(options)]
    result = _run("inspect", *arguments, env=SECRETS_IN_ENVIRONMENT)

    _assert_one_named_line(result, named.format(**bad_files))


def test_check_unwritable_output_exits_2_naming_output(
    bad_files: dict[str, str],
) -> None:
    """A report path in a missing folder is refused naming --output."""
    output = f"{bad_files['missing']}/report.md"
    result = _run("check", f"https://127.0.0.1:{closed_port()}/", "--output", output)

    _assert_one_named_line(result, "--output")


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["explain", "ClientMTLSAuthStatus absent"], 1),
        (["explain", "nothing known here"], 0),
        (["lab", "--list"], 0),
        (["inspect", "{cert}", "{key}"], 0),
    ],
)
def test_command_whose_reader_went_away_keeps_its_exit_code(
    pki: PkiFiles, args: list[str], exit_code: int
) -> None:
    """Output into a closed pipe (`| head`) ends the command quietly, exit code kept."""
    files = {"cert": str(pki.client_cert), "key": str(pki.client_key)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *(a.format(**files) for a in args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read()
    process.wait(timeout=60)

    assert errors == ""
    assert process.returncode == exit_code
