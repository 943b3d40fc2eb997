"""Turn the benchmark's measurements into a Markdown table, JSON, a chart and a summary line."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from measure import CREATE_CALLS, EXPECTED_PER_RESOURCE, Series

#: The Pulumi engine runs dynamic-provider calls on a pool of this many threads.
PROVIDER_WORKERS = 4
TARGET_OVERHEAD = 1.10
TARGET_LATENCY = 1.25
TARGET_PROVIDER_BYTES = 2048
OP_TITLES = {
    "create": "up (create)",
    "unchanged_up": "no-change up",
    "refresh": "refresh",
    "destroy": "destroy",
    "preview": "no-change preview",
    "update": "up (update url)",
}
TIME_OPS = ("create", "unchanged_up", "refresh", "destroy", "preview", "update")
CALL_OPS = ("create", "unchanged_up", "preview", "update", "refresh", "destroy")


@dataclass
class Results:
    """Everything one benchmark run measured."""

    sizes: Sequence[int]
    latencies: Sequence[float]
    series: Dict[Tuple[str, int, float], Series] = field(default_factory=dict)
    direct: Dict[Tuple[int, float], List[float]] = field(default_factory=dict)
    providers: Dict[Tuple[str, int], Dict[str, Any]] = field(default_factory=dict)
    meta: Dict[str, Any] = field(default_factory=dict)

    def get(self, kind: str, count: int, latency: float = 0.0) -> Series:
        """The series for `kind` at `count` resources and `latency` seconds."""
        return self.series[(kind, count, latency)]

    def ordered_series(self) -> List[Series]:
        """Series sorted by kind (Noop first), latency, then count."""
        return sorted(self.series.values(), key=lambda s: (s.kind != "noop", s.latency, s.count))


@dataclass(frozen=True)
class Summary:
    """The headline numbers and whether each target is met."""

    calls_exact: bool
    overhead_ratio: float
    latency_ratio: float
    provider_bytes: int

    def line(self) -> str:
        """The final stdout line."""
        return (
            f"bench: calls_exact={str(self.calls_exact).lower()} "
            f"overhead_ratio={self.overhead_ratio:.2f} latency_ratio={self.latency_ratio:.2f} "
            f"provider_bytes={self.provider_bytes}"
        )

    def targets(self) -> List[Tuple[str, bool]]:
        """(description, met) for each target."""
        return [
            ("API calls exactly as specified for every operation and run", self.calls_exact),
            (
                f"overhead ratio R = {self.overhead_ratio:.2f} <= {TARGET_OVERHEAD:.2f}",
                self.overhead_ratio <= TARGET_OVERHEAD,
            ),
            (
                f"latency ratio L = {self.latency_ratio:.2f} <= {TARGET_LATENCY:.2f}",
                self.latency_ratio <= TARGET_LATENCY,
            ),
            (
                f"provider bytes B = {self.provider_bytes} <= {TARGET_PROVIDER_BYTES}",
                self.provider_bytes <= TARGET_PROVIDER_BYTES,
            ),
        ]


def ideal_latency_time(count: int, latency: float, noop_seconds: float) -> float:
    """The best a Webhook up can do: the engine's own cost plus each create's calls in
    sequence, 4 creates at a time."""
    return math.ceil(count / PROVIDER_WORKERS) * CREATE_CALLS * latency + noop_seconds


def summarise(results: Results, count: int = 50, latency: float = 0.3) -> Summary:
    """R, L, B and calls_exact as the issue defines them."""
    noop_up = _required(results.get("noop", count).median("create"))
    fast_up = _required(results.get("webhook", count, 0.0).median("create"))
    slow_up = _required(results.get("webhook", count, latency).median("create"))
    one_hook = results.providers[("webhook", min(results.sizes))]
    return Summary(
        calls_exact=all(s.calls_exact() for s in results.series.values()),
        overhead_ratio=fast_up / noop_up,
        latency_ratio=slow_up / ideal_latency_time(count, latency, noop_up),
        provider_bytes=one_hook["provider_bytes"][0],
    )


def _required(value: Optional[float]) -> float:
    if value is None:
        raise RuntimeError("a measurement the summary needs is missing")
    return value


# --- Markdown -------------------------------------------------------------------------------


def _seconds(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.2f}"


def _latency_label(series: Series) -> str:
    if series.kind == "noop":
        return "n/a (no calls)"
    return f"{series.latency * 1000:.0f} ms"


def _name(series: Series) -> str:
    return "Noop" if series.kind == "noop" else "Webhook"


def time_table(results: Results) -> List[str]:
    """Median wall time per operation, one row per series."""
    ops = " | ".join(OP_TITLES[op] for op in TIME_OPS)
    rows = [
        f"| resource | API latency | N | runs | {ops} |",
        "|---|---|--:|--:|" + "--:|" * len(TIME_OPS),
    ]
    for s in results.ordered_series():
        cells = " | ".join(_seconds(s.median(op)) for op in TIME_OPS)
        runs = len(s.times.get("create", []))
        rows.append(f"| {_name(s)} | {_latency_label(s)} | {s.count} | {runs} | {cells} |")
    return rows


def direct_table(results: Results) -> List[str]:
    """The plain loop of sequential setWebhook calls."""
    rows = [
        "| API latency | N | runs | total s (median) | ms per call |",
        "|---|--:|--:|--:|--:|",
    ]
    for (count, latency), samples in sorted(results.direct.items(), key=lambda i: i[0][::-1]):
        median = statistics.median(samples)
        rows.append(
            f"| {latency * 1000:.0f} ms | {count} | {len(samples)} | {median:.2f} "
            f"| {median / count * 1000:.1f} |"
        )
    return rows


def _call_cell(series: Series, op: str) -> str:
    samples = series.calls.get(op)
    if not samples:
        return "–"
    expected = series.expected_calls(op)
    distinct = sorted({(c["setWebhook"], c["getWebhook"]) for c in samples})
    text = ", ".join(f"{s}/{g}" for s, g in distinct)
    if any(sample != expected for sample in samples):
        text += f" **(expected {expected['setWebhook']}/{expected['getWebhook']})**"
    return text


def calls_table(results: Results) -> List[str]:
    """API calls (setWebhook/getWebhook) each operation made, over all runs."""
    ops = " | ".join(OP_TITLES[op] for op in CALL_OPS)
    rows = [
        f"| resource | API latency | N | {ops} | exact |",
        "|---|---|--:|" + "--:|" * len(CALL_OPS) + ":-:|",
    ]
    for s in results.ordered_series():
        cells = " | ".join(_call_cell(s, op) for op in CALL_OPS)
        exact = "yes" if s.calls_exact() else "**no**"
        rows.append(f"| {_name(s)} | {_latency_label(s)} | {s.count} | {cells} | {exact} |")
    return rows


def provider_table(results: Results) -> List[str]:
    """Size of the serialised provider and of the whole state entry, per resource."""
    rows = [
        "| resource | N | `__provider` bytes (base64) | pickle bytes | stored as secret "
        "| state entry bytes |",
        "|---|--:|--:|--:|:-:|--:|",
    ]
    for (kind, count), info in sorted(results.providers.items()):
        pickles = info["pickle_bytes"]
        rows.append(
            f"| {'Noop' if kind == 'noop' else 'Webhook'} | {count} "
            f"| {_span(info['provider_bytes'])} | {_span(pickles) if pickles else '–'} "
            f"| {'yes' if info['provider_secret'] else 'no'} | {_span(info['state_entry_bytes'])} |"
        )
    return rows


def _span(values: Sequence[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def target_lines(summary: Summary) -> List[str]:
    """One line per target: met or missed."""
    return [f"- {'met   ' if met else 'MISSED'}  {text}" for text, met in summary.targets()]


def spread_lines(results: Results, count: int = 50) -> List[str]:
    """The raw `up` (create) samples behind R and L, to show the run-to-run noise."""
    lines = [f"Raw `up` (create) samples at N={count}, seconds:", ""]
    for s in results.ordered_series():
        if s.count == count:
            samples = ", ".join(f"{v:.2f}" for v in s.times.get("create", []))
            lines.append(f"- {_name(s)}, {_latency_label(s)}: {samples}")
    return lines


def _runs(repeats: Dict[str, int]) -> str:
    return ", ".join(f"{size}: {runs}" for size, runs in repeats.items()) or "?"


def markdown(results: Results, summary: Summary) -> str:
    """The full report: tables, how it was measured, targets and the summary line."""
    meta = results.meta
    expected = ", ".join(
        f"{OP_TITLES[op]} {c['setWebhook']}/{c['getWebhook']}"
        for op, c in EXPECTED_PER_RESOURCE.items()
    )
    parts = [
        "# pulumi-wa-webhook benchmark",
        "",
        f"Pulumi CLI {meta.get('pulumi_version', '?')}, Python {meta.get('python', '?')}, "
        f"{meta.get('cpus', '?')} CPUs; emulator in-process on 127.0.0.1. "
        f"Runs per size: {_runs(meta.get('repeats', {}))}; times are medians.",
        "",
        "Commands (the same flags for Webhook and Noop): `pulumi up --yes --skip-preview` "
        "(the no-change up adds `--expect-no-changes`), `pulumi refresh --yes --skip-preview`, "
        "`pulumi destroy --yes --skip-preview`, `pulumi preview --diff --expect-no-changes`. "
        "API latency is an emulator delay fault on every call. Noop makes no API calls, so it "
        "runs once per N, without the delay.",
        "",
        "## Wall time (seconds, median)",
        "",
        *time_table(results),
        "",
        "## Direct API loop: N sequential `requests.post` to setWebhook",
        "",
        *direct_table(results),
        "",
        "## API calls per operation (setWebhook/getWebhook per run, from the emulator log)",
        "",
        f"Expected per Webhook resource: {expected}; Noop: none.",
        "",
        *calls_table(results),
        "",
        "## Serialised provider per resource",
        "",
        *provider_table(results),
        "",
        "## Targets",
        "",
        f"R = Webhook up (N=50, 0 ms) / Noop up (N=50); L = Webhook up (N=50, 300 ms) / "
        f"(ceil(50/{PROVIDER_WORKERS}) x {CREATE_CALLS} calls x 0.3 s + Noop up (N=50)); "
        "B = `__provider` bytes of one Webhook.",
        "",
        *target_lines(summary),
        "",
        *spread_lines(results),
        "",
        f"Total runtime: {meta.get('runtime_s', 0):.0f} s.",
        "",
    ]
    return "\n".join(parts)


# --- JSON and chart -------------------------------------------------------------------------


def raw_json(results: Results, summary: Summary) -> Dict[str, Any]:
    """Every raw sample plus the summary, JSON-ready."""
    return {
        "meta": results.meta,
        "summary": {
            "calls_exact": summary.calls_exact,
            "overhead_ratio": summary.overhead_ratio,
            "latency_ratio": summary.latency_ratio,
            "provider_bytes": summary.provider_bytes,
            "targets": {text: met for text, met in summary.targets()},
        },
        "series": [s.to_dict() for s in results.ordered_series()],
        "direct_loop": [
            {"count": count, "latency_s": latency, "times_s": samples}
            for (count, latency), samples in sorted(results.direct.items())
        ],
        "providers": [
            dict(info, kind=kind, count=count)
            for (kind, count), info in sorted(results.providers.items())
        ],
    }


def write_chart(results: Results, path: Path) -> None:
    """Grouped bars of the median times: one panel per operation, plus the direct loop."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results.sizes)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    for ax, op in zip(axes.flat, ("create", "unchanged_up", "refresh", "destroy"), strict=False):
        _engine_panel(ax, results, op, sizes)
    _direct_panel(axes.flat[4], results, sizes)
    axes.flat[5].axis("off")
    fig.suptitle("pulumi-wa-webhook: wall time against the emulator (median seconds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _engine_panel(ax: Any, results: Results, op: str, sizes: List[int]) -> None:
    bars = [("Noop", "noop", 0.0)] + [
        (f"Webhook {lat * 1000:.0f} ms", "webhook", lat) for lat in results.latencies
    ]
    width = 0.8 / len(bars)
    for index, (label, kind, latency) in enumerate(bars):
        values = [results.get(kind, n, latency).median(op) or 0.0 for n in sizes]
        xs = [i + (index - (len(bars) - 1) / 2) * width for i in range(len(sizes))]
        ax.bar(xs, values, width, label=label)
    if op == "create":
        for i, n in enumerate(sizes):
            noop = results.get("noop", n).median("create") or 0.0
            ideal = ideal_latency_time(n, max(results.latencies), noop)
            ax.hlines(
                ideal,
                i - 0.45,
                i + 0.45,
                colors="black",
                linestyles="dashed",
                label="ideal at 300 ms" if i == 0 else None,
            )
    ax.set_title(OP_TITLES[op])
    ax.set_xticks(range(len(sizes)), [f"N={n}" for n in sizes])
    ax.set_ylabel("seconds")
    ax.legend(fontsize="small")


def _direct_panel(ax: Any, results: Results, sizes: List[int]) -> None:
    width = 0.8 / len(results.latencies)
    for index, latency in enumerate(results.latencies):
        values = [statistics.median(results.direct[(n, latency)]) for n in sizes]
        xs = [i + (index - (len(results.latencies) - 1) / 2) * width for i in range(len(sizes))]
        ax.bar(xs, values, width, label=f"{latency * 1000:.0f} ms")
    ax.set_title("direct loop: N sequential setWebhook")
    ax.set_xticks(range(len(sizes)), [f"N={n}" for n in sizes])
    ax.set_ylabel("seconds")
    ax.legend(fontsize="small")


def write_all(results: Results, summary: Summary, out_dir: Path) -> str:
    """Write results.md, results.json and chart.png into `out_dir`; returns the Markdown."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(results, summary)
    (out_dir / "results.md").write_text(text, encoding="utf-8")
    (out_dir / "results.json").write_text(
        json.dumps(raw_json(results, summary), indent=2) + "\n", encoding="utf-8"
    )
    write_chart(results, out_dir / "chart.png")
    return text
