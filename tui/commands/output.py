"""Standard output for the commands, quiet once its reader has gone (`| head`)."""

from __future__ import annotations

import os
import sys


def print_out(text: str) -> None:
    """Print text and flush it; when the reader of stdout has gone, drop the rest of
    the output so the command still ends with its own exit code."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # as Python's signal documentation advises: point stdout at /dev/null so the
        # flush at exit does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
