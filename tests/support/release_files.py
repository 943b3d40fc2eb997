"""The release artifacts of `make dist`, built once per test run into a directory outside
the clone (a pytest plugin module, loaded by `tests/conftest.py`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from harness import REPO
from once import built_once


@pytest.fixture(scope="session")
def dist(pulumi_dir: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make dist` into a temporary directory, once per test run: what users download."""

    def make_dist(out: Path) -> None:
        result = subprocess.run(["make", "dist", f"DIST_DIR={out}"], cwd=REPO,
                                env=dict(os.environ, WA_WEBHOOK_PULUMI_DIR=pulumi_dir),
                                capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    return built_once(tmp_path_factory, "dist", make_dist)
