"""The Webhook resource through the real Pulumi CLI against the emulator over HTTP.

API calls are counted through the emulator's request log.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, Tuple

import pytest
from webhook_programs import (
    ACCOUNT_1,
    ACCOUNT_2,
    CLEARED,
    FULL,
    KEY_1,
    KEY_2,
    STORED_FULL,
    stored,
    webhook_program,
)

from pulumi_wa_webhook.config import key_fingerprint
from pulumi_wa_webhook.model import SETTING_DEFAULTS


def test_adopting_an_existing_configuration(hook_stack, emulator):
    emulator.set_account(ACCOUNT_1, **STORED_FULL)
    stack = hook_stack(dict(FULL, adopt=True))
    emulator.clear_requests()
    stack.up()
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0
    assert stored(emulator, ACCOUNT_1) == STORED_FULL
    stack.preview("--expect-no-changes")
    # Dropping the flag later is no change either: it only matters on the first up.
    stack.write_program(webhook_program(FULL))
    stack.preview("--expect-no-changes")


def test_adoption_that_differs_from_the_program_is_reported_and_writes_nothing(
        hook_stack, emulator):
    emulator.set_account(ACCOUNT_1, **dict(STORED_FULL, url="https://other.example.com/"))
    stack = hook_stack(dict(FULL, adopt=True))
    emulator.clear_requests()
    result = stack.up(check=False)
    assert result.code != 0
    assert ("account 972500000001 was not adopted because its settings differ from the program"
            " (url: 'https://other.example.com/' -> 'https://hooks.example.com/wa')"
            ) in result.output
    assert emulator.count("setWebhook") == 0
    assert emulator.account(ACCOUNT_1)["url"] == "https://other.example.com/"
    assert stack.resources("wa-webhook:Webhook") == []


def test_import_option_gets_a_clear_error_pointing_to_adopt(hook_stack, emulator):
    stack = hook_stack(dict(FULL, opts=f"pulumi.ResourceOptions(import_={ACCOUNT_1!r})"))
    result = stack.preview(check=False)
    assert result.code != 0
    assert "Pass adopt=True instead" in result.output and "Traceback" not in result.output


def test_package_upgrade_with_a_new_serialised_provider_is_quiet(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    state = stack.export()
    [hook] = [r for r in state["deployment"]["resources"] if r["type"].endswith("Webhook")]
    # What an upgrade looks like to the engine: the stored __provider differs from the one
    # the program sends now (new package version, new attributes).
    old_blob = base64.b64encode(b"an older pulumi_wa_webhook provider").decode()
    hook["inputs"]["__provider"] = old_blob
    hook["outputs"]["__provider"] = old_blob
    state_file = stack.root / "state.json"
    state_file.write_text(json.dumps(state))
    stack.pulumi("stack", "import", "--file", str(state_file), "--stack", stack.name)
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    assert emulator.requests() == []


def test_rotated_key_is_an_update_that_proves_the_new_key(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.add_account(ACCOUNT_1, "rotated-key")
    stack.set_config("wa-webhook:apiKey", "rotated-key", secret=True)
    preview = stack.preview()
    assert "(update)" in preview.stdout
    assert f"account {ACCOUNT_1}: api_key changed" in preview.output
    emulator.clear_requests()
    stack.up()
    assert emulator.count("setWebhook") == 1
    stack.preview("--expect-no-changes")


def test_two_resources_for_one_account_fail_at_preview(hook_stack, emulator):
    stack = hook_stack(dict(FULL, name="first"),
                       dict(FULL, name="second", from_number="972500000001"))
    emulator.clear_requests()
    result = stack.preview(check=False)
    assert result.code != 0
    assert "'first' and 'second' both manage account 972500000001" in result.output
    assert "Traceback" not in result.output
    assert emulator.requests() == []


def test_missing_api_key_fails_at_preview_naming_all_three_sources(hook_stack, emulator):
    stack = hook_stack(FULL, key=None)
    result = stack.preview(check=False)
    assert result.code != 0
    for source in ("api_key", "wa-webhook:apiKey", "WA_WEBHOOK_API_KEY"):
        assert source in result.output
    assert emulator.requests() == []


def test_key_from_the_environment_and_per_resource_key(hook_stack, emulator):
    stack = hook_stack(dict(FULL, api_key=KEY_2, from_number=ACCOUNT_2),
                       dict(name="envkey", from_number=ACCOUNT_1), key=None)
    stack.up(env={"WA_WEBHOOK_API_KEY": KEY_1})
    assert emulator.account(ACCOUNT_2)["url"] == FULL["url"]
    hooks = {h["id"]: h for h in stack.resources("wa-webhook:Webhook")}
    assert set(hooks) == {ACCOUNT_1, ACCOUNT_2}
    assert all(h["outputs"]["api_key"]["4dabf18193072939515e22adb298388d"]
               for h in hooks.values())  # stored as secrets


def test_api_keys_with_surrounding_whitespace_are_trimmed(hook_stack, emulator):
    # A key pasted from a file keeps its newline; the program and the provider drop it alike.
    stack = hook_stack(dict(FULL, api_key=KEY_2 + "\n", from_number=ACCOUNT_2),
                       dict(name="envkey", from_number=ACCOUNT_1, url=FULL["url"]), key=None)
    stack.up(env={"WA_WEBHOOK_API_KEY": f"  {KEY_1}\n"})
    assert stored(emulator, ACCOUNT_2) == STORED_FULL
    assert stored(emulator, ACCOUNT_1) == dict(CLEARED, url=FULL["url"])
    emulator.clear_requests()
    stack.pulumi("config", "set", "--secret", "wa-webhook:apiKey", f"{KEY_1}\r\n",
                 "--stack", stack.name)
    stack.preview("--expect-no-changes")  # the same key from stack config: no change
    stack.destroy()
    assert stored(emulator, ACCOUNT_1) == CLEARED and stored(emulator, ACCOUNT_2) == CLEARED


def test_the_configured_key_is_kept_once_by_the_engine_and_never_in_clear(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()

    def kept() -> Tuple[Dict[str, Any], Dict[str, Any]]:
        resources = stack.export()["deployment"]["resources"]
        [hook] = [r for r in resources if r["type"].endswith("Webhook")]
        [provider] = [r for r in resources if r["type"] == "pulumi:providers:pulumi-python"]
        return hook, provider

    for _ in range(2):  # after up, and after a refresh
        hook, provider = kept()
        # The engine keeps the stack configuration, encrypted, in the provider's state (that
        # is what destroy uses); the resource keeps only the key's fingerprint.
        assert provider["inputs"]["wa-webhook:apiKey"]["ciphertext"]
        assert "api_key" not in hook["inputs"] and "api_key" not in hook["outputs"]
        assert hook["outputs"]["key_fingerprint"] == key_fingerprint(KEY_1)
        stack.refresh()
    assert KEY_1 not in json.dumps(stack.export())
    stack.preview("--expect-no-changes")


def test_destroy_uses_the_key_in_state_after_the_configuration_lost_it(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    stack.pulumi("config", "rm", "wa-webhook:apiKey", "--stack", stack.name)
    stack.destroy()
    assert stored(emulator, ACCOUNT_1) == CLEARED


@pytest.mark.parametrize("key_twice", [False, True], ids=["key once", "key twice"])
def test_state_written_by_earlier_versions_still_works(hook_stack, emulator, key_twice):
    """Earlier versions kept every setting (defaults too) and the endpoint in the inputs, and
    the configured key, encrypted, in the outputs; the first ones in the inputs as well."""
    stack = hook_stack(dict(FULL, retry=False))
    stack.up()
    state = stack.export()
    resources = state["deployment"]["resources"]
    [hook] = [r for r in resources if r["type"].endswith("Webhook")]
    [provider] = [r for r in resources if r["type"] == "pulumi:providers:pulumi-python"]
    secret_key = provider["inputs"]["wa-webhook:apiKey"]  # KEY_1, encrypted for this stack
    settings = {k: v for k, v in hook["outputs"].items() if k in SETTING_DEFAULTS}
    settings = dict(SETTING_DEFAULTS, **settings)
    assert settings["retry"] is False and "retry" not in hook["outputs"]
    hook["outputs"] = dict(hook["outputs"], **settings, api_key=secret_key)
    del hook["outputs"]["key_fingerprint"]
    hook["inputs"] = dict(hook["inputs"], **settings, endpoint=hook["outputs"]["endpoint"])
    if key_twice:
        hook["inputs"]["api_key"] = secret_key
        hook["propertyDependencies"]["api_key"] = []
    state_file = stack.root / "old-state.json"
    state_file.write_text(json.dumps(state))
    stack.pulumi("stack", "import", "--file", str(state_file), "--stack", stack.name)
    emulator.clear_requests()
    stack.preview("--expect-no-changes")  # no diff from the new, leaner state
    stack.up("--expect-no-changes")
    assert emulator.requests() == []
    stack.refresh()
    stack.write_program(webhook_program(dict(FULL, url="https://hooks.example.com/new")))
    stack.up()
    assert stored(emulator, ACCOUNT_1)["url"] == "https://hooks.example.com/new"
    assert KEY_1 not in json.dumps(stack.export())
    stack.destroy()
    assert stored(emulator, ACCOUNT_1) == CLEARED
