"""The API key never appears in clear in the state, the outputs or the engine's logs."""

from __future__ import annotations

import base64
import json

import pytest
from webhook_programs import ACCOUNT_1, webhook_program

from pulumi_wa_webhook.config import key_fingerprint

SECRET_KEY = "sk-live-7f3a9c2e1d5b4a60"


def test_api_key_appears_nowhere_in_clear(make_stack, emulator):
    emulator.add_account(ACCOUNT_1, SECRET_KEY)
    hook = {"name": "support", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/a"}
    stack = make_stack(webhook_program(hook),
                       config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": SECRET_KEY})
    stack.up()
    stack.write_program(webhook_program(dict(hook, url="https://hooks.example.com/b")))
    stack.preview()
    stack.up("--debug")
    stack.preview("--debug", "--refresh")
    stack.refresh()
    # A failing call: the account is re-keyed behind Pulumi's back (reason 3).
    emulator.add_account(ACCOUNT_1, "another-key")
    failed = stack.up("--debug", "--refresh", check=False)
    assert failed.code != 0 and "reason 3: wrong apiKey" in failed.output
    emulator.add_account(ACCOUNT_1, SECRET_KEY)

    state = stack.export()
    [resource] = [r for r in state["deployment"]["resources"] if r.get("id") == ACCOUNT_1]
    provider_blob = base64.b64decode(resource["inputs"]["__provider"])
    # The engine keeps the configured key once, encrypted, in the provider's state; the
    # resource keeps only the key's fingerprint.
    [provider] = [r for r in state["deployment"]["resources"]
                  if r["type"] == "pulumi:providers:pulumi-python"]
    assert provider["inputs"]["wa-webhook:apiKey"]["ciphertext"]
    assert "api_key" not in resource["outputs"] and "api_key" not in resource["inputs"]
    assert resource["outputs"]["key_fingerprint"] == key_fingerprint(SECRET_KEY)
    stack.destroy("--debug")

    places = {
        "CLI output": stack.all_output(),
        "stack export": json.dumps(state),
        "__provider": provider_blob.decode("latin-1"),
        "emulator log": json.dumps(emulator.requests()),
        "stack config file": (stack.root / "Pulumi.dev.yaml").read_text(),
    }
    for place, text in places.items():
        assert SECRET_KEY not in text, f"API key found in clear in the {place}"
    assert len(emulator.requests()) >= 5  # the searched log is not empty


def test_key_from_the_environment_stays_out_of_verbose_engine_logs(make_stack, emulator):
    emulator.add_account(ACCOUNT_1, SECRET_KEY)
    hook = {"name": "support", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/a"}
    stack = make_stack(webhook_program(hook), config={"wa-webhook:endpoint": emulator.base_url})
    key_env = {"WA_WEBHOOK_API_KEY": SECRET_KEY}
    stack.up("-v=9", "--logtostderr", env=key_env)
    stack.destroy("-v=9", "--logtostderr", env=key_env)
    assert emulator.account(ACCOUNT_1)["url"] == ""  # the key worked
    assert len(stack.all_output()) > 10_000  # verbose logs were produced and searched
    assert SECRET_KEY not in stack.all_output()
    assert SECRET_KEY not in json.dumps(stack.export())


@pytest.mark.parametrize("key_from", ["stack config", "environment"])
def test_only_a_key_that_can_reach_the_outputs_makes_them_secret(make_stack, emulator, key_from):
    """A key from stack configuration never enters a resource's outputs, so its state need
    not carry additionalSecretOutputs (bytes every checkpoint rewrites); a key from the
    environment is kept in the outputs, encrypted."""
    emulator.add_account(ACCOUNT_1, SECRET_KEY)
    hook = {"name": "support", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/a"}
    in_config = key_from == "stack config"
    stack = make_stack(webhook_program(hook), config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": SECRET_KEY} if in_config else None)
    env = None if in_config else {"WA_WEBHOOK_API_KEY": SECRET_KEY}
    stack.up(env=env)
    [resource] = [r for r in stack.export()["deployment"]["resources"]
                  if r.get("id") == ACCOUNT_1]
    if in_config:
        assert "api_key" not in resource["outputs"]
        assert "additionalSecretOutputs" not in resource
    else:
        assert resource["additionalSecretOutputs"] == ["api_key"]
        assert set(resource["outputs"]["api_key"]) == {
            "4dabf18193072939515e22adb298388d", "ciphertext"}  # Pulumi's secret form
    stack.destroy(env=env)
    assert emulator.account(ACCOUNT_1)["url"] == ""
