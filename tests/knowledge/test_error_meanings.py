"""Error texts people paste, mapped to their meaning and the causes they point to."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys

import pytest

from knowledge.causes import CAUSE_IDS
from knowledge.error_meanings import cause_ids_of, entries, explain
from tui.commands.explain import run_explain

NGINX_400_PAGE = (
    "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>"
    "\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
    "<center>No required SSL certificate was sent</center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>"
)

TEXT_TO_CAUSES = [
    ("absent", {"client-cert-not-sent"}),
    ('"ClientMTLSAuthStatus":"absent"', {"client-cert-not-sent"}),
    ("ClientMTLSAuthStatus=expired", {"client-cert-expired"}),
    ("expired", {"client-cert-expired"}),
    ("ClientMTLSAuthStatus: untrusted", {"client-cert-untrusted"}),
    ("notyetvalid", {"client-cert-not-yet-valid"}),
    ("cf.tls_client_auth.cert_presented == false", {"client-cert-not-sent"}),
    ("cf.tls_client_auth.cert_verified: false", {"client-cert-untrusted"}),
    ("SSL alert number 116", {"client-cert-not-sent"}),
    ("tls_alert: 116", {"client-cert-not-sent"}),
    (
        "curl: (56) OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert "
        "certificate required, errno 0",
        {"client-cert-not-sent"},
    ),
    (
        "ssl.SSLError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert "
        "certificate required (_ssl.c:2580)",
        {"client-cert-not-sent"},
    ),
    ("remote error: tls: certificate required", {"client-cert-not-sent"}),
    (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: "
        "certificate_required",
        {"client-cert-not-sent"},
    ),
    ("sslv3 alert handshake failure", {"client-cert-not-sent"}),
    (NGINX_400_PAGE, {"client-cert-not-sent"}),
    ("400 The SSL certificate error", {"client-cert-untrusted"}),
    (
        "client sent no required SSL certificate while reading client request headers",
        {"client-cert-not-sent"},
    ),
    ('{"message":"No required TLS certificate was sent"}', {"client-cert-not-sent"}),
    ('{"message":"TLS certificate failed verification"}', {"client-cert-untrusted"}),
    ("tlsv1 alert unknown ca", {"client-cert-untrusted"}),
    ("unknown ca", {"client-cert-untrusted"}),
    ("SSL: CERTIFICATE_VERIFY_FAILED", {"server-cert-untrusted"}),
    ("unsupported certificate", {"client-cert-wrong-purpose"}),
    ("failed verification", {"client-cert-untrusted"}),
    ("remote error: tls: unknown certificate authority", {"client-cert-untrusted"}),
    ("sslv3 alert unsupported certificate", {"client-cert-wrong-purpose"}),
    ("sslv3 alert certificate expired", {"client-cert-expired"}),
    ("sslv3 alert bad certificate", {"client-cert-untrusted"}),
    ("tlsv1 alert decrypt error", {"client-key-mismatch"}),
    (
        "curl: (58) could not parse PKCS12 file, check password, OpenSSL error "
        "error:0308010C:digital envelope routines::unsupported",
        {"pkcs12-legacy-encryption"},
    ),
    (
        "error:0308010C:digital envelope routines::unsupported",
        {"pkcs12-legacy-encryption"},
    ),
    (
        "unable to get local issuer certificate",
        {"server-cert-untrusted", "client-chain-incomplete"},
    ),
    (
        "curl: (58) unable to set private key file: 'client.key' type PEM",
        {"client-key-unreadable"},
    ),
    ("[X509: KEY_VALUES_MISMATCH] key values mismatch", {"client-key-mismatch"}),
    ("PKIX path building failed", {"server-cert-untrusted"}),
    ("x509: certificate signed by unknown authority", {"server-cert-untrusted"}),
    ("The remote certificate is invalid", {"server-cert-untrusted"}),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", {"client-cert-untrusted"}),
    ("SSL_ERROR_HANDSHAKE_FAILURE_ALERT", {"client-cert-not-sent"}),
    ("FAILED:certificate has expired", {"client-cert-expired"}),
    ("$ssl_client_verify = NONE", {"client-cert-not-sent"}),
    ("Failed:ClientCertUntrusted", {"client-cert-untrusted"}),
    (
        "HTTP/2 stream 1 was not closed cleanly: HTTP_1_1_REQUIRED (err 13)",
        {"post-handshake-auth-required"},
    ),
    ("tlsv1 unrecognized name", {"sni-mismatch"}),
    ("curl: (35) error:0A00010B:SSL routines::wrong version number", {"not-tls"}),
    ("curl: (7) Failed to connect to api.example.com port 443", {"hop-unreachable"}),
]


def _case_id(value: object) -> str:
    return ",".join(sorted(value)) if isinstance(value, set) else str(value)[:40]


@pytest.mark.parametrize(("text", "expected"), TEXT_TO_CAUSES, ids=_case_id)
def test_explain_known_text_points_to_causes(text: str, expected: set[str]) -> None:
    """Each pasted text points at least to the causes it is known to mean."""
    found = set(cause_ids_of(explain(text)))

    assert expected <= found


def test_explain_data_names_only_contract_cause_ids() -> None:
    """Every cause id in the data file is one of CONTRACT.md."""
    unknown = {
        (entry.id, cause)
        for entry in entries()
        for cause in entry.all_cause_ids
        if cause not in CAUSE_IDS
    }

    assert unknown == set()


def test_explain_data_covers_every_tls_alert() -> None:
    """Every alert of the IANA registry that OpenSSL, Go or Java name is in the data."""
    registry = {0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51}
    registry |= {60, 70, 71, 80, 86, 90, 100, 109, 110, 111, 112, 113, 114, 115, 116}
    registry |= {120, 121}
    present = {
        int(e.id.removeprefix("tls-alert-")) for e in entries() if "alert-" in e.id
    }

    assert registry <= present


def test_explain_data_covers_every_openssl_verification_error() -> None:
    """Every X509_V_ERR code of OpenSSL 3.0 (2 to 94) has an entry."""
    present = {
        int(e.id.removeprefix("x509-")) for e in entries() if e.id.startswith("x509-")
    }

    assert set(range(2, 95)) <= present


def test_explain_entry_ids_are_unique() -> None:
    """No two entries share an id."""
    ids = [entry.id for entry in entries()]

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("text", ["", "   ", "hello world", "everything is fine"])
def test_explain_unrelated_text_finds_nothing(text: str) -> None:
    """Text without a known error finds no meaning."""
    assert explain(text) == ()


def test_explain_generic_entry_gives_way_to_specific_one() -> None:
    """nginx's page says '400 Bad Request' too, but only its specific text is shown."""
    ids = [meaning.id for meaning in explain(NGINX_400_PAGE)]

    assert ids == ["nginx-400-no-certificate"]


def test_explain_generic_entry_alone_is_shown() -> None:
    """A bare '400 Bad Request' is explained, pointing to no cause."""
    meanings = explain("400 Bad Request")

    assert [m.id for m in meanings] == ["nginx-400-bad-request"]
    assert meanings[0].cause_ids == ()


def test_explain_server_log_of_client_check_keeps_client_causes() -> None:
    """nginx checking a client certificate never points to the server's certificate."""
    text = (
        "client SSL certificate verify error: (20:unable to get local issuer "
        "certificate) while reading client request headers"
    )

    found = cause_ids_of(explain(text))

    assert "client-chain-incomplete" in found
    assert "server-cert-untrusted" not in found


def test_explain_curl_server_check_keeps_server_causes() -> None:
    """curl's (60) about the server's certificate points only to the server side."""
    text = "curl: (60) SSL certificate problem: unable to get local issuer certificate"

    assert cause_ids_of(explain(text)) == ("server-cert-untrusted",)


def test_explain_longer_text_inside_contains_shorter_one() -> None:
    """An alert text that contains an X.509 text is explained once, as the alert."""
    ids = [meaning.id for meaning in explain("sslv3 alert certificate revoked")]

    assert ids == ["tls-alert-44"]


def test_explain_several_errors_most_specific_first() -> None:
    """The longest match comes first and each meaning keeps what it matched."""
    text = (
        "curl: (58) could not parse PKCS12 file, check password, OpenSSL error "
        "error:0308010C:digital envelope routines::unsupported"
    )

    meanings = explain(text)

    assert meanings[0].id == "openssl3-unsupported-legacy"
    assert cause_ids_of(meanings)[0] == "pkcs12-legacy-encryption"
    assert all(m.matched.lower() in text.lower() for m in meanings)


def _args(*words: str, as_json: bool = False) -> argparse.Namespace:
    return argparse.Namespace(text=list(words), json=as_json)


def test_run_explain_cause_found_exits_1_with_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A text pointing to a cause prints it with its id in brackets and exits 1."""
    code = run_explain(_args("tlsv13", "alert", "certificate", "required"))

    out = capsys.readouterr().out
    assert code == 1
    assert "[client-cert-not-sent]" in out
    assert "TLS alert 116" in out


def test_run_explain_json_has_contract_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--json prints the text, each meaning with source and causes, and all ids."""
    code = run_explain(_args("absent", as_json=True))

    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["text"] == "absent"
    assert report["cause_ids"] == ["client-cert-not-sent"]
    assert {"source", "meaning", "cause_ids"} <= set(report["meanings"][0])


def test_run_explain_nothing_matched_exits_0_and_asks_for_more(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Unknown text exits 0 and suggests pasting more of the message."""
    code = run_explain(_args("something", "odd"))

    assert code == 0
    assert "Paste more" in capsys.readouterr().out


def test_run_explain_nothing_matched_echoes_control_characters_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Escape sequences in a pasted text come back as text, never to the terminal."""
    code = run_explain(_args("hello \x1b[31mred\x07"))

    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "hello \\x1b[31mred\\x07" in out


def test_run_explain_meaning_without_cause_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A recognised text that points to no cause (Cloudflare ok) exits 0."""
    code = run_explain(_args("ok"))

    assert code == 0
    assert "Cloudflare" in capsys.readouterr().out


def test_run_explain_empty_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Empty text is an input error: exit 2 with one line on stderr."""
    code = run_explain(_args(" "))

    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_run_explain_dash_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'-' reads the text to explain from standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("Failed:ClientCertExpired\n"))

    code = run_explain(_args("-", as_json=True))

    assert code == 1
    assert json.loads(capsys.readouterr().out)["cause_ids"] == ["client-cert-expired"]


def test_run_explain_imports_nothing_heavy() -> None:
    """The explain command loads neither textual, httpx, dns nor ssl."""
    probe = (
        "import sys, argparse; from tui.commands.explain import run_explain; "
        "run_explain(argparse.Namespace(text=['absent'], json=True)); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'textual', 'httpx', 'dns', 'ssl', 'wizards'}))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert finished.stdout.strip().splitlines()[-1] == "[]"


def test_alert_table_names_every_alert_of_the_meanings_data() -> None:
    """The small alert-name table agrees with every alert entry of the data file."""
    from knowledge.tls_alerts import ALERT_NAMES

    alerts = [e for e in entries() if e.id.startswith("tls-alert-")]
    assert alerts
    for entry in alerts:
        number = int(entry.id.removeprefix("tls-alert-"))
        assert ALERT_NAMES[number] in entry.source
