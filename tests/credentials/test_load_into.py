"""A loaded identity authenticates a real handshake and leaves no key file behind."""

from __future__ import annotations

import socket
import ssl
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from knowledge.errors import InputError
from tests.credentials.conftest import LEGACY_PASSWORD, CredentialFiles
from tests.pki import KEY_PASSWORD, P12_PASSWORD, PkiFiles
from wizards.credentials import ClientIdentity, load_client_identity


class _RecordingContext(ssl.SSLContext):
    """A client context that notes what the identity file looked like when loaded."""

    seen: dict[str, object]

    def load_cert_chain(self, certfile, keyfile=None, password=None):  # type: ignore[no-untyped-def,override]
        path = Path(certfile)
        self.seen = {
            "file_mode": stat.S_IMODE(path.stat().st_mode),
            "folder_mode": stat.S_IMODE(path.parent.stat().st_mode),
            "contents": path.read_text(),
            "password": password,
        }
        super().load_cert_chain(certfile, keyfile, password)


class _InterruptedContext(ssl.SSLContext):
    """A client context whose loading is interrupted, as by Ctrl-C."""

    def load_cert_chain(self, certfile, keyfile=None, password=None):  # type: ignore[no-untyped-def,override]
        raise KeyboardInterrupt


def _peer_subject_after_handshake(pki: PkiFiles, identity: ClientIdentity) -> str:
    """Handshake with a loopback server that requires a client certificate."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pki.server_cert, pki.server_key)
    server_context.verify_mode = ssl.CERT_REQUIRED
    server_context.load_verify_locations(pki.client_ca)
    client_context = ssl.create_default_context(cafile=str(pki.server_ca))
    identity.load_into(client_context)

    seen: dict[str, object] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _ = listener.accept()
            with server_context.wrap_socket(connection, server_side=True) as tls:
                seen["peer"] = tls.getpeercert()
                tls.sendall(b"ok")

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            assert tls.recv(2) == b"ok"
        server.join(timeout=5)

    peer = seen["peer"]
    assert isinstance(peer, dict)
    return str(peer["subject"])


@pytest.mark.parametrize(
    ("cert", "key", "password"),
    [
        ("client_cert", "client_key", None),
        ("client_cert", "client_key_encrypted", KEY_PASSWORD),
        ("client_der", "client_key_der", None),
        ("client_p12", None, P12_PASSWORD),
    ],
)
def test_load_into_client_certificate_reaches_the_server(
    pki: PkiFiles, cert: str, key: str | None, password: str | None
) -> None:
    """A server requiring client certificates sees the loaded one in each format."""
    identity = load_client_identity(
        getattr(pki, cert), getattr(pki, key) if key else None, password
    )
    assert "test client" in _peer_subject_after_handshake(pki, identity)


def test_load_into_legacy_pkcs12_loads_into_openssl_3(creds: CredentialFiles) -> None:
    """An RC2 PKCS#12, which OpenSSL 3 cannot open, still loads once re-encoded."""
    identity = load_client_identity(creds.legacy_p12, None, LEGACY_PASSWORD)
    identity.load_into(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


def test_load_into_file_is_private_encrypted_and_removed(
    pki: PkiFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file is 0600 in a 0700 folder, encrypted, and gone afterwards."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    identity = load_client_identity(
        pki.client_cert, pki.client_key_encrypted, KEY_PASSWORD
    )
    context = _RecordingContext(ssl.PROTOCOL_TLS_CLIENT)
    identity.load_into(context)

    assert context.seen["file_mode"] == 0o600
    assert context.seen["folder_mode"] == 0o700
    assert "Proc-Type: 4,ENCRYPTED" in str(context.seen["contents"])
    assert context.seen["password"] != KEY_PASSWORD
    assert list(tmp_path.iterdir()) == []


def test_load_into_interrupted_load_still_removes_file(
    pki: PkiFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt during loading still removes the temporary folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    identity = load_client_identity(pki.client_combined, None, None)
    with pytest.raises(KeyboardInterrupt):
        identity.load_into(_InterruptedContext(ssl.PROTOCOL_TLS_CLIENT))
    assert list(tmp_path.iterdir()) == []


def test_load_into_mismatched_key_raises_input_error(
    pki: PkiFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key of another certificate raises a one-line client-key-mismatch error."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    identity = load_client_identity(pki.client_cert, pki.untrusted_client_key, None)
    with pytest.raises(InputError, match="client-key-mismatch") as raised:
        identity.load_into(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    assert raised.value.field == "--key"
    assert list(tmp_path.iterdir()) == []


def test_load_into_small_rsa_key_raises_openssl_reason(creds: CredentialFiles) -> None:
    """A 1024-bit RSA key is refused with OpenSSL's 'ee key too small'."""
    identity = load_client_identity(creds.small_rsa, None, None)
    with pytest.raises(InputError, match="ee key too small"):
        identity.load_into(ssl.create_default_context())


def test_client_identity_repr_holds_no_key_material(pki: PkiFiles) -> None:
    """The identity's repr names files but holds no private key."""
    identity = load_client_identity(
        pki.client_cert, pki.client_key_encrypted, KEY_PASSWORD
    )
    text = repr(identity)
    assert "private_key" not in text
    assert KEY_PASSWORD not in text


def test_facts_against_client_ca_and_server_names(pki: PkiFiles) -> None:
    """facts() checks the chain against --client-ca and the issuer against names."""
    identity = load_client_identity(pki.client_combined, None, None)
    facts = identity.facts(["CN=Somebody Else"], pki.client_ca)
    assert facts.causes == ("issuer-not-advertised",)
    assert facts.key_file is None
    assert facts.cert_format == "pem"


@pytest.mark.parametrize(
    ("cert", "key", "password", "subject"),
    [
        ("ed25519", None, None, "edwards client"),
        ("rsa_traditional", "rsa_proc_type_key", KEY_PASSWORD, "rsa client"),
    ],
)
def test_load_into_ed25519_and_rsa_keys_reach_the_server(
    pki: PkiFiles,
    creds: CredentialFiles,
    cert: str,
    key: str | None,
    password: str | None,
    subject: str,
) -> None:
    """Ed25519 (written as PKCS#8) and RSA (traditional PEM) keys both load."""
    identity = load_client_identity(
        getattr(creds, cert), getattr(creds, key) if key else None, password
    )
    assert subject in _peer_subject_after_handshake(pki, identity)
