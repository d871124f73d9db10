"""Child process: start an app headless, print one line once its first screen is up."""

from __future__ import annotations

import asyncio
import sys


def _minimal_app() -> object:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class MinimalApp(App[None]):
        """The smallest app with a screen to show: one line of text."""

        def compose(self) -> ComposeResult:
            yield Static("mtls-doctor benchmark")

    return MinimalApp()


def _mtls_doctor_app() -> object:
    # The path `mtls-doctor` without arguments takes: the command line, then the app.
    import tui.cli  # noqa: F401
    import tui.commands.troubleshoot  # noqa: F401
    from tui.app import MtlsDoctorApp
    from wizards.answers import Answers

    return MtlsDoctorApp(Answers(), autostart=False)


async def _until_first_screen(app: object) -> None:
    async with app.run_test():  # type: ignore[attr-defined]
        print("first screen mounted", flush=True)


def main(kind: str) -> None:
    """KIND is `minimal` or `app`."""
    app = _minimal_app() if kind == "minimal" else _mtls_doctor_app()
    asyncio.run(_until_first_screen(app))


if __name__ == "__main__":
    main(sys.argv[1])
