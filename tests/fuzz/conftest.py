"""`make fuzz`: the summary line `fuzz: seed=S sequences=N steps=M violations=V`.

Written to the file named by FUZZ_SUMMARY (the Makefile prints it after pytest's own
summary, so it is the last line) and to the terminal.
"""

from __future__ import annotations

import os

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    if not (os.environ.get("FUZZ_BUDGET") or os.environ.get("FUZZ_REPLAY")):
        return  # not a fuzz run (`make test` collects this folder and deselects it)
    from test_lifecycle_fuzz import STATS

    seed = config.getoption("hypothesis_seed", default=None)
    line = (f"fuzz: seed={seed} sequences={STATS['sequences']} steps={STATS['steps']} "
            f"violations={STATS['violations']}")
    detail = (f"fuzz: {STATS['long']} sequences of 8 steps or more, {STATS['cli']} CLI runs in "
              f"the sequences that ended")
    terminalreporter.write_line(detail)
    terminalreporter.write_line(line)
    target = os.environ.get("FUZZ_SUMMARY")
    if target:
        with open(target, "w") as handle:
            handle.write(detail + "\n" + line + "\n")
