"""The troubleshooter driven with the Pilot, against lab servers on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import random
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from textual import events
from textual.pilot import OutOfBounds, Pilot
from textual.widgets import Button, Footer, Input, Select, TextArea

from knowledge.errors import InputError
from tests.app.diagnosis_result import EDGE_URL, show_edge_diagnosis
from tests.pki import KEY_PASSWORD, PkiFiles
from tui.app import MtlsDoctorApp
from tui.screens.base import StepScreen
from tui.screens.export import ExportDialog
from tui.screens.identity import INSPECT_DELAY
from tui.steps import STEP_NAMES
from tui.widgets.cause_view import CauseView
from tui.widgets.form_field import FormField
from tui.widgets.hop_list import HopList
from wizards.answers import Answers, build_request
from wizards.lab import RunningLab, start_lab

SIZE = (120, 40)
WAIT_SECONDS = 20.0


@pytest.fixture
def required_lab() -> Iterator[RunningLab]:
    """A loopback server that requires a client certificate."""
    with start_lab("required") as lab:
        yield lab


async def wait_until(
    pilot: Pilot[int], condition: Callable[[], bool], seconds: float = WAIT_SECONDS
) -> None:
    """Let the app run until the condition holds; fail after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            step = cast(MtlsDoctorApp, pilot.app).step
            pytest.fail(f"still waiting after {seconds} s on step {step}")
        await pilot.pause(0.05)


def field(app: MtlsDoctorApp, name: str) -> FormField:
    return app.screen.query_one(f"#field-{name}", FormField)


def field_error(app: MtlsDoctorApp, name: str) -> str:
    """The message beside a field; empty also while the step is still being built."""
    errors = app.screen.query(f"#field-{name} .field-error")
    return str(errors.first().render()) if errors else ""


async def type_into(pilot: Pilot[int], name: str, text: str) -> None:
    """Replace a field's text as a paste would: click, clear, paste, one key more."""
    await pilot.click(f"#input-{name}")
    text_input = field(cast(MtlsDoctorApp, pilot.app), name).input
    text_input.value = text[:-1]
    text_input.action_end()
    await pilot.press(text[-1])


def screen_text(app: MtlsDoctorApp) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_app_autostart_on_required_server_shows_cause_id(
    required_lab: RunningLab,
) -> None:
    """Launched with a URL and no certificate, the app probes and names the cause."""
    answers = Answers(url=required_lab.url, cacert=str(required_lab.ca), timeout="3")
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "diagnosis")
        await pilot.pause()

        assert app.screen.query(".cause-client-cert-not-sent")
        assert "client-cert-not-sent" in screen_text(app)
        await pilot.press("c")
        assert app.result is not None and app.result.curl is not None
        assert app.clipboard == app.result.curl.text


async def test_diagnosis_with_same_cause_on_two_hops_shows_it_twice() -> None:
    """Two closed hops both give hop-unreachable, each shown with its hop."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        closed = listener.getsockname()[1]
    hops = [f"edge=127.0.0.1:{closed}", f"origin=127.0.0.1:{closed}"]
    answers = Answers(url=f"https://localhost:{closed}/", hops=hops, timeout="2")
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "diagnosis")
        await pilot.pause()

        assert len(app.screen.query(".cause-hop-unreachable")) == 2
        assert "hop-unreachable" in screen_text(app)


async def test_diagnosis_steps_and_snippets_are_reached_by_scrolling_the_page() -> None:
    """Every part of an opened cause, its steps and snippets too, lies on the page
    that scrolls, not in a box that clips them."""
    app = MtlsDoctorApp(Answers(url=EDGE_URL))

    async with app.run_test(size=(100, 30)) as pilot:
        await show_edge_diagnosis(app, pilot)
        cause_view = app.screen.query_one(CauseView)

        assert cause_view.query_one(".cause-steps") and cause_view.query(".snippet")
        assert cause_view.size.height >= cause_view.virtual_size.height


async def test_diagnosis_snippet_copy_button_puts_that_snippet_on_the_clipboard() -> (
    None
):
    """Each vendor tab's button copies its snippet whole, as it is in the knowledge."""
    app = MtlsDoctorApp(Answers(url=EDGE_URL))

    async with app.run_test(size=(100, 30)) as pilot:
        await show_edge_diagnosis(app, pilot)
        cause_view = app.screen.query_one(CauseView)
        buttons = list(cause_view.query(".copy-snippet").results(Button))
        buttons[-1].press()
        await pilot.pause()

        assert len(buttons) == len(cause_view.cause.snippets)
        assert app.clipboard == cause_view.cause.snippets[-1][1]


async def test_paste_with_known_error_points_to_causes_the_probe_confirms(
    required_lab: RunningLab,
) -> None:
    """A pasted alert 116 names its causes at once; the diagnosis says which held."""
    answers = Answers(url=required_lab.url, cacert=str(required_lab.ca), timeout="3")
    app = MtlsDoctorApp(answers)

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to("paste")
        await pilot.pause()
        text_area = app.screen.query_one(TextArea)
        text_area.load_text("ssl/tls alert certificate required (SSL alert number 116)")
        meanings = app.screen.query_one("#meanings")
        await wait_until(
            pilot, lambda: "client-cert-not-sent" in str(meanings.render())
        )
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.step == "diagnosis")
        await pilot.pause()

        pasted = str(app.screen.query_one("#pasted").render())
        assert "Confirmed by the probe: client-cert-not-sent" in pasted


async def test_paste_then_next_at_once_still_reads_the_text() -> None:
    """Next pressed before the pause after pasting still reads the pasted text, so
    the checks start from the causes it points to."""
    app = MtlsDoctorApp(Answers())

    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one(TextArea).load_text("ClientMTLSAuthStatus absent")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.step == "target")

        assert "client-cert-not-sent" in app.likely_cause_ids


async def test_paste_longer_than_what_is_read_says_so() -> None:
    """An error after a huge paste is not read, and the screen says what was."""
    app = MtlsDoctorApp(Answers())

    async with app.run_test(size=SIZE) as pilot:
        text_area = app.screen.query_one(TextArea)
        text_area.load_text("x" * 200_000 + " SSL alert number 116")
        meanings = app.screen.query_one("#meanings")
        await wait_until(pilot, lambda: "64 KiB" in str(meanings.render()))

        assert "No known error" in str(meanings.render())


async def test_steps_walked_forward_and_back_keep_every_answer(pki: PkiFiles) -> None:
    """Answers typed on each step are still there after going forward and back."""
    app = MtlsDoctorApp(Answers())

    async with app.run_test(size=SIZE) as pilot:
        assert app.step == "paste"
        app.screen.query_one(TextArea).load_text("SSL alert number 116")
        await pilot.press("ctrl+n")
        assert app.step == "target"
        await type_into(pilot, "url", "https://localhost:8443/health")
        await pilot.press("ctrl+n")
        assert app.step == "sni"
        await pilot.press("ctrl+n")
        assert app.step == "identity"
        await type_into(pilot, "cert", str(pki.client_cert))
        await type_into(pilot, "key", str(pki.client_key))
        await type_into(pilot, "password", "not-shown")
        await pilot.press("ctrl+n")
        assert app.step == "topology"

        for expected in ("identity", "sni", "target", "paste"):
            await pilot.press("ctrl+p")
            assert app.step == expected
        assert app.screen.query_one(TextArea).text == "SSL alert number 116"
        for _ in range(3):
            await pilot.press("ctrl+n")

        assert app.step == "identity"
        assert field(app, "cert").value == str(pki.client_cert)
        assert field(app, "key").value == str(pki.client_key)
        assert field(app, "password").input.password
        assert app.answers.url == "https://localhost:8443/health"
        assert app.answers.error_text == "SSL alert number 116"


async def test_target_with_bad_url_shows_message_beside_field_and_keeps_others(
    pki: PkiFiles,
) -> None:
    """A URL that cannot be used gets a one-line message; other answers stay."""
    answers = Answers(url="ftp://example.test", cert=str(pki.client_cert))
    app = MtlsDoctorApp(answers)

    async with app.run_test(size=SIZE) as pilot:
        assert app.step == "topology"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.step == "target")

        assert "is not TLS" in field_error(app, "url")
        assert field(app, "url").value == "ftp://example.test"
        assert app.answers.cert == str(pki.client_cert)
        assert app.screen.focused is field(app, "url").input

        await type_into(pilot, "url", "https://localhost:1/")
        await pilot.press("ctrl+n")
        assert app.step == "sni"
        assert app.answers.cert == str(pki.client_cert)


APP_BAD_ANSWERS = [
    ("target", "url", "http://api.example.test/", "is not TLS"),
    ("target", "url", "https://:8443/", "names no host"),
    ("target", "url", "https://api.example.test:99999/", "from 1 to 65535"),
    ("target", "url", "api example.test", "spaces"),
    ("target", "timeout", "soon", "not a number of seconds"),
    ("target", "timeout", "0", "out of range"),
    ("target", "timeout", " ", "enter the seconds"),
    ("sni", "sni", "10.0.0.1", "IP address"),
    ("sni", "sni", "*.example.test", "not a valid host name"),
    ("sni", "sni", " ", "enter the server name to send"),
    ("identity", "cert", "/nonexistent/client.pem", "no such file"),
    ("identity", "cert", "/", "is a folder"),
    ("identity", "key", "/nonexistent/client.key", "no such file"),
    ("identity", "cert", "{client_key}", "holds a private key but no certificate"),
    ("identity", "password_env", "1BAD", "name of an environment variable"),
    ("identity", "password_env", "NOT_SET_ANYWHERE_MTLS", "is not set"),
    ("identity", "cacert", "/nonexistent/ca.pem", "no such file"),
    ("identity", "client_ca", "/nonexistent/ca.pem", "no such file"),
]


@pytest.mark.parametrize(("step", "name", "value", "words"), APP_BAD_ANSWERS)
async def test_bad_answer_typed_shows_message_beside_its_field_and_keeps_others(
    pki: PkiFiles, step: str, name: str, value: str, words: str
) -> None:
    """Each unusable answer, typed and followed by Next, keeps the step, puts one line
    beside its field and leaves every other answer as it was."""
    answers = Answers(
        url="https://api.example.test:8443/",
        sni="sni.example.test" if name == "sni" else "",
        cert=str(pki.client_cert) if name != "cert" else "",
        key=str(pki.client_key) if name not in ("cert", "key") else "",
        timeout="3",
    )
    app = MtlsDoctorApp(answers)
    before = dataclasses.asdict(answers)
    value = value.format(client_key=pki.client_key)

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to(step)
        await pilot.pause()
        await type_into(pilot, name, value)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: words in field_error(app, name))

        assert app.step == step
        assert "\n" not in field_error(app, name)
        after = dataclasses.asdict(app.answers)
        assert after.pop(name) == value
        before.pop(name)
        assert after == before


async def test_identity_next_shows_the_files_problem_and_every_other_at_once(
    pki: PkiFiles,
) -> None:
    """A key given as the certificate and a missing CA file are both shown on Next,
    and the cursor goes to the first of them."""
    answers = Answers(
        url="https://api.example.test/",
        cert=str(pki.client_key),
        cacert="/nonexistent/ca.pem",
    )
    app = MtlsDoctorApp(answers)

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to("identity")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: "no such file" in field_error(app, "cacert"))

        assert app.step == "identity"
        assert "no certificate" in field_error(app, "cert")
        assert app.screen.focused is field(app, "cert").input


async def test_identity_messages_stay_after_the_files_are_read_again() -> None:
    """The check that reads the files after a pause in typing keeps the messages
    Next put beside the other fields."""
    answers = Answers(url="https://api.example.test/", cacert="/nonexistent/ca.pem")
    app = MtlsDoctorApp(answers)

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to("identity")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause(INSPECT_DELAY * 3)

        assert app.step == "identity"
        assert "no such file" in field_error(app, "cacert")


async def test_identity_with_missing_file_shows_message_beside_that_field(
    tmp_path: Path,
) -> None:
    """A certificate path that does not exist is named beside the certificate field."""
    app = MtlsDoctorApp(Answers(url="https://localhost:1/"))

    async with app.run_test(size=SIZE) as pilot:
        assert app.step == "identity"
        await type_into(pilot, "cert", str(tmp_path / "missing.pem"))
        await wait_until(pilot, lambda: "no such file" in field_error(app, "cert"))

        assert field_error(app, "key") == ""


async def test_identity_with_good_files_shows_findings_before_any_probe(
    pki: PkiFiles,
) -> None:
    """A certificate alone is refused; adding its key shows what the files hold."""
    app = MtlsDoctorApp(Answers(url="https://localhost:1/"))

    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "cert", str(pki.client_cert))
        await wait_until(pilot, lambda: "no private key" in field_error(app, "key"))
        await type_into(pilot, "key", str(pki.client_key))
        findings = app.screen.query_one("#findings")
        await wait_until(pilot, lambda: "test client" in str(findings.render()))

        assert app.result is None


async def test_topology_preset_and_bad_hop_shows_message_on_its_row() -> None:
    """A preset fills the hops; a hop without an address is refused on its row."""
    app = MtlsDoctorApp(Answers(url="https://api.example.test:8443/"))

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to("topology")
        await pilot.pause()
        app.screen.query_one("#preset", Select).value = "cloudflare-origin"
        await pilot.pause()
        await pilot.pause()

        assert app.answers.hops == ["cloudflare=api.example.test:8443", "origin="]
        await pilot.press("ctrl+n")
        await pilot.pause()

        assert app.step == "topology"
        rows = app.screen.query_one(HopList).rows()
        assert "LABEL=HOST:PORT" in str(rows[1].query_one(".field-error").render())
        assert app.answers.url == "https://api.example.test:8443/"


async def test_run_with_wrong_passphrase_shows_message_and_stays_usable(
    pki: PkiFiles, required_lab: RunningLab
) -> None:
    """A key the passphrase does not open gives a message; the app stays usable."""
    answers = Answers(
        url=required_lab.url,
        cacert=str(required_lab.ca),
        cert=str(pki.client_cert),
        key=str(pki.client_key_encrypted),
        password="wrong passphrase",
        timeout="3",
    )
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "identity")
        await wait_until(
            pilot,
            lambda: any(field_error(app, n) for n in ("key", "password", "cert")),
        )
        await type_into(pilot, "password", KEY_PASSWORD)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.step == "diagnosis")

        assert KEY_PASSWORD not in screen_text(app)


async def test_diagnosis_export_writes_reports_without_passphrase(
    pki: PkiFiles,
    required_lab: RunningLab,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Export writes Markdown and JSON to the paths given, with no secret in them."""
    monkeypatch.chdir(tmp_path)
    answers = Answers(
        url=required_lab.url,
        cacert=str(required_lab.ca),
        cert=str(pki.client_cert),
        key=str(pki.client_key_encrypted),
        password=KEY_PASSWORD,
        timeout="3",
    )
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "diagnosis")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "mtls-doctor-report.md").exists())
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one("#export-path", Input).value = "report.json"
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "report.json").exists())

    markdown = (tmp_path / "mtls-doctor-report.md").read_text()
    report = (tmp_path / "report.json").read_text()
    assert required_lab.url.rstrip("/") in markdown
    assert '"schema": 1' in report
    for text in (markdown, report):
        assert KEY_PASSWORD not in text
        assert "PRIVATE KEY" not in text


async def test_export_to_a_bad_path_keeps_the_dialog_open_saying_why(
    required_lab: RunningLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder, a missing folder or an existing file keep the dialog open with its
    reason beside the field; keys typed next stay in it; Save again replaces."""
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "old.md"
    existing.write_text("keep me\n")
    answers = Answers(url=required_lab.url, cacert=str(required_lab.ca), timeout="3")
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "diagnosis")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        path_input = app.screen.query_one("#export-path", Input)
        error = app.screen.query_one("#export-error")
        reasons = {}
        for path in (str(tmp_path), "/nonexistent/folder/x.md", "old.md"):
            path_input.value = path
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ExportDialog)
            reasons[path] = str(error.render())
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        assert "e" in path_input.value
        path_input.value = "old.md"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportDialog))

    assert "is a folder" in reasons[str(tmp_path)]
    assert (
        "the folder /nonexistent/folder does not exist"
        in reasons["/nonexistent/folder/x.md"]
    )
    assert "exists: Save again to replace it" in reasons["old.md"]
    assert "client-cert-not-sent" in existing.read_text()


FUZZ_KEYS = (
    *"abcxyz019.:=-_ ",
    "ctrl+r",
    "tab",
    "shift+tab",
    "enter",
    "space",
    "escape",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "backspace",
    "delete",
    "pageup",
    "pagedown",
    "ctrl+n",
    "ctrl+p",
    "c",
    "m",
    "j",
    "e",
)
FUZZ_EVENTS = 250


async def test_app_under_random_keys_and_clicks_raises_nothing(
    required_lab: RunningLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of random keys and clicks on every step end with no exception.

    Keys that start the checks (ctrl+r, Next on the path step) are pressed too, unless
    the answers typed so far would send the probe past loopback: random host names
    must never reach a resolver.
    """
    monkeypatch.chdir(tmp_path)
    chance = random.Random(20240611)
    answers = Answers(url=required_lab.url, cacert=str(required_lab.ca), timeout="2")
    app = MtlsDoctorApp(answers, autostart=True)

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.step == "diagnosis")
        for event in range(FUZZ_EVENTS):
            if event % 40 == 0:
                await app.action_go_to(STEP_NAMES[(event // 40) % len(STEP_NAMES)])
            if isinstance(app.screen, StepScreen) and chance.random() < 0.3:
                await _click_somewhere_safe(pilot, chance)
            else:
                key = chance.choice(FUZZ_KEYS)
                if not (_would_probe(app, key) and _would_leave_loopback(app)):
                    await pilot.press(key)

        assert app.is_running
        assert app.run_id > 1, "the random keys never started the checks again"


def _would_probe(app: MtlsDoctorApp, key: str) -> bool:
    """Whether a key would start the checks with whatever the fuzz typed."""
    focused = app.focused
    if key in ("enter", "space") and isinstance(focused, Button):
        return focused.id == "nav-run" or (
            focused.id == "nav-next" and app.step == "topology"
        )
    return key == "ctrl+r" or (key == "ctrl+n" and app.step == "topology")


def _would_leave_loopback(app: MtlsDoctorApp) -> bool:
    """Whether checks started now would look up or connect to anything but loopback
    (answers the app refuses before probing stay on this machine)."""
    try:
        request = build_request(app.answers, app.environ)
    except InputError:
        return False
    hosts = [hop.host for hop in request.hops] or [request.target.host]
    return not all(_is_loopback(host) for host in hosts)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".invalid"):
        return True  # from /etc/hosts, or refused at once (RFC 6761)
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _click_somewhere_safe(pilot: Pilot[int], chance: random.Random) -> None:
    """Click a random point of a widget that neither probes nor quits (the footer
    holds both keys)."""
    candidates = [
        widget
        for widget in pilot.app.screen.query("*")
        if widget.region.area
        and widget.id not in ("nav-run", "nav-next")
        and not any(isinstance(node, Footer) for node in widget.ancestors_with_self)
    ]
    if not candidates:
        return
    widget = chance.choice(candidates)
    offset = (chance.randrange(widget.size.width), chance.randrange(widget.size.height))
    with contextlib.suppress(OutOfBounds):
        await pilot.click(widget, offset=offset)


async def test_url_typed_fast_then_next_moves_on_with_the_whole_url() -> None:
    """Keys that arrive faster than the field takes them, then ctrl+n: the next step
    sees the whole URL, never the part typed before the key came through."""
    url = "https://api.example.com:8443/x"
    app = MtlsDoctorApp(Answers())

    async with app.run_test(size=SIZE) as pilot:
        await app.action_go_to("target")
        await pilot.pause()
        await pilot.click("#input-url")
        for character in url:
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("ctrl+n", None))
        await wait_until(pilot, lambda: app.step == "sni")

        assert app.answers.url == url
