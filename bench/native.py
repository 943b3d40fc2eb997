"""The native provider's part of `make bench` (issue #12).

- native Webhook `up` of N = 50 at API latency 0 and 300 ms, with `--parallel 8` and 64,
  beside a native no-op resource (`native_noop.py`: the engine's cost for a native plugin);
- N = 500 at latency 0: the dynamic `Webhook`, the dynamic no-op and the native Webhook, and
  the dynamic `Webhook` again with PULUMI_SKIP_CHECKPOINTS=true; state bytes per resource.

    native_latency_ratio = native up (N=50, 300 ms, --parallel 64) / (2 x 0.3 s + native no-op
                           up): a create's two calls (getWebhook, then setWebhook) in
                           sequence; the median of the rounds' ratios, like scale_ratio
    scale_ratio          = Webhook up (N=500) / dynamic no-op up (N=500), latency 0: the
                           median of the rounds' ratios (in each round the kinds run back to
                           back, so a round's two samples share the machine's load)

At N = 500 a dynamic no-op shaped like the Webhook (`dynamic.noop.Shaped`: the same state, no API
call) also runs in each round; `scale_split` divides scale_ratio into the state's shape
(shaped no-op / no-op) and the provider's work (Webhook / shaped no-op).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import measure
import programs
from cli_harness import Stack
from measure import CREATE_CALLS, Progress

from pulumi_wa_webhook.emulator.testing import Emulator, running_emulator

BENCH_DIR = Path(__file__).resolve().parent
#: Where pip put `pulumi-resource-wa-webhook`: the bin directory of this Python.
PLUGIN_DIR = str(Path(sys.executable).parent)
NATIVE_SIZE = 50
SCALE_SIZE = 500
#: Rounds of the N = 50 runs (a few seconds each: the machine's noise is large beside them).
NATIVE_ROUNDS = 5
#: Rounds of the N = 500 kinds (the machine's load drifts over the minutes they take).
SCALE_ROUNDS = 5
PARALLELS = (8, 64)
LATENCIES = (0.0, 0.3)
COLD_START = "plugin cold start (to its port line)"
#: The N = 500 runs that scale_ratio and its split compare.
WEBHOOK_AT_SCALE = f"Webhook N={SCALE_SIZE} 0ms"
NOOP_AT_SCALE = f"dynamic-noop N={SCALE_SIZE}"
SHAPED_AT_SCALE = f"shaped-noop N={SCALE_SIZE}"


def numbers(count: int) -> List[str]:
    """`count` distinct Israeli mobile numbers: 972500000001 ... (12 digits, up to 999)."""
    return [f"972500000{index:03d}" for index in range(1, count + 1)]


def webhook_program(count: int, native: bool) -> str:
    module = "pulumi_wa_webhook.native" if native else "pulumi_wa_webhook"
    lines = [f"from {module} import Webhook", ""]
    lines += [f"Webhook('hook{i}', from_number={n!r}, url={programs.URL!r})"
              for i, n in enumerate(numbers(count))]
    return "\n".join(lines) + "\n"


def shaped_program(count: int, endpoint: str) -> str:
    """`count` no-op resources that keep in state what `webhook_program`'s Webhooks keep."""
    lines = ["from pulumi_wa_webhook.dynamic.noop import Shaped", ""]
    lines += [f"Shaped('hook{i}', {n!r}, {programs.URL!r}, {endpoint!r})"
              for i, n in enumerate(numbers(count))]
    return "\n".join(lines) + "\n"


def native_noop_program(count: int) -> str:
    head = textwrap.dedent(f"""\
        import pulumi


        class Noop(pulumi.CustomResource):
            def __init__(self, name, value):
                super().__init__({'wa-noop:index:Noop'!r}, name, {{"value": value}})


        """)
    return head + "".join(f"Noop('noop{i}', 'v{i}')\n" for i in range(count))


def noop_plugin(bin_dir: Path) -> Path:
    """An executable `pulumi-resource-wa-noop` in `bin_dir` that serves native_noop."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "pulumi-resource-wa-noop"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(BENCH_DIR)!r})\n"
        "from native_noop import main\nmain()\n"
    )
    script.chmod(0o755)
    return bin_dir


def cold_start(samples: int = 5, plugin: Optional[Path] = None) -> List[float]:
    """Seconds from starting `pulumi-resource-wa-webhook` (the venv's console script, or
    `plugin`) to its port line (target < 0.5 s)."""
    executable = plugin or Path(PLUGIN_DIR) / "pulumi-resource-wa-webhook"
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        proc = subprocess.Popen([str(executable), "127.0.0.1:1"], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.readline()
        times.append(time.perf_counter() - start)
        proc.terminate()
        proc.wait()
    return times


@dataclass
class NativeResults:
    """Medians in seconds, keyed by a short description; state bytes per resource."""

    seconds: Dict[str, List[float]] = field(default_factory=dict)
    state_bytes: Dict[str, int] = field(default_factory=dict)

    def median(self, key: str) -> float:
        return statistics.median(self.seconds[key])

    def ratios(self) -> Dict[str, float]:
        native_rounds = zip(self.seconds[f"native N={NATIVE_SIZE} 300ms --parallel 64"],
                            self.seconds[f"native-noop N={NATIVE_SIZE} --parallel 64"],
                            strict=True)
        scale_rounds = zip(self.seconds[WEBHOOK_AT_SCALE], self.seconds[NOOP_AT_SCALE],
                           strict=True)
        return {
            "native_latency_ratio": statistics.median(
                native / (CREATE_CALLS * 0.3 + noop) for native, noop in native_rounds),
            "scale_ratio": statistics.median(
                webhook / noop for webhook, noop in scale_rounds),
        }

    def scale_split(self) -> Dict[str, float]:
        """scale_ratio's two factors, each the median of the rounds' ratios: the state's
        shape (shaped no-op / no-op) and the provider's work (Webhook / shaped no-op)."""
        rounds = list(zip(self.seconds[WEBHOOK_AT_SCALE], self.seconds[NOOP_AT_SCALE],
                          self.seconds[SHAPED_AT_SCALE], strict=True))
        return {
            "state_shape": statistics.median(shaped / noop for _, noop, shaped in rounds),
            "provider_work": statistics.median(webhook / shaped for webhook, _, shaped in rounds),
        }

    def line(self) -> str:
        return " ".join(f"{name}={value:.2f}" for name, value in self.ratios().items())

    def table(self) -> str:
        rows = ["| run | seconds (median) | samples |", "|---|---|---|"]
        for key, samples in self.seconds.items():
            shown = ", ".join(f"{s:.2f}" for s in samples)
            rows.append(f"| {key} | {statistics.median(samples):.2f} | {shown} |")
        rows += ["", "| resource | state bytes per resource |", "|---|---|"]
        rows += [f"| {kind} | {size} |" for kind, size in self.state_bytes.items()]
        split = self.scale_split()
        rows += ["", f"scale_ratio split: state shape {split['state_shape']:.2f} (shaped no-op / "
                 f"no-op), provider's work {split['provider_work']:.2f} (Webhook / shaped no-op)"]
        return "\n".join(rows)


class Runner:
    """Creates a stack per program and times `up` (then an untimed destroy)."""

    def __init__(self, root: Path, env: Dict[str, str], emu: Emulator, progress: Progress,
                 results: NativeResults) -> None:
        self.root, self.env, self.emu, self.progress = root, env, emu, progress
        self.results = results
        self.noop_dir = noop_plugin(root / "noop-bin")
        self.made = 0

    def stack(self, program: str) -> Stack:
        self.made += 1
        stack = Stack.create(self.root / f"s{self.made}", self.env, program)
        stack.set_config("wa-webhook:endpoint", self.emu.base_url)
        stack.set_config("wa-webhook:apiKey", programs.API_KEY, secret=True)
        # As many API calls in flight as --parallel 64 asks (the default bound is 16).
        stack.set_config("wa-webhook:maxConcurrency", "64")
        settings = stack.root / "Pulumi.yaml"
        settings.write_text(settings.read_text() + textwrap.dedent(f"""\
            plugins:
              providers:
                - name: wa-webhook
                  path: {PLUGIN_DIR}
                - name: wa-noop
                  path: {self.noop_dir}
            """))
        return stack

    def time_up(self, key: str, stack: Stack, repeats: int, *flags: str,
                env: Optional[Dict[str, str]] = None, state_kind: str = "") -> None:
        for _ in range(repeats):
            start = time.perf_counter()
            stack.up(*flags, env=env)
            seconds = time.perf_counter() - start
            self.results.seconds.setdefault(key, []).append(seconds)
            if state_kind and state_kind not in self.results.state_bytes:
                resources = stack.export()["deployment"]["resources"]
                custom = [r for r in resources if r.get("custom") and "providers" not in r["type"]]
                size = sum(len(json.dumps(r)) for r in custom)
                self.results.state_bytes[state_kind] = size // max(len(custom), 1)
            stack.destroy(*flags, env=env)
            self.progress.log(f"native bench: {key}: up {seconds:.2f}s")


def run_native(cli_env: Dict[str, str], root: Path, progress: Progress,
               quick: bool) -> NativeResults:
    """Every native measurement, with an emulator of its own (SCALE_SIZE accounts)."""
    results = NativeResults()
    results.seconds[COLD_START] = cold_start()
    progress.log(f"native bench: plugin cold start {results.median(COLD_START):.2f}s")
    repeats = 1 if quick else 3
    accounts = {number: programs.API_KEY for number in numbers(SCALE_SIZE)}
    with running_emulator(accounts) as emu:
        run = Runner(root, cli_env, emu, progress, results)
        native = run.stack(webhook_program(NATIVE_SIZE, native=True))
        noop = run.stack(native_noop_program(NATIVE_SIZE))
        # Rounds: in each, the no-op and then the native runs at each --parallel, back to
        # back, so that native_latency_ratio can compare the samples of one round.
        for _ in range(1 if quick else NATIVE_ROUNDS):
            for parallel in PARALLELS:
                flag = ("--parallel", str(parallel))
                run.time_up(f"native-noop N={NATIVE_SIZE} --parallel {parallel}", noop, 1,
                            *flag)
                for latency in LATENCIES:
                    with measure.api_latency(emu, latency):
                        run.time_up(f"native N={NATIVE_SIZE} {latency * 1000:.0f}ms --parallel "
                                    f"{parallel}", native, 1, *flag)
        scale_repeats = 1 if quick else SCALE_ROUNDS
        scale = [
            (WEBHOOK_AT_SCALE, run.stack(webhook_program(SCALE_SIZE, native=False)), "Webhook"),
            (NOOP_AT_SCALE, run.stack(programs.noop_program(SCALE_SIZE)), "dynamic no-op"),
            (SHAPED_AT_SCALE, run.stack(shaped_program(SCALE_SIZE, emu.base_url)),
             "dynamic no-op shaped like Webhook"),
            (f"native N={SCALE_SIZE} 0ms", run.stack(webhook_program(SCALE_SIZE, native=True)),
             "native Webhook"),
        ]
        # The kinds take turns, so a change in the machine's load touches each of them alike;
        # scale_ratio compares the first two, run back to back, each first in every other round;
        # the shaped no-op follows them.
        for round_no in range(scale_repeats):
            first, second, *rest = scale
            for key, stack, kind in ([second, first] if round_no % 2 else [first, second]) + rest:
                run.time_up(key, stack, 1, state_kind=kind)
        run.time_up(f"Webhook N={SCALE_SIZE} 0ms PULUMI_SKIP_CHECKPOINTS=true",
                    run.stack(webhook_program(SCALE_SIZE, native=False)), repeats,
                    env={"PULUMI_SKIP_CHECKPOINTS": "true"})
    return results
