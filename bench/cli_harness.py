"""The test suite's Pulumi CLI harness (`tests/support/harness.py`), importable from `bench/`."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent.parent / "tests" / "support"
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from harness import CommandFailed, Result, Stack, base_env  # noqa: E402

__all__ = ["CommandFailed", "Result", "Stack", "base_env"]
