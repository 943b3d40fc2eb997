"""Benchmark the Webhook resource through the real Pulumi CLI against the emulator (issue #7).

Run with `make bench`. For N = 1, 10, 50 it times `pulumi up` (create), a no-change `up`,
`refresh` and `destroy` of N Webhooks at API latency 0 and 300 ms, of N no-op dynamic
resources (the engine's own cost) and a plain loop of N setWebhook calls (the API's own cost);
counts the API calls of every operation; measures the serialised provider. Writes
`.bench/results.md`, `.bench/results.json` and `.bench/chart.png`; the last stdout line is

    bench: calls_exact=true|false overhead_ratio=R latency_ratio=L provider_bytes=B
           native_latency_ratio=NL scale_ratio=S dynamic_latency_ratio=DL

`--dynamic-latency-only` runs only the dynamic_latency_ratio rounds (a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import dynamic_latency
import measure
import native
import programs
import report
from cli_harness import CommandFailed, Stack, base_env
from measure import CycleRunner, Progress, Series
from report import Results

from pulumi_wa_webhook.emulator.testing import Emulator, running_emulator

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / ".bench"
FROZEN_COLD_START = "frozen plugin cold start (make dist's release build, to its port line)"
SIZES = (1, 10, 50)
LATENCIES = (0.0, 0.3)
#: Cycles (create, no-change up, refresh, destroy) per size; medians are reported.
REPEATS = {1: 3, 10: 3, 50: 7}
#: Direct-loop repetitions: the zero-latency loop is noisy, the delayed one is not.
DIRECT_REPEATS = {0.0: 3, 0.3: 1}

#: (kind, latency) of the stacks run in each round; the order rotates from round to round.
Plan = List[Tuple[str, float]]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Command-line options (only for trying the script out; `make bench` passes none)."""
    parser = argparse.ArgumentParser(description="Benchmark the Webhook resource (issue #7).")
    parser.add_argument("--quick", action="store_true", help="one run per size (smoke test)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument("--native-only", action="store_true",
                        help="only the native provider's measurements (issue #12)")
    parser.add_argument("--dynamic-latency-only", action="store_true",
                        help="only dynamic_latency_ratio (issue 26)")
    return parser.parse_args(argv)


def pulumi_dir() -> str:
    """The directory of the Pulumi CLI, from WA_WEBHOOK_PULUMI_DIR (set by `make bench`)."""
    cli_dir = os.environ.get("WA_WEBHOOK_PULUMI_DIR")
    if not cli_dir:
        sys.exit("bench: set WA_WEBHOOK_PULUMI_DIR to the Pulumi CLI directory (`make bench` does)")
    if not (Path(cli_dir) / "pulumi").is_file():
        sys.exit(f"bench: no `pulumi` in WA_WEBHOOK_PULUMI_DIR={cli_dir}")
    return cli_dir


def pulumi_version(env: Dict[str, str]) -> str:
    """`pulumi version` with the benchmark's environment."""
    proc = subprocess.run(["pulumi", "version"], env=env, capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


def make_stack(root: Path, env: Dict[str, str], emu: Emulator, kind: str, count: int) -> Stack:
    """A fresh project + stack for `count` resources of `kind`, configured for the emulator."""
    if kind == "noop":
        return Stack.create(root / f"noop-{count}", env, programs.noop_program(count))
    stack = Stack.create(root / f"webhook-{count}", env, programs.webhook_program(count))
    stack.set_config("wa-webhook:endpoint", emu.base_url)
    stack.set_config("wa-webhook:apiKey", programs.API_KEY, secret=True)
    return stack


def program_for(kind: str, count: int) -> str:
    """The program text a cycle starts from."""
    if kind == "noop":
        return programs.noop_program(count)
    return programs.webhook_program(count)


def warm_up(root: Path, env: Dict[str, str], emu: Emulator, progress: Progress) -> None:
    """One untimed Noop up + destroy, so the first timed command pays no cold-start costs."""
    stack = make_stack(root / "warm-up", env, emu, "noop", 1)
    stack.up()
    stack.destroy()
    progress.log("warm-up done (one untimed Noop up + destroy)")


def provider_recorder(results: Results, kind: str, count: int) -> Callable[[Stack], None]:
    """A callback that measures the serialised providers in the stack's state."""

    def record(stack: Stack) -> None:
        suffix = "wa-webhook:Noop" if kind == "noop" else "wa-webhook:Webhook"
        results.providers[(kind, count)] = measure.provider_blob_sizes(stack, suffix)

    return record


def run_size(
    results: Results,
    root: Path,
    env: Dict[str, str],
    emu: Emulator,
    count: int,
    repeats: int,
    progress: Progress,
) -> None:
    """Every engine measurement for N = `count`: rounds of interleaved cycles."""
    plan: Plan = [("noop", 0.0)] + [("webhook", latency) for latency in results.latencies]
    stacks = {kind: make_stack(root, env, emu, kind, count) for kind in ("noop", "webhook")}
    runners = {}
    for kind, latency in plan:
        series = results.series[(kind, count, latency)] = Series(kind, count, latency)
        runners[(kind, latency)] = CycleRunner(emu, stacks[kind], series, program_for(kind, count))
    for round_no in range(repeats):
        shift = round_no % len(plan)
        for kind, latency in plan[shift:] + plan[:shift]:
            first = round_no == 0 and latency == 0.0
            with measure.api_latency(emu, latency):
                seconds = runners[(kind, latency)].run(
                    with_extras=first and kind == "webhook",
                    after_create=provider_recorder(results, kind, count) if first else None,
                )
            progress.log(describe(kind, count, latency, round_no, repeats, seconds))


def describe(
    kind: str, count: int, latency: float, round_no: int, repeats: int, seconds: Dict[str, float]
) -> str:
    """A progress line for one finished cycle."""
    name = "Noop   " if kind == "noop" else "Webhook"
    ops = ", ".join(f"{report.OP_TITLES[op]} {value:.2f}s" for op, value in seconds.items())
    return (
        f"{name} N={count:<2} latency={latency * 1000:3.0f}ms run {round_no + 1}/{repeats}: {ops}"
    )


def run_direct(results: Results, emu: Emulator, progress: Progress, quick: bool) -> None:
    """The plain loops of N setWebhook calls at each latency."""
    for latency in results.latencies:
        with measure.api_latency(emu, latency):
            for count in results.sizes:
                runs = 1 if quick else DIRECT_REPEATS.get(latency, 1)
                samples = [measure.direct_loop(emu, count) for _ in range(runs)]
                results.direct[(count, latency)] = samples
                progress.log(
                    f"direct loop N={count:<2} latency={latency * 1000:3.0f}ms: "
                    + ", ".join(f"{s:.2f}s" for s in samples)
                )
    # The loops wrote the programs' URL: a create would find it and write nothing.
    measure.clear_accounts(emu, max(results.sizes))


def run_all(cli_dir: str, quick: bool, progress: Progress) -> Results:
    """Start the emulator and a scratch Pulumi home, and measure everything."""
    repeats = {n: 1 for n in SIZES} if quick else dict(REPEATS)
    results = Results(SIZES, LATENCIES)
    with (
        tempfile.TemporaryDirectory(prefix="wa-webhook-bench-") as tmp,
        running_emulator(programs.emulator_accounts(max(SIZES))) as emu,
    ):
        root = Path(tmp)
        env = base_env(cli_dir, root / "pulumi-home")
        results.meta.update(
            pulumi_version=pulumi_version(env),
            python=platform.python_version(),
            cpus=os.cpu_count(),
            repeats={f"N={n}": runs for n, runs in repeats.items()},
            direct_repeats={f"{k * 1000:.0f} ms": v for k, v in DIRECT_REPEATS.items()},
            up_flags="--yes --skip-preview (Webhook and Noop alike)",
        )
        progress.log(
            f"Pulumi {results.meta['pulumi_version']}; every `up` runs as "
            "`pulumi up --yes --skip-preview` for Webhook and Noop alike"
        )
        warm_up(root, env, emu, progress)
        run_direct(results, emu, progress, quick)
        for count in SIZES:
            run_size(results, root, env, emu, count, repeats[count], progress)
    return results


def run_native(cli_dir: str, quick: bool, progress: Progress, out: Path) -> native.NativeResults:
    """The native provider's measurements; writes `native.md` and `native.json`."""
    with tempfile.TemporaryDirectory(prefix="wa-webhook-bench-native-") as tmp:
        root = Path(tmp)
        results = native.run_native(base_env(cli_dir, root / "pulumi-home"), root, progress,
                                    quick)
    # The release plugin (PyInstaller one-folder, `make dist`) beside the venv's console script.
    frozen = (REPO / "build" / "dist" / "pyinstaller" / "dist" / "pulumi-resource-wa-webhook"
              / "pulumi-resource-wa-webhook")
    if frozen.is_file():
        results.seconds[FROZEN_COLD_START] = native.cold_start(plugin=frozen)
        progress.log(f"native bench: frozen plugin cold start "
                     f"{results.median(FROZEN_COLD_START):.2f}s")
    else:
        progress.log("native bench: no frozen plugin (run `make dist`) for its cold start")
    out.mkdir(parents=True, exist_ok=True)
    (out / "native.md").write_text(results.table() + "\n")
    (out / "native.json").write_text(json.dumps(
        {"seconds": results.seconds, "state_bytes": results.state_bytes,
         "ratios": results.ratios(), "scale_split": results.scale_split()}, indent=2))
    return results


def run_dynamic(cli_dir: str, quick: bool, progress: Progress,
                out: Path) -> dynamic_latency.DynamicLatency:
    """The dynamic Webhook's latency rounds; writes `dynamic-latency.md` and `.json`."""
    with tempfile.TemporaryDirectory(prefix="wa-webhook-bench-dynamic-") as tmp:
        root = Path(tmp)
        results = dynamic_latency.run_dynamic_latency(
            base_env(cli_dir, root / "pulumi-home"), root, progress, quick)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dynamic-latency.md").write_text(results.table() + "\n")
    (out / "dynamic-latency.json").write_text(json.dumps(
        {"seconds": results.seconds, "peak_in_flight": results.peaks,
         "dynamic_latency_ratio": results.ratio()}, indent=2))
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmark, print the report and write the result files."""
    args = parse_args(argv)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a shell: the CLI's children would inherit SIGINT
        # ignored, and the engine waits 5 s before it kills them (tests/conftest.py).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    cli_dir = pulumi_dir()
    progress = Progress()
    try:
        if args.dynamic_latency_only:
            dynamic = run_dynamic(cli_dir, args.quick, progress, args.out)
            print()
            print(dynamic.table())
            print(f"bench: {dynamic.line()}")
            return 0
        results = None if args.native_only else run_all(cli_dir, args.quick, progress)
        native_results = run_native(cli_dir, args.quick, progress, args.out)
        dynamic = run_dynamic(cli_dir, args.quick, progress, args.out)
    except CommandFailed as err:
        print(f"bench: a Pulumi command failed, no results written\n{err}", file=sys.stderr)
        return 1
    print()
    print(native_results.table())
    print()
    print(dynamic.table())
    if results is None:
        print(f"bench: {native_results.line()} {dynamic.line()}")
        return 0
    results.meta["runtime_s"] = progress.elapsed()
    summary = report.summarise(results)
    text = report.write_all(results, summary, args.out)
    print()
    print(text)
    print(f"(written to {args.out}/results.md, results.json, chart.png, native.md, native.json, "
          "dynamic-latency.md, dynamic-latency.json)")
    print(f"{summary.line()} {native_results.line()} {dynamic.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
