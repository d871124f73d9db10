"""Independent calls run at once on daemon threads.

concurrent.futures joins its worker threads when the interpreter exits, so a probe
still waiting on a silent server would hold `mtls-doctor` open after the person has
quit, until the probe's timeout. Daemon threads are dropped instead; the key files a
probe writes are removed by their own exit handler (wizards.credentials).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

_T = TypeVar("_T")


class Pending(Generic[_T]):
    """A call running on its own daemon thread."""

    def __init__(self, call: Callable[[], _T], name: str) -> None:
        self._call = call
        self._value: _T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as error:  # raised again by result()
            self._error = error

    def result(self) -> _T:
        """Wait for the call; its value, or the exception it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def run_in_parallel(calls: Sequence[Callable[[], _T]], name: str) -> list[_T]:
    """The results of the calls, in their order, each run on its own daemon thread."""
    pending = [Pending(call, f"{name}-{index}") for index, call in enumerate(calls)]
    return [each.result() for each in pending]
