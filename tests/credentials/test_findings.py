"""The pure analysis of certificates and keys says what is wrong, with the cause id."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from knowledge.causes import CAUSE_IDS as catalogue_ids
from knowledge.certificate_findings import (
    CAUSE_IDS,
    Severity,
    assess_identity,
    choose_leaf,
    issuer_advertised,
    pkcs12_encryption_algorithms,
    pkcs12_legacy,
    sha256_fingerprint,
)
from knowledge.curl import reexport_pkcs12_command
from tests.credentials.conftest import LEGACY_PASSWORD, CredentialFiles
from tests.pki import PkiFiles
from wizards.credentials import load_client_identity


def _certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def _key(path: Path) -> serialization.PrivateKeyTypes:  # type: ignore[name-defined]
    return serialization.load_pem_private_key(path.read_bytes(), None)


def test_sha256_fingerprint_matches_openssl_in_cloudflare_form(pki: PkiFiles) -> None:
    """The fingerprint is OpenSSL's SHA-256 in lowercase hex without colons."""
    printed = subprocess.run(
        [
            "openssl",
            "x509",
            "-in",
            str(pki.client_cert),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = printed.split("=", 1)[1].strip().replace(":", "").lower()
    fingerprint = sha256_fingerprint(_certificates(pki.client_cert)[0])
    assert fingerprint == expected
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)


def test_assess_identity_good_pair_has_no_cause_and_reference_facts(
    pki: PkiFiles,
) -> None:
    """A good certificate and key give no cause, and subject, SANs and key type."""
    facts = assess_identity(
        _certificates(pki.client_cert)[0],
        private_key=_key(pki.client_key),
        cert_file="client.pem",
        trusted_cas=_certificates(pki.client_ca),
    )
    assert facts.causes == ()
    assert "CN=test client" in facts.subject
    assert facts.subject_alt_names == ("DNS:client.test",)
    assert facts.key_type == "EC secp256r1"
    assert facts.days_left > 30
    assert "client-chain-trusted" in {f.id for f in facts.findings}


def test_assess_identity_mismatched_key_is_client_key_mismatch(pki: PkiFiles) -> None:
    """A key from another certificate gives client-key-mismatch."""
    facts = assess_identity(
        _certificates(pki.client_cert)[0],
        private_key=_key(pki.untrusted_client_key),
        cert_file="client.pem",
        key_file="stranger.key",
    )
    assert "client-key-mismatch" in facts.causes


def test_assess_identity_expiry_counts_days_from_now(pki: PkiFiles) -> None:
    """An assessment dated after notAfter gives client-cert-expired with the days."""
    certificate = _certificates(pki.client_cert)[0]
    later = certificate.not_valid_after_utc + dt.timedelta(days=3)
    facts = assess_identity(certificate, cert_file="client.pem", now=later)
    expired = [f for f in facts.findings if f.id == "client-cert-expired"]
    assert expired and "3 days ago" in expired[0].message
    assert facts.days_left == -3


def test_assess_identity_within_thirty_days_warns_without_cause(
    pki: PkiFiles,
) -> None:
    """Twenty days before notAfter there is a warning that is no cause."""
    certificate = _certificates(pki.client_cert)[0]
    before = certificate.not_valid_after_utc - dt.timedelta(days=20, hours=1)
    facts = assess_identity(certificate, cert_file="client.pem", now=before)
    soon = [f for f in facts.findings if f.id == "client-cert-expires-soon"]
    assert soon and soon[0].severity is Severity.WARNING
    assert "20 days" in soon[0].message
    assert facts.causes == ()


def test_assess_identity_before_not_before_is_not_yet_valid(pki: PkiFiles) -> None:
    """An assessment dated before notBefore gives client-cert-not-yet-valid."""
    certificate = _certificates(pki.client_cert)[0]
    earlier = certificate.not_valid_before_utc - dt.timedelta(hours=5)
    facts = assess_identity(certificate, cert_file="client.pem", now=earlier)
    assert facts.causes == ("client-cert-not-yet-valid",)


def test_issuer_advertised_compares_names_without_case_or_spacing() -> None:
    """Names differing only in case and spaces match; an empty list accepts all."""
    assert issuer_advertised("CN=Client  CA,O=Example", ["cn=client ca,o=example"])
    assert not issuer_advertised("CN=Client CA,O=Example", ["CN=Other CA,O=Example"])
    assert issuer_advertised("CN=Anything", [])


def test_issuer_advertised_accepts_any_issuer_of_the_chain() -> None:
    """A root named by the server counts when the leaf comes from its intermediate."""
    chain_issuers = ["CN=Intermediate", "CN=Root"]
    assert issuer_advertised(chain_issuers, ["CN=Root"])


def test_assess_identity_unadvertised_issuer_names_clients_that_send_nothing(
    pki: PkiFiles,
) -> None:
    """An issuer missing from the server's CA names gives issuer-not-advertised."""
    facts = assess_identity(
        _certificates(pki.client_cert)[0],
        private_key=_key(pki.client_key),
        cert_file="client.pem",
        acceptable_ca_names=["CN=Somebody Else CA"],
    )
    finding = next(f for f in facts.findings if f.id == "issuer-not-advertised")
    for client in ("Java", "Go", "browsers", "curl"):
        assert client in finding.message
    assert not facts.issuer_advertised(["CN=Somebody Else CA"])


def test_assess_identity_advertised_issuer_gives_no_finding(pki: PkiFiles) -> None:
    """The server naming the certificate's issuer gives no issuer finding."""
    certificate = _certificates(pki.client_cert)[0]
    facts = assess_identity(
        certificate,
        cert_file="client.pem",
        acceptable_ca_names=[certificate.issuer.rfc4514_string()],
    )
    assert "issuer-not-advertised" not in facts.causes


def test_choose_leaf_without_key_picks_certificate_that_issued_nothing(
    creds: CredentialFiles,
) -> None:
    """Without a key, the certificate that issued none of the others is the leaf."""
    intermediate_first = _certificates(creds.chain_wrong_order)
    assert choose_leaf(intermediate_first, None) == 1


def test_pkcs12_encryption_algorithms_tell_legacy_from_modern(
    creds: CredentialFiles, pki: PkiFiles
) -> None:
    """RC2-40 is legacy, 3DES and AES-256 are not, read without any password."""
    legacy = pkcs12_encryption_algorithms(creds.legacy_p12.read_bytes())
    triple_des = pkcs12_encryption_algorithms(creds.triple_des_p12.read_bytes())
    modern = pkcs12_encryption_algorithms(pki.client_p12.read_bytes())
    assert pkcs12_legacy(legacy) == ("pbeWithSHA1And40BitRC2-CBC",)
    assert triple_des and not pkcs12_legacy(triple_des)
    assert modern == ("PBES2 AES-256-CBC",)


def test_reexport_command_makes_a_modern_pkcs12(
    creds: CredentialFiles, tmp_path: Path
) -> None:
    """The suggested re-export, run with the passphrase in a variable, drops RC2 and
    leaves no middle file."""
    legacy = tmp_path / "old.p12"
    legacy.write_bytes(creds.legacy_p12.read_bytes())
    command = reexport_pkcs12_command(legacy, "P12PASS")
    subprocess.run(
        command,
        shell=True,
        check=True,
        capture_output=True,
        env={**os.environ, "P12PASS": LEGACY_PASSWORD},
    )
    modern = tmp_path / "old-reexported.p12"
    assert not pkcs12_legacy(pkcs12_encryption_algorithms(modern.read_bytes()))
    assert sorted(tmp_path.iterdir()) == sorted([legacy, modern])
    assert not load_client_identity(modern, None, LEGACY_PASSWORD).pkcs12_legacy


def test_cause_ids_are_those_of_the_catalogue_and_the_readme() -> None:
    """Every cause id a finding can carry is a cause of the catalogue (the contract's
    list) and of the README's table."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert set(catalogue_ids) >= CAUSE_IDS
    assert all(f"`{cause}`" in readme for cause in catalogue_ids)
