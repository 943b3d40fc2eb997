"""Build an expensive directory once per test run, also when pytest-xdist spreads the tests
over several workers: the first worker to ask builds it under a lock, the others wait and
then use the same directory."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Callable

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """The directory `name`, made by `build(directory)` once per run (once per session
    without xdist). A failed build is not kept: the next worker that asks tries again."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        out = tmp_path_factory.mktemp(name)
        build(out)
        return out
    # Under xdist each worker's base temp is a sibling in the run's shared root.
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{run}"
    shared.mkdir(exist_ok=True)
    out, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            out.mkdir(exist_ok=True)
            build(out)
            done.touch()
    return out
