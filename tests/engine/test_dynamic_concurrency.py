"""The dynamic Webhook runs API calls as concurrently as the engine asks, up to
`wa-webhook:maxConcurrency`, through the real engine.

The Pulumi SDK serves dynamic providers on 4 threads; `dynamic.workers` widens that pool in
the provider process. The emulator's `peak_in_flight` (the most API requests it was answering
at once) shows the concurrency: every answer is delayed, so calls that run together overlap.
No test asserts a time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from webhook_programs import KEY_1, stored

from pulumi_wa_webhook.config import (
    DEFAULT_MAX_CONCURRENCY,
    MAX_CONCURRENCY_CONFIG,
    MAX_CONCURRENCY_ENV,
)

URL = "https://hooks.example.com/wa"
#: Each API answer comes this late, so the calls the provider runs together overlap.
DELAY = 1.0
#: A simulated SDK whose server's executor is not the standard class (tests/data/...).
OTHER_SDK = Path(__file__).parent.parent / "data" / "fixed_sdk_pool"


def hooks_for(emulator, count: int) -> list[dict]:
    """`count` Webhooks on accounts of their own (created in the emulator with KEY_1)."""
    numbers = [f"9725000001{index:02d}" for index in range(count)]
    for number in numbers:
        emulator.add_account(number, KEY_1)
    return [{"name": f"h{index}", "from_number": number, "url": URL}
            for index, number in enumerate(numbers)]


def up_with_slow_api(stack, emulator, *flags: str, env=None):
    """`pulumi up` with every API answer DELAY late; returns the most calls seen at once."""
    emulator.add_fault("*", times=1000, delay=DELAY)
    emulator.reset_peak_in_flight()
    try:
        result = stack.up(*flags, env=env)
    finally:
        emulator.clear_faults()
    return emulator.peak_in_flight, result


def assert_all_written(stack, emulator, hooks) -> None:
    """Each account holds the program's URL, each resource is in the state with it."""
    for hook in hooks:
        assert stored(emulator, hook["from_number"])["url"] == URL
    outputs = stack.outputs()
    assert {outputs[f"{hook['name']}_url"] for hook in hooks} == {URL}
    assert len(stack.resources("wa-webhook:Webhook")) == len(hooks)


@pytest.mark.compat  # the oldest and newest SDK and Python (`make test-compat`)
def test_more_than_four_calls_in_flight_with_parallel_16(hook_stack, emulator):
    hooks = hooks_for(emulator, 16)
    stack = hook_stack(*hooks)
    stack.preview()
    peak, _ = up_with_slow_api(stack, emulator, "--parallel", "16")
    assert 4 < peak <= min(16, DEFAULT_MAX_CONCURRENCY)
    assert emulator.count("getWebhook") == 2 * emulator.count("setWebhook") == 32  # + read back
    assert_all_written(stack, emulator, hooks)


@pytest.mark.parametrize("source", ["config", "env"])
def test_calls_in_flight_never_exceed_the_configured_bound(hook_stack, emulator, source):
    bound = 6
    hooks = hooks_for(emulator, 16)
    stack = hook_stack(*hooks)
    env = None
    if source == "config":
        stack.set_config(MAX_CONCURRENCY_CONFIG, str(bound))
    else:
        env = {MAX_CONCURRENCY_ENV: str(bound)}
    peak, _ = up_with_slow_api(stack, emulator, "--parallel", "16", env=env)
    assert 4 < peak <= bound
    assert_all_written(stack, emulator, hooks)
    # The bound holds for every engine call, not only creates: refresh reads all 16.
    emulator.add_fault("*", times=1000, delay=DELAY)
    emulator.reset_peak_in_flight()
    stack.refresh("--parallel", "16", env=env)
    emulator.clear_faults()
    assert 4 < emulator.peak_in_flight <= bound


def test_a_bound_below_four_holds_too(hook_stack, emulator):
    hooks = hooks_for(emulator, 8)
    stack = hook_stack(*hooks)
    stack.set_config(MAX_CONCURRENCY_CONFIG, "2")
    peak, _ = up_with_slow_api(stack, emulator, "--parallel", "16")
    assert peak <= 2
    assert_all_written(stack, emulator, hooks)


@pytest.mark.compat
def test_an_sdk_that_serves_differently_keeps_four_calls_and_every_result(
    hook_stack, emulator
):
    hooks = hooks_for(emulator, 12)
    stack = hook_stack(*hooks)
    stack.set_config(MAX_CONCURRENCY_CONFIG, "16")
    env = {"PYTHONPATH": str(OTHER_SDK)}
    stack.preview(env=env)
    peak, result = up_with_slow_api(stack, emulator, "--parallel", "16", env=env)
    assert peak <= 4
    assert "error" not in result.output.lower() and "warning" not in result.output.lower()
    assert_all_written(stack, emulator, hooks)
    stack.destroy(env=env)
    assert all(stored(emulator, hook["from_number"])["url"] == "" for hook in hooks)


def test_a_bad_bound_fails_preview_naming_the_key(hook_stack, emulator):
    value = "0"  # the other bad values: tests/unit/test_config.py
    stack = hook_stack(*hooks_for(emulator, 1))
    stack.set_config(MAX_CONCURRENCY_CONFIG, value)
    failed = stack.preview(check=False)
    assert failed.code != 0
    assert f"{MAX_CONCURRENCY_CONFIG} must be a whole number from 1 to 256, got {value!r}" \
        in failed.output
    assert "Traceback" not in failed.output
    assert emulator.requests() == []
