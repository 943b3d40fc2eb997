"""Timed Pulumi operations and API-call counts against the in-process emulator."""

from __future__ import annotations

import base64
import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

import programs
import requests
from cli_harness import Result, Stack

from pulumi_wa_webhook.emulator.testing import Emulator

CALLS = ("setWebhook", "getWebhook")
#: API calls each operation should make per Webhook resource (Noop: none at all). A create
#: reads the account first (it never overwrites another configuration blind), writes the
#: cleared account the bench starts from, then reads it back (another deployment may have
#: written at the same moment: docs/ownership.md).
EXPECTED_PER_RESOURCE: Dict[str, Dict[str, int]] = {
    "create": {"setWebhook": 1, "getWebhook": 2},
    "unchanged_up": {"setWebhook": 0, "getWebhook": 0},
    "preview": {"setWebhook": 0, "getWebhook": 0},
    "update": {"setWebhook": 1, "getWebhook": 0},
    "refresh": {"setWebhook": 0, "getWebhook": 1},
    "destroy": {"setWebhook": 1, "getWebhook": 0},
}
#: The API calls one create makes, one after the other (getWebhook, setWebhook, getWebhook):
#: the latency ratios compare a create with that many round trips.
CREATE_CALLS = sum(EXPECTED_PER_RESOURCE["create"].values())
#: The operations timed in every cycle, in order; `preview` and `update` run in one cycle only.
CYCLE_OPS = ("create", "unchanged_up", "refresh", "destroy")
#: Emulator fault repetitions: enough for every call of the run.
FAULT_TIMES = 10**9
NO_CHANGES = "--expect-no-changes"


class Progress:
    """Progress lines on stdout, stamped with the seconds since the run started."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.start

    def log(self, message: str) -> None:
        """Print one progress line right away."""
        print(f"[{self.elapsed():6.1f}s] {message}", flush=True)


@dataclass
class Series:
    """Every sample for one resource kind, resource count and API latency."""

    kind: str
    count: int
    latency: float
    times: Dict[str, List[float]] = field(default_factory=dict)
    calls: Dict[str, List[Dict[str, int]]] = field(default_factory=dict)
    unexpected_changes: List[str] = field(default_factory=list)

    def add(self, op: str, seconds: float, calls: Dict[str, int]) -> None:
        """Record one run of `op`."""
        self.times.setdefault(op, []).append(seconds)
        self.calls.setdefault(op, []).append(calls)

    def median(self, op: str) -> Optional[float]:
        """The median wall time of `op`, or None if it never ran."""
        samples = self.times.get(op)
        return statistics.median(samples) if samples else None

    def expected_calls(self, op: str) -> Dict[str, int]:
        """The API calls `op` must make for this series."""
        per_resource = 0 if self.kind == "noop" else 1
        return {
            call: n * per_resource * self.count for call, n in EXPECTED_PER_RESOURCE[op].items()
        }

    def calls_exact(self) -> bool:
        """Whether every recorded operation made exactly the expected calls."""
        return all(
            sample == self.expected_calls(op)
            for op, samples in self.calls.items()
            for sample in samples
        )

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready raw data, expected call counts and medians included."""
        return {
            "kind": self.kind,
            "count": self.count,
            "latency_s": self.latency,
            "times_s": self.times,
            "median_s": {op: self.median(op) for op in self.times},
            "calls": self.calls,
            "expected_calls": {op: self.expected_calls(op) for op in self.calls},
            "calls_exact": self.calls_exact(),
            "unexpected_changes": self.unexpected_changes,
        }


@contextlib.contextmanager
def api_latency(emu: Emulator, seconds: float) -> Iterator[None]:
    """Delay every API answer by `seconds` for the block (a delay-only fault answers normally)."""
    if seconds > 0:
        emu.add_fault(path="*", times=FAULT_TIMES, delay=seconds)
    try:
        yield
    finally:
        emu.clear_faults()


def api_calls(emu: Emulator) -> Dict[str, int]:
    """The API calls in the emulator's log, by call name; raises on anything unexpected."""
    counts = {call: emu.count(call) for call in CALLS}
    if sum(counts.values()) != emu.count():
        raise RuntimeError(f"the emulator logged calls other than {CALLS}: {emu.requests()}")
    return counts


def timed_op(emu: Emulator, series: Series, op: str, action: Callable[[], Result]) -> float:
    """Run one Pulumi command with a clean request log; record its wall time and API calls."""
    emu.clear_requests()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    series.add(op, seconds, api_calls(emu))
    if result.code != 0:
        series.unexpected_changes.append(op)
        tail = result.output.strip().splitlines()[-5:]
        print(f"  warning: {op} reported changes or failed:\n    " + "\n    ".join(tail))
    return seconds


class CycleRunner:
    """Runs create / no-change up / refresh / destroy cycles on one stack."""

    def __init__(self, emu: Emulator, stack: Stack, series: Series, program: str) -> None:
        self.emu = emu
        self.stack = stack
        self.series = series
        self.program = program

    def run(
        self, with_extras: bool = False, after_create: Optional[Callable[[Stack], None]] = None
    ) -> Dict[str, float]:
        """One full cycle; returns the seconds per operation.

        With `with_extras` (Webhook only) a no-change preview and an update of every url run
        before the destroy; `after_create` is called, untimed, right after the create.
        """
        emu, stack, series = self.emu, self.stack, self.series
        if with_extras and series.kind != "webhook":
            raise ValueError("the preview and update steps are for Webhook stacks")
        stack.write_program(self.program)
        seconds = {"create": timed_op(emu, series, "create", stack.up)}
        if after_create is not None:
            after_create(stack)
        seconds.update(
            {
                "unchanged_up": timed_op(
                    emu, series, "unchanged_up", lambda: stack.up(NO_CHANGES, check=False)
                ),
                "refresh": timed_op(emu, series, "refresh", stack.refresh),
            }
        )
        if with_extras:
            seconds["preview"] = timed_op(
                emu, series, "preview", lambda: stack.preview(NO_CHANGES, check=False)
            )
            stack.write_program(programs.webhook_program(series.count, programs.UPDATED_URL))
            seconds["update"] = timed_op(emu, series, "update", stack.up)
        seconds["destroy"] = timed_op(emu, series, "destroy", stack.destroy)
        stack.write_program(self.program)
        return seconds


def direct_loop(emu: Emulator, count: int) -> float:
    """Seconds for `count` sequential `requests.post` setWebhook calls (the API's own cost)."""
    url = f"{emu.base_url}/setWebhook"
    start = time.perf_counter()
    for number in programs.account_numbers(count):
        body = {
            "from": number,
            "apiKey": programs.API_KEY,
            "url": programs.URL,
            "system": 0,
            "systemPhoneAlert": " ",
            "readStatus": 0,
            "retry": 0,
        }
        response = requests.post(url, json=body, timeout=10)
        if response.status_code != 200 or response.json().get("status") != "OK":
            raise RuntimeError(f"direct setWebhook for {number} failed: {response.text[:200]}")
    return time.perf_counter() - start


def clear_accounts(emu: Emulator, count: int) -> None:
    """Put the first `count` accounts back to their cleared settings, out of band (nothing
    in the request log), as `destroy` leaves them: after the direct loops, so that every
    create of the Webhook cycles makes its read and its write (EXPECTED_PER_RESOURCE)."""
    for number in programs.account_numbers(count):
        emu.set_account(number, url="", systemPhoneAlert="", system=0, readStatus=0, retry=0)


def provider_blob_sizes(stack: Stack, type_suffix: str) -> Dict[str, Any]:
    """Length in bytes of each resource's serialised provider (the base64 `__provider`
    input; its ciphertext if it is stored as a secret) and of its whole state entry."""
    resources = stack.resources(type_suffix)
    if not resources:
        raise RuntimeError(f"no {type_suffix} resources in the exported state")
    blobs = [r["inputs"]["__provider"] for r in resources]
    secret = any(isinstance(blob, dict) for blob in blobs)
    texts = [blob["ciphertext"] if isinstance(blob, dict) else blob for blob in blobs]
    return {
        "provider_bytes": [len(text.encode("ascii")) for text in texts],
        "pickle_bytes": [len(base64.b64decode(text)) for text in texts] if not secret else None,
        "provider_secret": secret,
        "state_entry_bytes": [len(json.dumps(r, separators=(",", ":"))) for r in resources],
    }
