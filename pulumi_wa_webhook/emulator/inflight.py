"""How many API requests the emulator is answering at once, and the most it has seen.

A client's concurrency shows here without timing anything: `peak` is the most API requests
that were received and not yet answered at one moment (a delay fault keeps each one open).
"""

from __future__ import annotations

import threading
from typing import Dict


class InFlight:
    """A counter of open API requests and its peak.

    A request leaves *before* its answer is written: a client sends its next request only
    after reading the answer, so the count never holds a request its client is done with.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = 0
        self._peak = 0

    def enter(self) -> None:
        """An API request was received."""
        with self._lock:
            self._now += 1
            self._peak = max(self._peak, self._now)

    def leave(self) -> None:
        """The request is about to be answered (or dropped)."""
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
