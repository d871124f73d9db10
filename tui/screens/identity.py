"""Step 3: the client certificate, key and passphrase, and the CA files; what is in the
files is shown as soon as they are chosen."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from knowledge.errors import InputError, MtlsDoctorError
from tui.screens.base import StepScreen, field_of, inline_message
from tui.widgets.form_field import FormField
from wizards.answers import Answers, existing_file, read_password

if TYPE_CHECKING:
    from knowledge.certificate_findings import IdentityFacts


logger = logging.getLogger(__name__)

INSPECT_DELAY = 0.4
_SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "·"}


class IdentityInspected(Message):
    """The certificate and key files were read; here is what they hold."""

    def __init__(self, facts: IdentityFacts) -> None:
        super().__init__()
        self.facts = facts


class IdentityRejected(Message):
    """The files could not be used; the error names the field to fix."""

    def __init__(self, error: MtlsDoctorError) -> None:
        super().__init__()
        self.error = error


class IdentityScreen(StepScreen):
    """Where the person names the files the client presents and trusts."""

    STEP = "identity"
    HEADING = "Which client certificate does the client present?"
    INTRO = (
        "PEM, DER or PKCS#12, detected from the content. Leave the certificate empty "
        "to see what the servers ask for without one."
    )

    def compose_step(self) -> ComposeResult:
        yield FormField("cert", "Certificate", placeholder="client.crt, client.p12")
        yield FormField(
            "key",
            "Private key",
            placeholder="client.key (empty if the file above has it)",
        )
        yield FormField(
            "password_env",
            "Passphrase var",
            placeholder="CLIENT_KEY_PASS",
            hint="An environment variable holding the key or PKCS#12 passphrase...",
        )
        yield FormField(
            "password",
            "Passphrase",
            placeholder="...or type it here (never saved or shown)",
            password=True,
        )
        yield FormField(
            "cacert",
            "Server CA",
            placeholder="ca.pem to verify servers (empty: system's)",
        )
        yield FormField(
            "client_ca",
            "Client CA",
            placeholder="the CAs the servers trust for clients, if you have them",
        )
        yield Static("Findings", classes="section-heading")
        yield Static("No certificate chosen.", id="findings", markup=False)

    def on_mount(self) -> None:
        self._inspect_timer: Timer | None = None

    def load_answers(self) -> None:
        super().load_answers()
        self._inspect_soon()

    @on(Input.Changed, ".field-input")
    def _file_changed(self) -> None:
        self.save_answers()
        self._inspect_soon()

    def _inspect_soon(self) -> None:
        """Read the files once the person stops typing for a moment."""
        if self._inspect_timer is not None:
            self._inspect_timer.stop()
        self._inspect_timer = self.set_timer(INSPECT_DELAY, self._inspect)

    def _inspect(self) -> None:
        findings = self.query_one("#findings", Static)
        if not self.answers.cert.strip():
            self.show_field_errors(self.own_field_errors(), focus=False)
            findings.update("No certificate chosen: the probe goes without one.")
            return
        findings.update("Reading the files...")
        self._read_identity(replace(self.answers), dict(self.doctor.environ))

    @work(thread=True, exclusive=True, group="identity", exit_on_error=False)
    def _read_identity(self, answers: Answers, environ: Mapping[str, str]) -> None:
        """Load the files in a thread: PKCS#12 and encrypted keys take a moment."""
        outcome = _checked_identity(answers, environ)
        message: Message = (
            IdentityRejected(outcome)
            if isinstance(outcome, MtlsDoctorError)
            else IdentityInspected(outcome)
        )
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_identity_inspected(self, event: IdentityInspected) -> None:
        self.show_field_errors(self.own_field_errors(), focus=False)
        self.query_one("#findings", Static).update(describe_identity(event.facts))

    def on_identity_rejected(self, event: IdentityRejected) -> None:
        self._show_rejection(event.error, focus=False)

    def validate(self) -> bool:
        """Besides each field's own check, the files must load together, as the probe
        will load them: a key given as the certificate stops here, not at Run."""
        errors = self.own_field_errors()
        if self.answers.cert.strip() and not _IDENTITY_FIELDS & errors.keys():
            outcome = _checked_identity(self.answers, self.doctor.environ)
            if isinstance(outcome, MtlsDoctorError):
                self._show_rejection(outcome, focus=True)
                return False
        self.show_field_errors(errors)
        return not errors

    def _show_rejection(self, error: MtlsDoctorError, focus: bool) -> None:
        """The files' problem beside its field, with every other field's problem too."""
        errors = self.own_field_errors()
        errors.setdefault(field_of(error, self.answers), error.message)
        self.show_field_errors(errors, focus=focus)
        self.query_one("#findings", Static).update(f"✗ {inline_message(error.message)}")


def describe_identity(facts: IdentityFacts) -> str:
    """What the files hold, then each finding marked by its severity."""
    lines = [
        f"subject  {facts.subject}",
        f"issuer   {facts.issuer}",
        f"format   {facts.cert_format}   sha256 {facts.sha256_fingerprint}",
    ]
    if not facts.findings:
        lines.append("✓ nothing wrong found in the files")
    for finding in facts.findings:
        mark = _SEVERITY_MARKS.get(str(finding.severity), "·")
        lines.append(f"{mark} {finding.id}: {inline_message(finding.message)}")
    return "\n".join(lines)


_IDENTITY_FIELDS = frozenset({"cert", "key", "password_env", "password"})
"""The fields whose own problem already says why the files cannot be loaded."""


def _checked_identity(
    answers: Answers, environ: Mapping[str, str]
) -> IdentityFacts | MtlsDoctorError:
    """What the files hold, or why they cannot be used, as the probe would load them."""
    try:
        return _load_facts(answers, environ)
    except MtlsDoctorError as error:
        return error
    except Exception as error:  # a file no parser expects must not end the app
        logger.info("reading the client identity failed: %s", type(error).__name__)
        return InputError("--cert", f"cannot read it ({type(error).__name__})")


def _load_facts(answers: Answers, environ: Mapping[str, str]) -> IdentityFacts:
    cert = existing_file(answers.cert, "--cert")
    key = existing_file(answers.key, "--key")
    client_ca = existing_file(answers.client_ca, "--client-ca")
    password = answers.password or read_password(answers.password_env, environ)
    if cert is None:
        raise InputError("--cert", "choose the certificate file")
    from wizards.credentials import load_client_identity

    identity = load_client_identity(
        cert, key, password, answers.password_env.strip() or None
    )
    return identity.facts((), client_ca)
