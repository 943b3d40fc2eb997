"""Reliability through the real engine: the Pulumi CLI against the emulator's fault controls.

Every test checks both sides after each step: what the account holds (``emulator.account``)
and what the state says (``stack export``), and that no API key ever reaches the CLI output.
The client runs with ``wa-webhook:retries`` = 2, i.e. at most 3 attempts per call.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import pytest
from harness import Result, Stack
from interrupted import kill_when_call_arrives, start_up
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, KEY_2, stored, webhook_program

from pulumi_wa_webhook.model import SETTING_DEFAULTS

ROTATED_KEY = "rotated-key-3f9a"
ROTATED_AGAIN = "rotated-key-8c1d"
ALL_KEYS = (KEY_1, KEY_2, ROTATED_KEY, ROTATED_AGAIN)
ATTEMPTS = 3  # wa-webhook:retries = 2

OLD: Dict[str, Any] = {
    "from_number": ACCOUNT_1,
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["972502211234"],
    "read_status": True,
    "retry": False,
}
NEW: Dict[str, Any] = dict(OLD, url="https://hooks.example.com/v2", retry=True,
                           system_phone_alerts=["972502211234", "972527788695"])
SETTINGS = tuple(OLD)


def wire(settings: Dict[str, Any]) -> Dict[str, Any]:
    """What the account stores for program settings (the emulator's wire form)."""
    return {
        "url": settings["url"],
        "system": int(settings["system"]),
        "systemPhoneAlert": ",".join(settings["system_phone_alerts"]),
        "readStatus": int(settings["read_status"]),
        "retry": int(settings["retry"]),
    }


def program(settings: Dict[str, Any]) -> str:
    return webhook_program(dict(settings, name="support"))


def in_state(stack: Stack, pending: int = 0) -> Optional[Dict[str, Any]]:
    """The Webhook's settings as the state records them (outputs, and inputs equal to them),
    or None when the state has no Webhook. Also checks the number of pending operations."""
    deployment = stack.export()["deployment"]
    assert len(deployment.get("pending_operations") or []) == pending
    hooks = [r for r in deployment.get("resources") or []
             if r["type"].endswith("wa-webhook:Webhook")]
    if not hooks:
        return None
    [hook] = hooks
    outputs = _settings(hook["outputs"])
    assert _settings(hook["inputs"]) == outputs
    return outputs


def _settings(props: Dict[str, Any]) -> Dict[str, Any]:
    """The settings `props` record; the state leaves out those at their default."""
    return {name: props.get(name, SETTING_DEFAULTS.get(name)) for name in SETTINGS}


def error_line(result: Result) -> str:
    """The provider's error as the CLI prints it last: the exception line of the traceback."""
    assert result.code != 0, result.output
    lines = [line.strip() for line in result.output.splitlines()
             if "pulumi_wa_webhook.errors." in line]
    assert lines, result.output
    return lines[-1].split("pulumi_wa_webhook.errors.", 1)[1]


def converges_once_fault_is_gone(stack: Stack, emulator) -> None:
    """With the faults cleared, the next `up` brings account and state to NEW."""
    emulator.clear_faults()
    stack.up()
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW


def assert_no_key(stack: Stack) -> None:
    output = stack.all_output()
    assert output
    for key in ALL_KEYS:
        assert key not in output, f"API key {key!r} found in the CLI output"


@pytest.fixture
def fault_stack(make_stack, emulator):
    """A stack managing ACCOUNT_1 with `settings`, pointed at the emulator, retries = 2."""

    def factory(settings: Dict[str, Any] = OLD, **config: str) -> Stack:
        options = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "2"}
        options.update({f"wa-webhook:{k}": v for k, v in config.items()})
        return make_stack(program(settings), config=options,
                          secrets={"wa-webhook:apiKey": KEY_1})

    return factory


# --- HTTP errors, timeouts, resets, malformed answers --------------------------------------


def test_fault_503_twice_then_ok_on_create_is_retried(fault_stack, emulator):
    stack = fault_stack()
    emulator.add_fault("setWebhook", times=2, status=503)
    stack.up()
    assert emulator.count("setWebhook") == 3  # two 503s, then the answer
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD
    assert_no_key(stack)


def test_fault_persistent_503_on_update_keeps_old_settings_then_converges(fault_stack, emulator):
    stack = fault_stack()
    stack.up()
    stack.write_program(program(NEW))
    emulator.add_fault("setWebhook", times=100, status=503)
    emulator.clear_requests()
    failed = stack.up(check=False)
    message = error_line(failed)
    assert message.startswith(
        f"TransportError: 99digital setWebhook for account {ACCOUNT_1}: the API kept answering "
        f"with an HTTP error after {ATTEMPTS} attempts ("), message
    assert "too many 503 error responses" in message  # urllib3's words, in the parentheses
    assert emulator.count("setWebhook") == ATTEMPTS
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    converges_once_fault_is_gone(stack, emulator)
    stack.preview("--expect-no-changes")
    assert_no_key(stack)


def test_fault_slow_answer_past_the_timeout_fails_then_converges(fault_stack, emulator):
    stack = fault_stack(timeout="0.5")
    stack.up()
    stack.write_program(program(NEW))
    emulator.add_fault("setWebhook", times=ATTEMPTS, delay=2)
    emulator.clear_requests()
    failed = stack.up(check=False)
    assert error_line(failed) == (
        f"TransportError: 99digital setWebhook for account {ACCOUNT_1}: no answer within 0.5 s "
        f"after {ATTEMPTS} attempts")
    assert emulator.count("setWebhook") == ATTEMPTS
    # The engine records no outcome it did not see: the state keeps the old settings.
    assert in_state(stack) == OLD
    # The server still applies the slow writes after the client gave up: a timeout is an
    # unknown outcome, which is why the next up (or a refresh) must settle it.
    deadline = time.monotonic() + 5
    while stored(emulator) != wire(NEW) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(emulator) == wire(NEW)

    stack.up()
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW
    stack.preview("--expect-no-changes")
    assert_no_key(stack)


def test_fault_connection_reset_retried_once_and_persistent_reset_fails(fault_stack, emulator):
    stack = fault_stack()
    emulator.add_fault("setWebhook", times=1, reset=True)
    stack.up()  # one reset: retried without the user noticing
    assert emulator.count("setWebhook") == 2
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    stack.write_program(program(NEW))
    emulator.add_fault("setWebhook", times=100, reset=True)
    emulator.clear_requests()
    failed = stack.up(check=False)
    assert error_line(failed) == (
        f"TransportError: 99digital setWebhook for account {ACCOUNT_1}: could not reach "
        f"{emulator.base_url}/setWebhook after {ATTEMPTS} attempts (ConnectionError)")
    assert emulator.count("setWebhook") == ATTEMPTS
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    converges_once_fault_is_gone(stack, emulator)
    assert_no_key(stack)


def test_fault_malformed_answers_fail_clearly_and_leave_state_unchanged(fault_stack, emulator):
    stack = fault_stack()
    stack.up()
    # Update: an HTML error page with status 200 (a proxy, say). Not retried: not an HTTP error.
    stack.write_program(program(NEW))
    page = "<html><body>Service temporarily unavailable</body></html>"
    emulator.add_fault("setWebhook", times=1, body=page)
    emulator.clear_requests()
    failed = stack.up(check=False)
    assert error_line(failed) == (
        f"MalformedResponseError: 99digital setWebhook for account {ACCOUNT_1}: the answer is "
        f"not JSON ({len(page)} bytes)")
    assert emulator.count("setWebhook") == 1
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    # Refresh: JSON, but not the documented object.
    emulator.add_fault("getWebhook", times=1, body='{"result": "ok"}')
    failed = stack.refresh(check=False)
    assert error_line(failed) == (
        f"MalformedResponseError: 99digital getWebhook for account {ACCOUNT_1}: the answer has "
        "no 'status' field")
    assert in_state(stack) == OLD
    assert stored(emulator) == wire(OLD)

    stack.up()
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW
    assert_no_key(stack)


# --- FAIL answers: reason 2 (no such account) and reason 3 (wrong key) ------------------------

REASON_2 = "(reason 2: the 'from' account does not exist)"
REASON_3 = "(reason 3: wrong apiKey)"


def test_fault_reason_2_on_create_update_refresh_and_delete(fault_stack, emulator):
    stack = fault_stack()
    # Create: the account does not exist (yet).
    emulator.remove_account(ACCOUNT_1)
    failed = stack.up(check=False)
    assert error_line(failed) == (  # the create's first call reads the account
        f"AccountNotFoundError: 99digital getWebhook for account {ACCOUNT_1} failed {REASON_2}")
    assert stored(emulator) is None
    assert in_state(stack) is None
    emulator.add_account(ACCOUNT_1, KEY_1)
    stack.up()
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    # Update: the account vanished behind Pulumi's back; nothing is written, state kept.
    emulator.remove_account(ACCOUNT_1)
    stack.write_program(program(NEW))
    failed = stack.up(check=False)
    assert error_line(failed) == (
        f"AccountNotFoundError: 99digital setWebhook for account {ACCOUNT_1} failed {REASON_2}")
    assert stored(emulator) is None
    assert in_state(stack) == OLD
    emulator.add_account(ACCOUNT_1, KEY_1)  # the account comes back empty
    assert stored(emulator) == CLEARED
    stack.up()
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW

    # Refresh: reason 2 means the resource is gone, so refresh drops it from the state...
    emulator.add_fault("getWebhook", times=1, reason=2)
    stack.refresh()
    assert in_state(stack) is None
    assert stored(emulator) == wire(NEW)  # (here only the answer said so)
    emulator.clear_requests()
    # ... and the next up creates it again: it reads the account first and finds the
    # settings already there, which no resource of the stack manages now: stopped, until
    # taken as they are (WA_WEBHOOK_ADOPT for one run, or adopt=True); nothing is written.
    assert stack.up(check=False).code != 0
    stack.up(env={"WA_WEBHOOK_ADOPT": "1"})
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 0
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW

    # Delete: nothing left to clear on a missing account, so destroy succeeds.
    emulator.add_fault("setWebhook", times=1, reason=2)
    stack.destroy()
    assert in_state(stack) is None
    assert stored(emulator) == wire(NEW)  # the emulated answer cleared nothing
    assert_no_key(stack)


def test_fault_reason_3_on_create_update_refresh_and_delete(fault_stack, emulator):
    stack = fault_stack()
    # Create: the configured key is wrong for the account.
    emulator.add_account(ACCOUNT_1, ROTATED_KEY)
    failed = stack.up(check=False)
    assert error_line(failed) == (  # the create's first call reads the account
        f"InvalidApiKeyError: 99digital getWebhook for account {ACCOUNT_1} failed {REASON_3}")
    assert stored(emulator) == CLEARED
    assert in_state(stack) is None
    emulator.add_account(ACCOUNT_1, KEY_1)
    stack.up()
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD

    # Update and refresh: the account was re-keyed outside Pulumi.
    emulator.add_account(ACCOUNT_1, ROTATED_KEY)
    stack.write_program(program(NEW))
    failed = stack.up(check=False)
    assert error_line(failed) == (
        f"InvalidApiKeyError: 99digital setWebhook for account {ACCOUNT_1} failed {REASON_3}")
    assert stored(emulator) == wire(OLD)
    assert in_state(stack) == OLD
    failed = stack.refresh(check=False)
    assert error_line(failed) == (
        f"InvalidApiKeyError: 99digital getWebhook for account {ACCOUNT_1} failed {REASON_3}")
    assert in_state(stack) == OLD
    # The user configures the new key. A refresh that does not run the program still fails:
    # the provider gets the configuration recorded by the last `up`, i.e. the old key.
    stack.set_config("wa-webhook:apiKey", ROTATED_KEY, secret=True)
    failed = stack.refresh(check=False)
    assert REASON_3 in error_line(failed)
    assert in_state(stack) == OLD
    # With --run-program the provider sees the new key: read uses it at once (the state
    # holds only the old key's fingerprint); the update then writes with it. (A plain `up`
    # works too.)
    emulator.clear_requests()
    stack.up("--refresh", "--run-program")
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 1
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW

    # A fault answer on refresh fails the same way and changes nothing.
    emulator.add_fault("getWebhook", times=1, reason=3)
    failed = stack.refresh(check=False)
    assert error_line(failed) == (
        f"InvalidApiKeyError: 99digital getWebhook for account {ACCOUNT_1} failed {REASON_3}")
    assert in_state(stack) == NEW

    # Delete: re-keyed again; destroy fails and keeps the resource...
    emulator.add_account(ACCOUNT_1, ROTATED_AGAIN)
    failed = stack.destroy(check=False)
    assert error_line(failed) == (
        f"InvalidApiKeyError: 99digital setWebhook for account {ACCOUNT_1} failed {REASON_3}")
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW
    # Configuring the new key is not enough for a plain destroy: it does not run the program,
    # so the provider gets the configuration recorded by the last `up` (the old key).
    stack.set_config("wa-webhook:apiKey", ROTATED_AGAIN, secret=True)
    failed = stack.destroy(check=False)
    assert REASON_3 in error_line(failed)
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW
    # With --run-program it sees the new key, which delete tries after the key in the state.
    stack.destroy("--run-program")
    assert stored(emulator) == CLEARED
    assert in_state(stack) is None
    assert_no_key(stack)


# --- drift ----------------------------------------------------------------------------------


def test_fault_drift_found_by_refresh_despite_a_503_then_repaired(fault_stack, emulator):
    stack = fault_stack(NEW)
    stack.up()
    drifted = dict(wire(NEW), url="https://evil.example.com/", retry=0)
    emulator.set_account(ACCOUNT_1, **drifted)
    emulator.add_fault("getWebhook", times=1, status=503)
    emulator.clear_requests()
    stack.refresh()
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 0
    assert in_state(stack) == dict(NEW, url="https://evil.example.com/", retry=False)
    assert stored(emulator) == drifted

    stack.up()
    assert stored(emulator) == wire(NEW)
    assert in_state(stack) == NEW
    stack.preview("--expect-no-changes")
    assert_no_key(stack)


# --- the CLI killed mid-operation -----------------------------------------------------------


def lock_files(stack: Stack) -> List[str]:
    locks = stack.root.parent / "state" / ".pulumi" / "locks"
    return sorted(p.name for p in locks.rglob("*.json")) if locks.exists() else []


# Recovery after the CLI was killed (SIGKILL, OOM, a closed CI runner) with the file backend,
# exactly what a user runs (Pulumi v3.274.1):
#   1. `pulumi up` now stops with "the stack is currently locked by 1 lock(s)": the dead
#      process left its lock file in <backend>/.pulumi/locks/organization/<project>/<stack>/.
#      After making sure that process is really gone, `pulumi cancel --yes` deletes that lock
#      (it works for the file backend; deleting the .json lock file by hand is the same).
#   2. `pulumi refresh --yes --clear-pending-creates` reads what the account really holds and
#      clears the interrupted operations. An interrupted update is cleared by any refresh; an
#      interrupted create is not cleared by a non-interactive refresh without the flag (every
#      later `up` then warns about "1 pending operations"). (`--import-pending-creates URN
#      ID` does not help here: Pulumi v3.274.1 drops the operation without reading it.)
#   2b. After an interrupted first create whose write landed, the account holds the
#      program's settings and no resource of the stack manages it: `up` stops, as for any
#      such account (it may be another stack's); `WA_WEBHOOK_ADOPT=1 pulumi up` takes it,
#      once, without a change to the program and without a write.
#   3. `pulumi up` writes whatever is still missing.
@pytest.mark.parametrize("case", ["update-landed", "update-lost", "create"])
def test_fault_sigkill_mid_operation_then_cancel_refresh_up_converge(fault_stack, emulator, case):
    creating = case == "create"
    stack = fault_stack()
    if not creating:
        stack.up()
        stack.write_program(program(NEW))
    want = OLD if creating else NEW
    before = stored(emulator)
    delay = 3.0
    # "update-lost": the connection dies after the delay and the write never lands.
    emulator.add_fault("setWebhook", times=1, delay=delay, reset=case == "update-lost")
    emulator.clear_requests()
    arrived = kill_when_call_arrives(stack, emulator, start_up(stack))

    locked = stack.up(check=False)
    assert locked.code != 0 and "the stack is currently locked by 1 lock(s)" in locked.output
    assert "delete the lock file with `pulumi cancel`" in locked.output
    assert len(lock_files(stack)) == 1
    stack.pulumi("cancel", "--yes")
    assert lock_files(stack) == []
    # The killed process's state: an operation left pending, the old settings (or nothing).
    assert in_state(stack, pending=1) == (None if creating else OLD)

    # Let the in-flight request finish on the server: it lands, or it is dropped.
    time.sleep(max(0.0, arrived + delay + 0.3 - time.time()))
    assert stored(emulator) == (before if case == "update-lost" else wire(want))

    stack.refresh("--clear-pending-creates")
    if creating:
        refused = stack.up(check=False)
        assert refused.code != 0 and "WA_WEBHOOK_ADOPT=1" in refused.output
        assert emulator.count("setWebhook") == 1  # only the killed up's
        stack.up(env={"WA_WEBHOOK_ADOPT": "1"})
    assert in_state(stack) == (want if creating else
                               (OLD if case == "update-lost" else NEW))
    emulator.clear_requests()
    stack.up()
    # A write that landed is not sent again; a lost one is.
    assert emulator.count("setWebhook") == (1 if case == "update-lost" else 0)
    assert stored(emulator) == wire(want)
    assert in_state(stack) == want
    stack.preview("--expect-no-changes")
    assert_no_key(stack)
