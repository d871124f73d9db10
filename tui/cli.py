"""The `mtls-doctor` command line: parses arguments and hands each command its work."""

from __future__ import annotations

import argparse
import difflib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

COMMANDS = ("check", "inspect", "explain", "lab", "demo")

_DESCRIPTION = """\
Troubleshoot mutual TLS, hop by hop. Without a command, opens the guided
troubleshooter; with a URL and a certificate, it probes at once.

commands:
  check URL        the same checks without the UI; a report on stdout
  inspect FILE...  what is in certificate and key files, and what is wrong
  explain TEXT     what an error message or log field means
  lab [SCENARIO]   loopback servers that reproduce each failure (--list)
  demo [SCENARIO]  the lab and the troubleshooter pointed at it
"""


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit 2, and which
    takes no abbreviation: `--password x` must not pass for `--password-env x`."""

    def __init__(self, **options: object) -> None:
        super().__init__(allow_abbrev=False, **options)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(
            2, f"{self.prog}: {_without_values(message)} (see {self.prog} --help)\n"
        )


def _add_probe_options(parser: argparse.ArgumentParser) -> None:
    server_name = parser.add_mutually_exclusive_group()
    server_name.add_argument(
        "--sni", metavar="NAME", default="", help="server name to send"
    )
    server_name.add_argument(
        "--no-sni", action="store_true", help="send no server name"
    )
    parser.add_argument("--cert", metavar="FILE", default="", help="client certificate")
    parser.add_argument("--key", metavar="FILE", default="", help="private key file")
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        default="",
        help="environment variable holding the key or PKCS#12 passphrase",
    )
    parser.add_argument(
        "--cacert", metavar="FILE", default="", help="CA bundle to verify servers"
    )
    parser.add_argument(
        "--client-ca",
        metavar="FILE",
        default="",
        help="CAs the servers trust for client certificates",
    )
    parser.add_argument(
        "--hop",
        metavar="LABEL=HOST:PORT",
        action="append",
        default=[],
        help="one hop of the path, client side first (repeatable)",
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", default="5", help="bound on each network step"
    )


def _app_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="mtls-doctor",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", nargs="?", default="", metavar="URL")
    _add_probe_options(parser)
    return parser


_COMMAND_DESCRIPTIONS = {
    "check": "Probe every hop and print what is wrong, how to fix it and a curl "
    "command that works.",
    "inspect": "Say what certificate and key files hold and what is wrong with them.",
    "explain": "Say what an error message or log field means and which causes it "
    "points to; - reads the text from standard input.",
    "lab": "Serve loopback servers that reproduce a failure, until Ctrl-C.",
    "demo": "Start a lab scenario and open the troubleshooter on it.",
}
_EXIT_CODES = (
    "exit codes: 0 nothing wrong found, 1 a cause was found, 2 the input could not "
    "be used"
)


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=f"mtls-doctor {command}",
        description=_COMMAND_DESCRIPTIONS[command],
        epilog=_EXIT_CODES if command in ("check", "inspect", "explain") else None,
    )
    if command == "check":
        parser.add_argument("url", metavar="URL")
        _add_probe_options(parser)
        parser.add_argument("--json", action="store_true", help="the report as JSON")
        parser.add_argument(
            "--output",
            metavar="FILE",
            default="",
            help="also write the report to FILE: JSON if it ends in .json, else "
            "Markdown",
        )
    elif command == "inspect":
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--client-ca",
            metavar="FILE",
            default=None,
            help="the CAs the servers trust for client certificates: the chain is "
            "checked against them",
        )
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            default=None,
            help="environment variable holding the key or PKCS#12 passphrase",
        )
        parser.add_argument("--json", action="store_true", help="the findings as JSON")
    elif command == "explain":
        parser.add_argument("text", nargs="+", metavar="TEXT")
        parser.add_argument("--json", action="store_true", help="the meanings as JSON")
    elif command in ("lab", "demo"):
        parser.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO")
        parser.add_argument("--list", action="store_true", help="list the scenarios")
    return parser


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs a command, imported only when it is needed."""
    if command == "check":
        from tui.commands.check import run_check

        return run_check
    if command == "inspect":
        from tui.commands.inspect import run_inspect

        return run_inspect
    if command == "explain":
        from tui.commands.explain import run_explain

        return run_explain
    if command == "lab":
        from tui.commands.lab import run_lab

        return run_lab
    if command == "demo":
        from tui.commands.demo import run_demo

        return run_demo
    from tui.commands.troubleshoot import run_troubleshooter

    return run_troubleshooter


def _looks_like_a_command(url: str) -> bool:
    """A bare word such as `chek` or `help`: a mistyped command more often than a
    host name; a short host name can still be given as https://name."""
    return url.isalpha() and url.lower() != "localhost"


def _not_a_command(word: str) -> str:
    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (
        f"{word!r} is not a command; {hint}commands are {', '.join(COMMANDS)}; "
        f"for a host with that name, give https://{word}"
    )


_UNRECOGNIZED = "unrecognized arguments: "


def _without_values(message: str) -> str:
    """argparse's message with the values after unknown options left out: one may be a
    passphrase given to an option that does not exist (`-p s3cret`)."""
    if not message.startswith(_UNRECOGNIZED):
        return message
    words = message.removeprefix(_UNRECOGNIZED).split()
    options = [word for word in words if word.startswith("-")]
    if not options:
        return message
    hidden = len(words) - len(options)
    tail = (
        f" (and {hidden} value{'s' if hidden != 1 else ''} not shown)" if hidden else ""
    )
    return f"{_UNRECOGNIZED}{' '.join(options)}{tail}"


def _passphrase_given(args: Sequence[str]) -> bool:
    """Whether the command line tries to carry a passphrase itself (`--password`,
    `--pass=...`): any option beginning so, other than --password-env."""
    return any(
        a.startswith("--pass") and a.split("=", 1)[0] != "--password-env" for a in args
    )


def _interrupt_on_terminate(_signal_number: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM and SIGHUP (a closed terminal) into an interrupt, so `finally`
    blocks and atexit handlers run and no file holding a key is left behind."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if _passphrase_given(args_list):
        # said without the value: it is a secret
        sys.stderr.write(
            "mtls-doctor: a passphrase is never taken on the command line: "
            "`read -rs VAR && export VAR`, then give --password-env VAR\n"
        )
        return 2
    command = args_list[0] if args_list and args_list[0] in COMMANDS else ""
    if command:
        args = _command_parser(command).parse_args(args_list[1:])
    else:
        parser = _app_parser()
        first = args_list[0] if args_list else ""
        if _looks_like_a_command(first):
            parser.error(_not_a_command(first))
        args = parser.parse_args(args_list)

    from knowledge.errors import MtlsDoctorError

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt_on_terminate)
        signal.signal(signal.SIGHUP, _interrupt_on_terminate)
    try:
        return _handler(command)(args)
    except MtlsDoctorError as error:
        print(f"mtls-doctor: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mtls-doctor: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug must still not greet the person with a traceback
        if os.environ.get("MTLS_DOCTOR_DEBUG"):
            raise
        print(
            f"mtls-doctor: unexpected {type(error).__name__}; "
            "run again with MTLS_DOCTOR_DEBUG=1 to see where",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
