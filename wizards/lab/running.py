"""A started lab scenario: its servers, files, hops and the commands to try."""

from __future__ import annotations

import logging
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from knowledge.observations import Hop
from wizards.lab.pki import LabPki, make_lab_pki
from wizards.lab.scenarios import Scenario, find_scenario
from wizards.lab.topologies import LabHop

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunningLab:
    """The servers of one scenario, serving until stop() (or the end of a with)."""

    scenario: Scenario
    pki: LabPki
    lab_hops: tuple[LabHop, ...]
    owned_folder: Path | None

    @property
    def hops(self) -> tuple[Hop, ...]:
        """The path, client side first, as knowledge Hops on 127.0.0.1."""
        return tuple(
            Hop(h.label, "127.0.0.1", h.server.port, h.vendor) for h in self.lab_hops
        )

    @property
    def port(self) -> int:
        return self.lab_hops[0].server.port

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"

    @property
    def ca(self) -> Path:
        """The CA bundle that verifies the lab's servers."""
        return self.pki.ca

    @property
    def client_cert(self) -> Path | None:
        """The certificate the command to try presents; None when it presents none."""
        files = self.scenario.client.files(self.pki)
        return files.cert if files else None

    @property
    def client_key(self) -> Path | None:
        files = self.scenario.client.files(self.pki)
        return files.key if files else None

    @property
    def client_ca(self) -> Path | None:
        """The server's client CA file, when the command to try gives it."""
        return self.pki.client_ca if self.scenario.gives_client_ca else None

    @property
    def sni(self) -> str | None:
        """The server name the command to try sends, when not the URL's host."""
        return self.scenario.sni

    def check_arguments(self) -> tuple[str, ...]:
        """The arguments after `mtls-doctor` of the check to try."""
        arguments = ["check", self.url, "--cacert", str(self.ca)]
        if self.sni:
            arguments += ["--sni", self.sni]
        if self.client_cert and self.client_key:
            arguments += [
                "--cert",
                str(self.client_cert),
                "--key",
                str(self.client_key),
            ]
        if self.client_ca:
            arguments += ["--client-ca", str(self.client_ca)]
        if len(self.lab_hops) > 1:
            for hop in self.hops:
                arguments += ["--hop", f"{hop.label}={hop.address}"]
        return tuple(arguments)

    def try_command(self) -> str:
        """The `mtls-doctor check ...` command line to try, shell-quoted."""
        return shlex.join(["mtls-doctor", *self.check_arguments()])

    def curl_command(self) -> str:
        """The curl command line doing the same request, shell-quoted."""
        arguments = ["curl", "--cacert", str(self.ca)]
        if self.client_cert and self.client_key:
            arguments += [
                "--cert",
                str(self.client_cert),
                "--key",
                str(self.client_key),
            ]
        url = self.url
        if self.sni:
            arguments += ["--resolve", f"{self.sni}:{self.port}:127.0.0.1"]
            url = f"https://{self.sni}:{self.port}/"
        return shlex.join([*arguments, url])

    def stop(self) -> None:
        """Stop every server and remove the files the lab made for itself."""
        for hop in self.lab_hops:
            hop.server.stop()
        if self.owned_folder is not None:
            shutil.rmtree(self.owned_folder, ignore_errors=True)
        logger.info("lab scenario %s stopped", self.scenario.name)

    def __enter__(self) -> RunningLab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_lab(name: str, folder: Path | None = None) -> RunningLab:
    """Make the lab's files (in folder, or a private temp one) and start a scenario."""
    scenario = find_scenario(name)
    owned_folder = None
    if folder is None:
        folder = owned_folder = Path(tempfile.mkdtemp(prefix="mtls-doctor-lab-"))
    else:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        pki = make_lab_pki(folder)
        lab_hops = scenario.start_servers(pki)
    except BaseException:
        if owned_folder is not None:
            shutil.rmtree(owned_folder, ignore_errors=True)
        raise
    logger.info("lab scenario %s started on %s", name, lab_hops[0].server.port)
    return RunningLab(scenario, pki, lab_hops, owned_folder)
