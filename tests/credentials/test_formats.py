"""Every file format is recognised from its content and loads into a client identity."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.errors import InputError
from tests.credentials.conftest import LEGACY_PASSWORD, CredentialFiles
from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles
from wizards.answers import read_password
from wizards.credentials import (
    MAX_FILE_BYTES,
    UnreadableKeyError,
    load_ca_certificates,
    load_client_identity,
    read_credential_file,
)


def test_load_client_identity_pem_pair_reads_certificate_and_key(pki: PkiFiles) -> None:
    """A PEM certificate with a separate PEM key loads, the key file remembered."""
    identity = load_client_identity(pki.client_cert, pki.client_key, None)
    assert identity.cert_format == "pem"
    assert identity.key_path == pki.client_key
    assert identity.chain == ()
    assert not identity.key_encrypted


def test_load_client_identity_combined_pem_has_no_key_path(pki: PkiFiles) -> None:
    """A PEM holding certificate and key loads with key_path None."""
    identity = load_client_identity(pki.client_combined, None, None)
    assert identity.key_path is None
    assert identity.cert_format == "pem"


def test_load_client_identity_der_pair_is_detected_from_content(pki: PkiFiles) -> None:
    """A DER certificate and DER key load, both recognised as DER."""
    identity = load_client_identity(pki.client_der, pki.client_key_der, None)
    assert (identity.cert_format, identity.key_format) == ("der", "der")


def test_load_client_identity_pkcs12_with_passphrase_is_encrypted(
    pki: PkiFiles,
) -> None:
    """A modern PKCS#12 file opens with its passphrase and is not legacy."""
    identity = load_client_identity(pki.client_p12, None, P12_PASSWORD)
    assert identity.cert_format == "pkcs12"
    assert identity.key_encrypted
    assert not identity.pkcs12_legacy


def test_load_client_identity_legacy_pkcs12_is_flagged(creds: CredentialFiles) -> None:
    """An RC2-40 PKCS#12 written by `openssl -legacy` opens and is marked legacy."""
    identity = load_client_identity(creds.legacy_p12, None, LEGACY_PASSWORD)
    assert identity.pkcs12_legacy
    assert "pbeWithSHA1And40BitRC2-CBC" in identity.pkcs12_encryption


def test_load_client_identity_triple_des_pkcs12_is_not_legacy(
    creds: CredentialFiles,
) -> None:
    """A 3DES PKCS#12 opens and is not legacy: OpenSSL 3 reads it by default."""
    identity = load_client_identity(creds.triple_des_p12, None, LEGACY_PASSWORD)
    assert not identity.pkcs12_legacy


def test_load_client_identity_encrypted_pkcs8_opens_with_passphrase(
    pki: PkiFiles,
) -> None:
    """An encrypted PKCS#8 key opens with the right passphrase."""
    identity = load_client_identity(
        pki.client_cert, pki.client_key_encrypted, KEY_PASSWORD
    )
    assert identity.key_encrypted


def test_load_client_identity_proc_type_key_opens_with_passphrase(
    creds: CredentialFiles,
) -> None:
    """A traditional RSA key encrypted with a Proc-Type header opens."""
    identity = load_client_identity(
        creds.rsa_traditional, creds.rsa_proc_type_key, KEY_PASSWORD
    )
    assert identity.key_encrypted
    assert identity.private_key.key_size == 2048  # type: ignore[union-attr]


def test_load_client_identity_encrypted_der_key_opens_with_passphrase(
    creds: CredentialFiles,
) -> None:
    """An encrypted PKCS#8 key in DER opens with the right passphrase."""
    identity = load_client_identity(
        creds.ec_traditional_key, creds.encrypted_der_key, KEY_PASSWORD
    )
    assert identity.key_encrypted
    assert identity.key_format == "der"


@pytest.mark.parametrize("name", ["ec_traditional_key", "ed25519", "key_then_cert"])
def test_load_client_identity_other_pem_layouts_load(
    creds: CredentialFiles, name: str
) -> None:
    """Traditional EC keys, Ed25519 keys and a key before its certificate all load."""
    identity = load_client_identity(getattr(creds, name), None, None)
    assert identity.leaf_index == 0


def test_load_client_identity_wrong_order_puts_leaf_first(
    creds: CredentialFiles,
) -> None:
    """The certificate the key belongs to becomes the leaf, wherever it stood."""
    identity = load_client_identity(creds.chain_wrong_order, None, None)
    assert identity.leaf_index == 1
    assert "chain client" in identity.certificate.subject.rfc4514_string()
    assert len(identity.chain) == 1


@pytest.mark.parametrize("name", ["chain_pkcs7_pem", "chain_pkcs7_der"])
def test_read_credential_file_pkcs7_bundle_yields_its_certificates(
    creds: CredentialFiles, name: str
) -> None:
    """PKCS#7 bundles in PEM and DER give their certificates."""
    contents = read_credential_file(getattr(creds, name), None, field="--cert")
    assert len(contents.certificates) == 2


def test_load_client_identity_pkcs7_with_key_loads_chain(
    creds: CredentialFiles,
) -> None:
    """A PKCS#7 chain with a separate key loads with the intermediate as chain."""
    identity = load_client_identity(creds.chain_pkcs7_der, creds.chain_key, None)
    assert len(identity.chain) == 1


def test_load_client_identity_wrong_passphrase_names_the_variable(
    pki: PkiFiles,
) -> None:
    """A wrong passphrase raises client-key-unreadable naming the variable, not it."""
    with pytest.raises(UnreadableKeyError) as raised:
        load_client_identity(
            pki.client_cert, pki.client_key_encrypted, "not it", "MY_PASS"
        )
    assert raised.value.field == "--password-env"
    assert raised.value.finding.id == "client-key-unreadable"
    assert "$MY_PASS" in str(raised.value)
    assert "not it" not in str(raised.value)


@pytest.mark.parametrize("key", ["pkcs8", "proc_type", "pkcs12"])
def test_load_client_identity_empty_passphrase_says_the_variable_is_empty(
    pki: PkiFiles, creds: CredentialFiles, key: str
) -> None:
    """An empty passphrase variable is named as empty, for every encrypted format."""
    cert, key_path = {
        "pkcs8": (pki.client_cert, pki.client_key_encrypted),
        "proc_type": (creds.rsa_traditional, creds.rsa_proc_type_key),
        "pkcs12": (pki.client_p12, None),
    }[key]
    with pytest.raises(UnreadableKeyError) as raised:
        load_client_identity(cert, key_path, "", "MY_PASS")
    assert raised.value.field == "--password-env"
    assert raised.value.finding.id == "client-key-unreadable"
    assert "$MY_PASS is empty" in str(raised.value)


def test_load_client_identity_no_passphrase_for_pkcs12_asks_for_one(
    pki: PkiFiles,
) -> None:
    """An encrypted PKCS#12 without passphrase says to use --password-env."""
    with pytest.raises(UnreadableKeyError) as raised:
        load_client_identity(pki.client_p12, None, None)
    assert "--password-env" in str(raised.value)


def test_load_client_identity_key_as_certificate_says_swap(pki: PkiFiles) -> None:
    """A key file given as the certificate names --cert and --key."""
    with pytest.raises(InputError) as raised:
        load_client_identity(pki.client_key, None, None)
    assert raised.value.field == "--cert"
    assert "--key" in str(raised.value)


def test_load_client_identity_certificate_without_key_asks_for_key(
    pki: PkiFiles,
) -> None:
    """A certificate alone with no --key asks for the key file."""
    with pytest.raises(InputError) as raised:
        load_client_identity(pki.client_cert, None, None)
    assert raised.value.field == "--key"


def test_load_client_identity_pkcs12_as_key_is_detected(pki: PkiFiles) -> None:
    """A PKCS#12 file given where a PEM key was expected still gives its key."""
    identity = load_client_identity(pki.client_cert, pki.client_p12, P12_PASSWORD)
    assert identity.key_format == "pkcs12"


BAD_FILES = [
    ("empty", "is empty"),
    ("blank", "is empty"),
    ("garbage", "neither PEM, DER, PKCS#12 nor PKCS#7"),
    ("text", "no PEM block"),
    ("csr", "certificate signing request"),
    ("huge", "MiB"),
    ("folder", "is a folder"),
    ("missing", "does not exist"),
]


@pytest.mark.parametrize(("name", "words"), BAD_FILES)
def test_load_client_identity_bad_file_raises_one_line(
    creds: CredentialFiles, name: str, words: str
) -> None:
    """Each unusable certificate file raises one line naming --cert and the file."""
    path = getattr(creds, name)
    with pytest.raises(InputError) as raised:
        load_client_identity(path, None, None)
    message = str(raised.value)
    assert message.startswith(f"--cert: {path}")
    assert words in message
    assert "\n" not in message


# root reads any file: without the two capabilities that let it, it reads as others do
_WITHOUT_READ_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def test_inspect_unreadable_file_exits_2_saying_permission(
    pki: PkiFiles, tmp_path: Path
) -> None:
    """A file its user may not read exits 2 with one line saying so (as root, the
    command runs without the capabilities that let root read any file)."""
    unreadable = tmp_path / "client.pem"
    unreadable.write_bytes(pki.client_cert.read_bytes())
    unreadable.chmod(0)
    prefix = _WITHOUT_READ_OVERRIDE if os.geteuid() == 0 else []

    completed = subprocess.run(
        [*prefix, sys.executable, "-m", "tui.cli", "inspect", str(unreadable)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )

    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.count("\n") == 1
    assert str(unreadable) in completed.stderr
    assert "permission denied" in completed.stderr


def test_read_credential_file_huge_file_is_refused_before_reading(
    creds: CredentialFiles,
) -> None:
    """A 50 MB file is refused from its size, above the cap."""
    assert creds.huge.stat().st_size > MAX_FILE_BYTES
    with pytest.raises(InputError, match="50.0 MiB"):
        read_credential_file(creds.huge, None, field="--cert")


def test_read_credential_file_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe is refused as not a regular file instead of blocking on read."""
    fifo = tmp_path / "pipe.pem"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_credential_file(fifo, None, field="--cert")


def test_load_ca_certificates_pkcs12_says_how_to_export(pki: PkiFiles) -> None:
    """A PKCS#12 given as --client-ca says how to export the CA certificates."""
    with pytest.raises(InputError, match="-cacerts") as raised:
        load_ca_certificates(pki.client_p12)
    assert raised.value.field == "--client-ca"


def test_read_password_unset_variable_says_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unset variable raises the --password-env error with `export VAR=`."""
    monkeypatch.delenv("MTLS_TEST_UNSET", raising=False)
    with pytest.raises(InputError, match="export MTLS_TEST_UNSET=") as raised:
        read_password("MTLS_TEST_UNSET", os.environ)
    assert raised.value.field == "--password-env"


def test_read_password_passphrase_given_instead_is_not_echoed() -> None:
    """A passphrase typed where the variable name goes is never repeated back."""
    with pytest.raises(InputError) as raised:
        read_password("s3cret pass!", os.environ)
    assert "s3cret" not in str(raised.value)


def test_read_password_set_variable_returns_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A set variable gives its value."""
    monkeypatch.setenv("MTLS_TEST_SET", "value")
    assert read_password("MTLS_TEST_SET", os.environ) == "value"
