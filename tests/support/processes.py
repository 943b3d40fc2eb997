"""Processes for the tests of what a deployment's plugin processes share (`handover`)."""

from __future__ import annotations

import subprocess
import sys


def exited_pid() -> int:
    """The pid of a process that has just exited (free unless the system reuses it at once)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
