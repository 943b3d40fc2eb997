"""The Webhook resource through the real Pulumi CLI against the emulator over HTTP.

API calls are counted through the emulator's request log.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Dict, Tuple

import pytest
from webhook_programs import (
    ACCOUNT_1,
    ACCOUNT_2,
    CLEARED,
    KEY_1,
    KEY_2,
    stored,
    webhook_program,
)

from pulumi_wa_webhook.config import key_fingerprint
from pulumi_wa_webhook.model import SETTING_DEFAULTS

FULL = {
    "name": "support",
    "from_number": "+972 50-000-0001",
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["+972 50-221-1234", "972527788695"],
    "read_status": True,
    "retry": True,
}
STORED_FULL = {
    "url": "https://hooks.example.com/wa",
    "system": 1,
    "systemPhoneAlert": "972502211234,972527788695",
    "readStatus": 1,
    "retry": 1,
}


def test_create_reads_the_account_then_sets_every_field_with_one_call(hook_stack, emulator):
    stack = hook_stack(FULL)
    emulator.clear_requests()
    stack.up()
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 1
    # read first, write, read back (another deployment's write would show there)
    assert [c["path"].rsplit("/", 1)[-1] for c in emulator.requests()] == [
        "getWebhook", "setWebhook", "getWebhook"]
    assert stored(emulator, ACCOUNT_1) == STORED_FULL
    assert stack.outputs() == {"support_url": FULL["url"], "support_from": ACCOUNT_1}
    [hook] = stack.resources("wa-webhook:Webhook")
    assert hook["type"] == "pulumi-python:dynamic/wa-webhook:Webhook"
    assert hook["id"] == ACCOUNT_1
    assert hook["outputs"]["system_phone_alerts"] == ["972502211234", "972527788695"]


def test_no_change_preview_and_up_make_no_api_calls(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.clear_requests()
    preview = stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    assert emulator.requests() == []
    assert "2 unchanged" in preview.stdout


def test_equivalent_spelling_of_numbers_is_no_change(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    stack.write_program(webhook_program(dict(
        FULL, from_number="972500000001", system_phone_alerts=["972502211234", "+972527788695"])))
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []


def test_update_shows_old_and_new_values_then_sends_one_call(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    changed = dict(FULL, url="https://hooks.example.com/v2", retry=False)
    stack.write_program(webhook_program(changed))
    emulator.clear_requests()
    preview = stack.preview()
    assert emulator.requests() == []
    assert "~ pulumi-python:dynamic/wa-webhook:Webhook: (update)" in preview.stdout
    assert '"https://hooks.example.com/wa" => "https://hooks.example.com/v2"' in preview.stdout
    # back to its default: left out of the state, so shown as removed (native: `true => false`)
    assert re.search(r"\n\s+- retry\s+: true\n", preview.stdout), preview.stdout
    stack.up()
    assert emulator.count("setWebhook") == 1
    assert stored(emulator, ACCOUNT_1) == dict(STORED_FULL, url=changed["url"], retry=0)


def test_refresh_finds_drift_and_up_repairs_it(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    # Someone edits the account by hand; the API returns alerts in local format.
    emulator.set_account(ACCOUNT_1, url="https://evil.example.com/", retry=0,
                         systemPhoneAlert="0502211234,0527788695")
    emulator.clear_requests()
    stack.refresh()
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0
    [hook] = stack.resources("wa-webhook:Webhook")
    assert hook["outputs"]["url"] == "https://evil.example.com/"
    assert hook["outputs"]["system_phone_alerts"] == ["972502211234", "972527788695"]
    assert hook["inputs"]["url"] == "https://evil.example.com/"  # inputs refreshed too

    preview = stack.preview()
    assert '"https://evil.example.com/" => "https://hooks.example.com/wa"' in preview.stdout
    # url and retry (put back: the refreshed inputs, like check's, leave out a setting at
    # its default); the phones read back equal; no other setting is listed.
    changed_lines = [line.strip() for line in preview.stdout.splitlines()
                     if re.match(r"\s*[-+~] [a-z_]+\s+:", line)]
    assert len(changed_lines) == 2, changed_lines
    assert re.match(r"\+ retry\s+: true$", changed_lines[0]), changed_lines

    stack.up()
    assert stored(emulator, ACCOUNT_1) == STORED_FULL
    stack.preview("--expect-no-changes")


def test_changing_the_account_replaces_create_then_clear_old(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.add_account(ACCOUNT_2, KEY_1)
    stack.write_program(webhook_program(dict(FULL, from_number=ACCOUNT_2)))
    preview = stack.preview()
    assert "pulumi-python:dynamic/wa-webhook:Webhook: (replace)" in preview.stdout
    emulator.clear_requests()
    stack.up()
    calls = emulator.requests("setWebhook")
    assert [c["body"]["from"] for c in calls] == [ACCOUNT_2, ACCOUNT_1]  # create, then clear
    assert stored(emulator, ACCOUNT_2) == STORED_FULL
    assert stored(emulator, ACCOUNT_1) == CLEARED
    assert stack.outputs()["support_from"] == ACCOUNT_2


def test_destroy_clears_the_account_with_one_call(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.clear_requests()
    stack.destroy()
    [call] = emulator.requests()
    assert call["path"].endswith("setWebhook")
    assert call["body"]["url"] == " " and call["body"]["systemPhoneAlert"] == " "
    assert stored(emulator, ACCOUNT_1) == CLEARED
    assert stack.resources("wa-webhook:Webhook") == []


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


def test_account_that_disappeared_leaves_state_on_refresh(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.remove_account(ACCOUNT_1)
    stack.refresh()
    assert stack.resources("wa-webhook:Webhook") == []


def test_delete_of_an_account_that_no_longer_exists_succeeds(hook_stack, emulator):
    stack = hook_stack(FULL)
    stack.up()
    emulator.remove_account(ACCOUNT_1)
    stack.destroy()
    assert stack.resources("wa-webhook:Webhook") == []


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
