"""The path drawn as boxes, client -> each hop -> origin, colored by what each hop did
with the client certificate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.timer import Timer
from textual.widgets import Static

from knowledge.observations import Hop, HopObservation, Outcome
from wizards.progress import ProbeStepChanged, StepState

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
VERDICT_CLASSES = (
    "-waiting",
    "-probing",
    "-asked",
    "-accepted",
    "-refused",
    "-never-saw",
    "-unreachable",
)
_REJECTED = (Outcome.REJECTED_TLS, Outcome.REJECTED_HTTP)
_NOT_REACHED_WORDS = {
    Outcome.UNREACHABLE: "unreachable",
    Outcome.NOT_TLS: "not TLS",
    Outcome.TIMEOUT: "timed out",
    Outcome.ERROR: "probe failed",
}


@dataclass(frozen=True)
class HopVerdict:
    """What a hop did with the certificate: a style class and words for it."""

    css_class: str
    words: str


def judge_hop(
    observation: HopObservation, lost_at: str | None = None, ends_tls: bool = False
) -> HopVerdict:
    """Say whether a hop asked for, accepted, refused or never saw the certificate;
    ends_tls marks the hop the diagnosis found keeping it from the hops behind."""
    first = observation.without_cert
    if first is None or first.outcome in _NOT_REACHED_WORDS:
        outcome = first.outcome if first else observation.connect_outcome
        return HopVerdict(
            "-unreachable", _NOT_REACHED_WORDS.get(outcome or Outcome.ERROR, "error")
        )
    if lost_at is not None:
        return HopVerdict("-never-saw", f"never sees it: TLS ends at {lost_at}")

    requested = bool(observation.client_cert_requested)
    if ends_tls:
        return HopVerdict(
            "-refused",
            "asked · TLS ends here" if requested else "TLS ends here",
        )
    with_cert = observation.with_cert
    if with_cert is not None and with_cert.outcome in _REJECTED:
        return HopVerdict(
            "-refused", "asked · refused it" if requested else "refused it"
        )
    if with_cert is not None and with_cert.outcome is Outcome.ACCEPTED and requested:
        request = with_cert.certificate_request
        if request is not None and request.after_handshake:
            return HopVerdict("-asked", "asked after the request")
        return HopVerdict("-accepted", "asked · accepted it")
    if requested and first.outcome in _REJECTED:
        return HopVerdict("-refused", "asked · refused: none sent")
    if requested:
        return HopVerdict("-asked", "asked · serves without it")
    if first.outcome in _REJECTED:
        return HopVerdict("-refused", "refused at HTTP, never asked")
    return HopVerdict("-never-saw", "never asked for it")


def hops_losing_the_certificate(
    hops: Sequence[Hop], terminating_labels: Sequence[str]
) -> dict[str, str]:
    """Map each hop behind a TLS-terminating hop to that hop's label."""
    lost_at: dict[str, str] = {}
    edge: str | None = None
    for hop in hops:
        if edge is not None:
            lost_at[hop.label] = edge
        if hop.label in terminating_labels and edge is None:
            edge = hop.label
    return lost_at


class HopBox(Static):
    """One hop: its label, address and vendor, the step running, then its verdict."""

    DEFAULT_CLASSES = "hop-box -waiting"

    def __init__(self, hop: Hop, is_origin: bool) -> None:
        super().__init__(markup=False)
        self.hop = hop
        self.is_origin = is_origin
        self.running_step: str | None = None
        self.last_line = "waiting"
        self.border_title = hop.label
        self.border_subtitle = "origin" if is_origin else ""

    def on_mount(self) -> None:
        self.refresh_text()

    def set_verdict_class(self, css_class: str) -> None:
        self.remove_class(*VERDICT_CLASSES)
        self.add_class(css_class)

    def refresh_text(self, frame: str = "") -> None:
        vendor = self.hop.vendor or ""
        status = (
            f"{frame or SPINNER_FRAMES[0]} {self.running_step}"
            if self.running_step
            else self.last_line
        )
        self.update(
            "\n".join(line for line in (self.hop.address, vendor, status) if line)
        )


class PathPicture(HorizontalScroll):
    """client -> hop -> ... -> origin, updated live as probe steps finish."""

    DEFAULT_CLASSES = "path-picture"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frame = 0
        self._spinner: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("client\nno checks yet", classes="client-box")

    def on_mount(self) -> None:
        self._spinner = self.set_interval(0.12, self._spin, pause=True)

    async def show_path(self, hops: Sequence[Hop], client_files: str) -> None:
        """Draw fresh boxes for a new run: every hop waiting."""
        await self.remove_children()
        widgets: list[Static] = [
            Static(f"client\n{client_files}", classes="client-box", markup=False)
        ]
        for index, hop in enumerate(hops):
            widgets.append(Static("──▶", classes="path-arrow"))
            widgets.append(HopBox(hop, is_origin=index == len(hops) - 1))
        await self.mount_all(widgets)

    def record_step(self, change: ProbeStepChanged) -> None:
        """Show the step a hop is running, or what the finished step found."""
        box = self._box(change.hop_label)
        if box is None:
            return
        if change.state is StepState.RUNNING:
            box.running_step = change.step
            box.set_verdict_class("-probing")
            if self._spinner is not None:
                self._spinner.resume()
        else:
            box.running_step = None
            mark = "✓" if change.state is StepState.DONE else "✗"
            box.last_line = f"{mark} {change.step}"
        box.refresh_text()

    def show_observations(
        self, observations: Sequence[HopObservation], terminating_labels: Sequence[str]
    ) -> None:
        """Color every hop by its verdict once the checks are done."""
        lost_at = hops_losing_the_certificate(
            [o.hop for o in observations], terminating_labels
        )
        for observation in observations:
            box = self._box(observation.hop.label)
            if box is None:
                continue
            label = observation.hop.label
            verdict = judge_hop(
                observation, lost_at.get(label), ends_tls=label in terminating_labels
            )
            box.running_step = None
            box.last_line = verdict.words
            if observation.vendor and not box.hop.vendor:
                box.hop = Hop(
                    box.hop.label, box.hop.host, box.hop.port, observation.vendor
                )
            box.set_verdict_class(verdict.css_class)
            box.refresh_text()
        self.stop_spinning()

    def show_failure(self, words: str) -> None:
        """Mark every hop still waiting or running as not probed."""
        for box in self.query(HopBox):
            if box.has_class("-waiting") or box.has_class("-probing"):
                box.running_step = None
                box.last_line = words
                box.set_verdict_class("-unreachable")
                box.refresh_text()
        self.stop_spinning()

    def stop_spinning(self) -> None:
        if self._spinner is not None:
            self._spinner.pause()

    def _box(self, label: str) -> HopBox | None:
        return next((b for b in self.query(HopBox) if b.hop.label == label), None)

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER_FRAMES)
        frame = SPINNER_FRAMES[self._frame]
        for box in self.query(HopBox):
            if box.running_step:
                box.refresh_text(frame)
