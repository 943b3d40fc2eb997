"""How many API requests the emulator is answering at once, and the most it has seen.

A client's concurrency shows here without timing anything: `peak` is the most API requests
that were received and not yet answered at one moment (a delay fault keeps each one open).
"""

from __future__ import annotations

import threading
from typing import Dict


class InFlight:
    """A counter of open API requests (use as a context manager around each) and its peak."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = 0
        self._peak = 0

    def __enter__(self) -> InFlight:
        with self._lock:
            self._now += 1
            self._peak = max(self._peak, self._now)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._now -= 1

    def stats(self) -> Dict[str, int]:
        """``{"inFlight": requests open now, "peakInFlight": the most open at once}``."""
        with self._lock:
            return {"inFlight": self._now, "peakInFlight": self._peak}

    def reset(self) -> Dict[str, int]:
        """Start the peak again from the requests open now; returns the stats before."""
        with self._lock:
            before = {"inFlight": self._now, "peakInFlight": self._peak}
            self._peak = self._now
            return before
