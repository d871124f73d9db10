"""Messages shown beside the app's fields name its fields, not command-line options."""

from __future__ import annotations

import pytest

from tui.screens.base import inline_message


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "--key: x.pem holds no private key: give its key file with --key",
            "x.pem holds no private key: give its key file with the Private key field",
        ),
        (
            "--password-env: the key is encrypted: name it with --password-env VAR",
            "the key is encrypted: name it with the Passphrase var field (or type it "
            "under Passphrase)",
        ),
        (
            "--password-env: FOO is not set; export FOO=... before running",
            "FOO is not set; export FOO=... and start mtls-doctor again, or type it "
            "under Passphrase",
        ),
        ("URL: 'x' is not a valid URL", "'x' is not a valid URL"),
        ("give the CAs with --client-ca FILE", "give the CAs with the Client CA field"),
        ("curl needs --cert-type P12", "curl needs --cert-type P12"),
    ],
)
def test_inline_message_names_the_apps_fields(message: str, shown: str) -> None:
    """The option in front goes; options in the text become the fields' labels."""
    assert inline_message(message) == shown
