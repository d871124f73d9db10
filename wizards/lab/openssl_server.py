"""A lab hop served by `openssl s_server`, for what Python's ssl cannot do as a
server: send a chosen list of acceptable CA names."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

from knowledge.errors import InputError
from wizards.lab.plain import reserve_closed_port

logger = logging.getLogger(__name__)

STARTUP_SECONDS = 5.0


class OpenSslServer:
    """`openssl s_server -www` on 127.0.0.1: it requires a client certificate that
    verifies against `trusted_ca`, and names only `advertised_ca` in its request."""

    def __init__(
        self, cert: Path, key: Path, advertised_ca: Path, trusted_ca: Path
    ) -> None:
        binary = shutil.which("openssl")
        if binary is None:
            raise InputError(
                "scenario", "this scenario runs openssl s_server: install openssl"
            )
        self.port = reserve_closed_port().port
        self._argv = [
            binary, "s_server", "-accept", f"127.0.0.1:{self.port}",
            "-cert", str(cert), "-key", str(key),
            "-CAfile", str(advertised_ca), "-verifyCAfile", str(trusted_ca),
            "-Verify", "1", "-verify_return_error", "-www", "-quiet",
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> OpenSslServer:
        """Start s_server and wait until its port accepts connections."""
        self._process = subprocess.Popen(
            self._argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    logger.info("lab openssl s_server on 127.0.0.1:%d", self.port)
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise InputError(
            "scenario",
            f"openssl s_server did not start on 127.0.0.1:{self.port}; try again",
        )

    def stop(self) -> None:
        """End s_server."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
