"""Answers as typed become a request, or one line naming the field and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import InputError
from knowledge.observations import Hop, Target
from wizards.answers import (
    Answers,
    build_request,
    field_errors,
    parse_hop,
    parse_sni,
    parse_target,
    parse_timeout,
)

GOOD_TARGETS = [
    ("https://api.example.com", Target("api.example.com", 443, "/", "api.example.com")),
    ("api.example.com", Target("api.example.com", 443, "/", "api.example.com")),
    ("api.example.com:8443", Target("api.example.com", 8443, "/", "api.example.com")),
    (
        "https://API.Example.com/v1?x=1",
        Target("api.example.com", 443, "/v1?x=1", "api.example.com"),
    ),
    ("127.0.0.1", Target("127.0.0.1", 443, "/", None)),
    ("127.0.0.1:9443", Target("127.0.0.1", 9443, "/", None)),
    ("[::1]:9443", Target("::1", 9443, "/", None)),
    ("https://[2001:db8::1]/", Target("2001:db8::1", 443, "/", None)),
    (
        "bücher.example",
        Target("xn--bcher-kva.example", 443, "/", "xn--bcher-kva.example"),
    ),
    ("https://example.com.", Target("example.com", 443, "/", "example.com")),
    (
        "internal_host.corp:8443",
        Target("internal_host.corp", 8443, "/", "internal_host.corp"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOOD_TARGETS)
def test_parse_target_accepted_forms_give_host_port_path_and_sni(
    text: str, expected: Target
) -> None:
    """Every URL form of the contract reads into host, port, path and default SNI."""
    assert parse_target(text) == expected


BAD_TARGETS = [
    "",
    "   ",
    "http://api.example.com",
    "ftp://api.example.com",
    "https://a b.example.com",
    "api.example.com:abc",
    "api.example.com:0",
    "api.example.com:70000",
    "api.example.com:-1",
    "https://user:secret@api.example.com",
    "https://",
    "-bad-.example.com",
    "bad..example.com",
    "exa$mple.com",
    "x" * 300 + ".com",
    "https://[::1",
    "https://[not-an-ip]:443",
    "a" * 64 + ".example.com",
    "xn--zz.example",
    "https://:443",
]


@pytest.mark.parametrize("text", BAD_TARGETS)
def test_parse_target_malformed_url_raises_one_line_naming_url(text: str) -> None:
    """A malformed URL is refused with one line that names the URL field."""
    with pytest.raises(InputError) as caught:
        parse_target(text)
    assert caught.value.field == "URL"
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("URL: ")


def test_parse_target_explicit_sni_replaces_the_host_name() -> None:
    """An SNI answer is sent instead of the URL's host name."""
    assert parse_target("10.0.0.5:8443", sni="api.example.com").sni == "api.example.com"


def test_parse_target_no_sni_sends_no_name() -> None:
    """--no-sni leaves the server name out even for a host name."""
    assert parse_target("api.example.com", no_sni=True).sni is None


BAD_SNI = ["10.0.0.1", "[::1]", "bad name", "-x-.com", "a..b", "exa$mple"]


@pytest.mark.parametrize("text", BAD_SNI)
def test_parse_sni_not_a_dns_name_raises_naming_sni(text: str) -> None:
    """An IP literal or an invalid name as SNI is refused naming --sni."""
    with pytest.raises(InputError) as caught:
        parse_sni(text)
    assert caught.value.field == "--sni"


def test_parse_hop_vendor_label_is_recognised() -> None:
    """A hop labelled with a vendor's name carries that vendor."""
    assert parse_hop("cloudflare=104.16.0.1:443") == Hop(
        "cloudflare", "104.16.0.1", 443, "cloudflare"
    )
    assert parse_hop("origin=[::1]:8443") == Hop("origin", "::1", 8443, None)


BAD_HOPS = [
    "",
    "edge",
    "edge=",
    "=1.2.3.4:443",
    "edge=1.2.3.4:notaport",
    "edge=1.2.3.4:0",
    "edge=1.2.3.4:99999",
    "ed ge=1.2.3.4:443",
    "edge=1.2.3.4:443/path",
    "edge=bad host:443",
    "ed/ge=1.2.3.4:443",
]


@pytest.mark.parametrize("text", BAD_HOPS)
def test_parse_hop_malformed_raises_naming_hop(text: str) -> None:
    """A hop that is not LABEL=HOST:PORT is refused naming --hop."""
    with pytest.raises(InputError) as caught:
        parse_hop(text)
    assert caught.value.field == "--hop"


@pytest.mark.parametrize("text", ["0", "-1", "abc", "", "nan", "inf", "1e9", "121"])
def test_parse_timeout_out_of_range_raises_naming_timeout(text: str) -> None:
    """A timeout that is not a positive number up to 120 s is refused."""
    with pytest.raises(InputError) as caught:
        parse_timeout(text)
    assert caught.value.field == "--timeout"


def test_parse_timeout_fraction_is_kept() -> None:
    """A fractional timeout is a valid bound."""
    assert parse_timeout("0.5") == 0.5


def test_build_request_missing_files_name_the_option(tmp_path: Path) -> None:
    """A missing certificate, key or CA file is refused naming its option."""
    for option, answers in [
        ("--cert", Answers(url="localhost", cert=str(tmp_path / "nope.pem"))),
        ("--cacert", Answers(url="localhost", cacert=str(tmp_path))),
        ("--client-ca", Answers(url="localhost", client_ca=str(tmp_path / "x"))),
    ]:
        with pytest.raises(InputError) as caught:
            build_request(answers, {})
        assert caught.value.field == option


def test_build_request_key_without_certificate_is_refused(tmp_path: Path) -> None:
    """A key alone cannot be presented, so the key field says to add the cert."""
    key = tmp_path / "client.key"
    key.write_text("x")
    with pytest.raises(InputError) as caught:
        build_request(Answers(url="localhost", key=str(key)), {})
    assert caught.value.field == "--key"


def test_build_request_unset_password_variable_names_it() -> None:
    """A passphrase variable that is not set is named, with how to set it."""
    with pytest.raises(InputError) as caught:
        build_request(Answers(url="localhost", password_env="P12_PASS"), {})
    assert "P12_PASS is not set" in str(caught.value)


def test_build_request_password_comes_from_the_environment_and_is_not_shown() -> None:
    """The passphrase is read from the variable and left out of the request's repr."""
    request = build_request(
        Answers(url="localhost", password_env="P12_PASS"), {"P12_PASS": "s3cret!"}
    )
    assert request.password == "s3cret!"
    assert "s3cret!" not in repr(request)


def test_field_errors_reports_every_bad_field_and_keeps_the_good_ones() -> None:
    """Each bad field gets its own message while good ones get none."""
    answers = Answers(
        url="http://x", sni="api.example.com", timeout="zero", hops=["bad"]
    )
    errors = field_errors(answers, {})
    assert set(errors) == {"url", "timeout", "hops"}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("=1.2.3.4:443", "needs a label"),
        ("edge=1.2.3.4:0", "from 1 to 65535"),
        ("edge=1.2.3.4:443/path", "HOST:PORT only"),
    ],
)
def test_parse_hop_says_which_part_is_wrong(spec: str, words: str) -> None:
    """A missing label, port 0 and a path each get their own words."""
    with pytest.raises(InputError, match=words):
        parse_hop(spec)
