"""`dynamic_latency_ratio` for `make bench` (issue 26): how close the dynamic `Webhook` comes
to its limit with a slow API, now that the SDK's 4-call ceiling is lifted.

    dynamic_latency_ratio = dynamic Webhook up (N=50, 300 ms, --parallel 64)
                            / (2 x 0.3 s + dynamic no-op up (N=50, --parallel 64))

with `wa-webhook:maxConcurrency` 64 for the Webhook's stack: a create is two calls (the
ownership read, then the write), so with every create running at once the best is the
engine's own time plus two latencies. Target <= 1.3, the bar of native_latency_ratio. In each
round the no-op and the Webhook run back to back; the median of the rounds' ratios is reported.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import measure
import programs
from cli_harness import Stack
from measure import Progress

from pulumi_wa_webhook.emulator.testing import running_emulator

SIZE = 50
LATENCY = 0.3
PARALLEL = 64
BOUND = 64
ROUNDS = 5
TARGET = 1.3
WEBHOOK = f"dynamic Webhook N={SIZE} {LATENCY * 1000:.0f}ms --parallel {PARALLEL}"
NOOP = f"dynamic no-op N={SIZE} --parallel {PARALLEL}"


@dataclass
class DynamicLatency:
    """Seconds of each round's `up`, by run; the peak of API calls in flight per round."""

    seconds: Dict[str, List[float]] = field(default_factory=dict)
    peaks: List[int] = field(default_factory=list)

    def ratio(self) -> float:
        rounds = zip(self.seconds[WEBHOOK], self.seconds[NOOP], strict=True)
        return statistics.median(hook / (2 * LATENCY + noop) for hook, noop in rounds)

    def line(self) -> str:
        return f"dynamic_latency_ratio={self.ratio():.2f}"

    def table(self) -> str:
        rows = ["| run | seconds (median) | samples |", "|---|---|---|"]
        for key, samples in self.seconds.items():
            shown = ", ".join(f"{s:.2f}" for s in samples)
            rows.append(f"| {key} | {statistics.median(samples):.2f} | {shown} |")
        met = "met" if self.ratio() <= TARGET else "NOT met"
        rows += ["", f"dynamic_latency_ratio {self.ratio():.2f} (target <= {TARGET}: {met}); "
                 f"API calls in flight at most, per round: {self.peaks} "
                 f"(maxConcurrency {BOUND})"]
        return "\n".join(rows)


def run_dynamic_latency(cli_env: Dict[str, str], root: Path, progress: Progress,
                        quick: bool) -> DynamicLatency:
    """The rounds, with an emulator of their own; each `up` is followed by an untimed destroy."""
    results = DynamicLatency()
    with running_emulator(programs.emulator_accounts(SIZE)) as emu:
        noop = Stack.create(root / "dynamic-noop", cli_env, programs.noop_program(SIZE))
        hooks = Stack.create(root / "dynamic-webhook", cli_env, programs.webhook_program(SIZE))
        hooks.set_config("wa-webhook:endpoint", emu.base_url)
        hooks.set_config("wa-webhook:apiKey", programs.API_KEY, secret=True)
        hooks.set_config("wa-webhook:maxConcurrency", str(BOUND))
        flags = ("--parallel", str(PARALLEL))
        for round_no in range(1 if quick else ROUNDS):
            for key, stack, latency in ((NOOP, noop, 0.0), (WEBHOOK, hooks, LATENCY)):
                with measure.api_latency(emu, latency):
                    emu.reset_peak_in_flight()
                    start = time.perf_counter()
                    stack.up(*flags)
                    seconds = time.perf_counter() - start
                    if stack is hooks:
                        results.peaks.append(emu.peak_in_flight)
                results.seconds.setdefault(key, []).append(seconds)
                stack.destroy(*flags)
                progress.log(f"dynamic latency round {round_no + 1}: {key}: up {seconds:.2f}s")
    return results
