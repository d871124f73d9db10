"""The curl command built from the inputs of a check: options, quoting, no secret."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.curl import CurlInputs, build_curl, reexported_pkcs12_path
from knowledge.errors import InputError
from knowledge.observations import Target

CERT = Path("/certs/client.pem")
KEY = Path("/certs/client.key")
CA = Path("/certs/server-ca.pem")


def _argv_of(text: str) -> list[str]:
    return shlex.split(text.replace("\\\n", " "))


def test_build_curl_pem_pair_has_cert_key_and_cacert() -> None:
    """A PEM certificate and key give --cert, --key and --cacert, URL last."""
    command = build_curl(
        CurlInputs(host="api.example.com", cert_path=CERT, key_path=KEY, cacert=CA)
    )

    assert command.argv == (
        "curl",
        "--cert",
        str(CERT),
        "--key",
        str(KEY),
        "--cacert",
        str(CA),
        "https://api.example.com/",
    )
    assert command.works is None


def test_build_curl_text_splits_back_into_argv() -> None:
    """The shell text, split as a shell would, is exactly argv."""
    command = build_curl(
        CurlInputs(
            host="api.example.com",
            port=8443,
            path="/v1/items?a=1&b=2",
            cert_path=Path("/my certs/client's.pem"),
            key_path=Path("/my certs/key; rm -rf ~"),
            cacert=Path("/ca $HOME/ca.pem"),
            password_env="CLIENT_KEY_PASS",
        )
    )

    assert _argv_of(command.text) == list(command.argv)


def test_build_curl_paths_with_spaces_are_quoted() -> None:
    """Paths with spaces and shell characters appear single-quoted in the text."""
    command = build_curl(
        CurlInputs(host="h.example", cert_path=Path("/a b/c.pem"), key_path=KEY)
    )

    assert "--cert '/a b/c.pem'" in command.text


def test_build_curl_colon_in_cert_path_is_escaped_for_curl() -> None:
    """curl reads FILE:PASSWORD from --cert, so a colon in the name is escaped."""
    command = build_curl(CurlInputs(host="h.example", cert_path=Path("/c:d/e.pem")))

    assert command.argv[command.argv.index("--cert") + 1] == "/c\\:d/e.pem"


def test_build_curl_der_pair_names_both_types() -> None:
    """DER certificate and key get --cert-type DER and --key-type DER."""
    command = build_curl(
        CurlInputs(
            host="h.example",
            cert_path=Path("c.der"),
            cert_type="DER",
            key_path=Path("k.der"),
            key_type="DER",
        )
    )

    assert "--cert-type DER" in command.text
    assert "--key-type DER" in command.text


def test_build_curl_pkcs12_passphrase_only_as_variable() -> None:
    """PKCS#12 gets --cert-type P12 and --pass "$VAR", never the passphrase."""
    command = build_curl(
        CurlInputs(
            host="h.example",
            cert_path=Path("client.p12"),
            cert_type="P12",
            key_path=Path("ignored.key"),
            password_env="P12_PASS",
        )
    )

    assert "--cert-type P12" in command.text
    assert '--pass "$P12_PASS"' in command.text
    assert "--key" not in command.argv
    assert command.password_placeholder == "$P12_PASS"
    assert any("$P12_PASS" in note for note in command.notes)


def test_build_curl_legacy_pkcs12_reexports_first() -> None:
    """A legacy PKCS#12 file gets the -legacy re-export step and the new file name."""
    original = Path("/certs/old.p12")
    command = build_curl(
        CurlInputs(
            host="h.example",
            cert_path=original,
            cert_type="P12",
            password_env="P12_PASS",
            pkcs12_legacy=True,
        )
    )

    new_file = str(reexported_pkcs12_path(original))
    assert command.argv[command.argv.index("--cert") + 1] == new_file
    assert "-legacy" in command.setup[0]
    assert "env:P12_PASS" in command.setup[0]
    assert new_file in command.setup[0]
    assert any("unsupported" in note for note in command.notes)


def test_build_curl_hop_address_differs_uses_connect_to() -> None:
    """A first hop at another address than the name gives --connect-to."""
    command = build_curl(
        CurlInputs(host="api.example.com", connect_host="10.0.0.5", connect_port=8443)
    )

    assert "--connect-to api.example.com:443:10.0.0.5:8443" in command.text


def test_build_curl_hop_same_as_target_has_no_connect_to() -> None:
    """A hop that is the target itself needs no --connect-to."""
    command = build_curl(
        CurlInputs(host="api.example.com", connect_host="API.example.com")
    )

    assert "--connect-to" not in command.argv


def test_build_curl_known_address_of_unresolved_name_uses_resolve() -> None:
    """A name that does not resolve, with a known IP, gives --resolve."""
    command = build_curl(
        CurlInputs(host="api.example.com", port=8443, resolve_address="192.0.2.7")
    )

    assert "--resolve api.example.com:8443:192.0.2.7" in command.text


def test_build_curl_ipv6_addresses_are_bracketed() -> None:
    """IPv6 literals are bracketed in the URL and in --connect-to."""
    command = build_curl(
        CurlInputs(host="::1", port=8443, server_name="localhost", connect_host="::1")
    )

    assert "localhost:8443:[::1]:8443" in command.argv
    assert command.argv[-1] == "https://localhost:8443/"

    literal = build_curl(CurlInputs(host="2001:db8::1", port=8443))
    assert literal.argv[-1] == "https://[2001:db8::1]:8443/"


def test_build_curl_sni_other_than_host_puts_name_in_url() -> None:
    """curl sends the URL's name as SNI, so the SNI name goes in the URL."""
    command = build_curl(
        CurlInputs(host="203.0.113.9", server_name="api.example.com", connect_host=None)
    )

    assert command.argv[-1] == "https://api.example.com/"
    assert "--connect-to" in command.argv


def test_build_curl_idn_host_in_ascii() -> None:
    """An internationalised name is written in its ASCII (punycode) form."""
    command = build_curl(CurlInputs(host="bücher.example"))

    assert command.argv[-1] == "https://xn--bcher-kva.example/"


def test_build_curl_untrusted_server_without_bundle_is_insecure_with_note() -> None:
    """An untrusted server and no CA bundle give --insecure and say why."""
    command = build_curl(CurlInputs(host="h.example", server_untrusted=True))

    assert "--insecure" in command.argv
    assert any("--cacert" in note for note in command.notes)


def test_build_curl_untrusted_server_with_bundle_is_not_insecure() -> None:
    """With a CA bundle, the command keeps checking the server."""
    command = build_curl(CurlInputs(host="h.example", server_untrusted=True, cacert=CA))

    assert "--insecure" not in command.argv


def test_build_curl_glob_characters_in_path_turn_globbing_off() -> None:
    """Brackets or braces in the path add --globoff."""
    command = build_curl(CurlInputs(host="h.example", path="/items[1]"))

    assert "--globoff" in command.argv


def test_build_curl_no_certificate_notes_it() -> None:
    """Without a certificate the command says what to add."""
    command = build_curl(CurlInputs(host="h.example"))

    assert any("--cert" in note for note in command.notes)


@pytest.mark.parametrize("name", ["1ABC", "A-B", "$X", "A B", ""])
def test_build_curl_bad_variable_name_raises_input_error(name: str) -> None:
    """A --password-env that is not a variable name is refused."""
    with pytest.raises(InputError, match="--password-env"):
        build_curl(CurlInputs(host="h.example", cert_path=CERT, password_env=name))


@dataclass(frozen=True)
class _Identity:
    cert_path: Path
    key_path: Path | None
    cert_format: str
    key_encrypted: bool
    pkcs12_legacy: bool = False


def test_curl_inputs_from_check_maps_pkcs12_identity() -> None:
    """A PKCS#12 identity and a hop address become P12 inputs with --connect-to."""
    inputs = CurlInputs.from_check(
        target=Target(host="api.example.com", sni="api.example.com"),
        connect_host="10.1.2.3",
        connect_port=443,
        identity=_Identity(Path("c.p12"), None, "pkcs12", True, pkcs12_legacy=True),
        password_env="PASS",
        cacert=CA,
    )

    command = build_curl(inputs)
    assert inputs.cert_type == "P12"
    assert inputs.pkcs12_legacy
    assert "--connect-to" in command.argv
    assert command.setup


def test_curl_inputs_from_check_no_sni_notes_curl_sends_one() -> None:
    """A check without SNI on a name says curl cannot do the same."""
    inputs = CurlInputs.from_check(target=Target(host="api.example.com", sni=None))

    assert any("no SNI" in note for note in build_curl(inputs).notes)


def test_build_curl_unknown_key_type_raises_input_error() -> None:
    """curl's --key-type takes PEM or DER only."""
    with pytest.raises(InputError, match="--key"):
        build_curl(CurlInputs(host="h.example", cert_path=CERT, key_type="P12"))


def test_build_curl_pkcs7_bundle_is_converted_to_pem_first() -> None:
    """A PKCS#7 certificate file gets a conversion step and the PEM it writes."""
    command = build_curl(
        CurlInputs(
            host="api.example.com",
            cert_path=Path("/certs/client.p7b"),
            key_path=Path("/certs/client.key"),
            pkcs7=True,
        )
    )
    assert command.setup == (
        "openssl pkcs7 -print_certs -in /certs/client.p7b -out /certs/client-certs.pem",
    )
    assert "/certs/client-certs.pem" in command.argv
    assert any("PKCS#7" in note for note in command.notes)


def test_build_curl_certificate_second_in_its_file_is_moved_first() -> None:
    """A PEM file whose second certificate is the client's gets a reordering step
    writing a copy with that certificate first, and the command uses the copy."""
    command = build_curl(
        CurlInputs(
            host="api.example.com",
            cert_path=Path("/certs/my chain.pem"),
            key_path=Path("/certs/client.key"),
            leaf_index=1,
        )
    )
    (step,) = command.setup
    assert step == (
        "awk '/-----BEGIN CERTIFICATE-----/{n++} n==0 || n==2' '/certs/my chain.pem' "
        "> '/certs/my chain-leaf-first.pem' && awk '/-----BEGIN CERTIFICATE-----/{n++} "
        "n>0 && n!=2' '/certs/my chain.pem' >> '/certs/my chain-leaf-first.pem'"
    )
    assert "/certs/my chain-leaf-first.pem" in command.argv
    assert any("certificate 2" in note for note in command.notes)
