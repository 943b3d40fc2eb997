"""The native provider plugin through the real Pulumi CLI against the emulator: a Python
program on `pulumi_wa_webhook.native.Webhook`, found through Pulumi.yaml or PATH."""

from __future__ import annotations

import pytest
from native_programs import native_program, plugin_on_path, use_plugin_dir
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, stored

pytestmark = pytest.mark.engine

HOOK = {
    "name": "support",
    "from_number": ACCOUNT_1,
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["972527788695", "+972 50-221-1234"],
    "retry": True,
}
STORED = {
    "url": "https://hooks.example.com/wa",
    "system": 1,
    "systemPhoneAlert": "972502211234,972527788695",
    "readStatus": 0,
    "retry": 1,
}


@pytest.fixture
def native_stack(make_stack, emulator):
    """make_stack for native Webhook programs, pointed at the emulator, key as stack secret."""

    def factory(*hooks, key=KEY_1, find="project", **kw):
        secrets = {"wa-webhook:apiKey": key} if key else {}
        config = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"}
        stack = make_stack(native_program(*hooks, **kw), config=config, secrets=secrets)
        (use_plugin_dir if find == "project" else plugin_on_path)(stack)
        return stack

    return factory


@pytest.mark.parametrize("find", ["project", "path"])
def test_lifecycle(native_stack, emulator, find):
    stack = native_stack(HOOK, find=find)
    preview = stack.preview()
    assert emulator.requests() == []
    assert "Traceback" not in preview.output
    stack.up()
    assert stored(emulator) == STORED
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 1
    assert stack.outputs() == {"support_url": "https://hooks.example.com/wa"}
    [hook] = stack.resources("wa-webhook:index:Webhook")
    assert hook["id"] == ACCOUNT_1
    assert hook["outputs"]["systemPhoneAlerts"] == ["972502211234", "972527788695"]

    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []

    stack.write_program(native_program(dict(HOOK, url="https://hooks.example.com/v2")))
    diff = stack.preview()
    assert "https://hooks.example.com/v2" in diff.stdout
    assert emulator.requests() == []
    stack.up()
    assert stored(emulator) == dict(STORED, url="https://hooks.example.com/v2")
    assert emulator.count("setWebhook") == 1 and emulator.count("getWebhook") == 0

    emulator.clear_requests()
    stack.destroy()
    assert stored(emulator) == CLEARED
    assert emulator.count("setWebhook") == 1
    assert KEY_1 not in stack.all_output()
    if find == "path":
        assert "from $PATH" in stack.all_output()
