"""The error tree every layer raises for things a person can act on.

MtlsDoctorError
 +-- InputError        an answer, option or file that cannot be used (exit 2)
"""

from __future__ import annotations


class MtlsDoctorError(Exception):
    """An error with a one-line message meant for the person, never a traceback."""

    def __init__(self, message: str, title: str = "mtls-doctor") -> None:
        super().__init__(message)
        self.title = title
        self.message = message


class InputError(MtlsDoctorError):
    """An answer that cannot be used; `field` names the option or form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", title="Input")
        self.field = field
