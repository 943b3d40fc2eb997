"""The life of a Webhook through the real engine, as `make test-compat` repeats it.

`make test-compat` runs the tests marked `compat` in virtualenvs holding the built wheel with
the oldest supported versions (Python, pulumi, requests, urllib3, phonenumbers pinned to their
floors) and with the newest. The program runs with the interpreter running the tests
(harness.py puts `sys.prefix` into Pulumi.yaml), so each venv's SDK serves the provider too.

The test checks what the accounts hold and what the engine shows, not how many calls create
makes (create may read before it writes).
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import pytest
from webhook_programs import ACCOUNT_1, ACCOUNT_2, CLEARED, KEY_1, KEY_2, stored, webhook_program

pytestmark = pytest.mark.compat

SUPPORT = {
    "name": "support",
    "from_number": "+972 50-000-0001",
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["+972 50-221-1234"],
    "retry": True,
}
SUPPORT_STORED = {"url": "https://hooks.example.com/wa", "system": 1,
                  "systemPhoneAlert": "972502211234", "readStatus": 0, "retry": 1}
#: An account configured by hand before Pulumi manages it; the program adopts it.
ADOPTED = {"name": "sales", "from_number": ACCOUNT_2, "url": "https://hooks.example.com/sales",
           "read_status": True, "api_key": KEY_2, "adopt": True}
ADOPTED_STORED = dict(CLEARED, url="https://hooks.example.com/sales", readStatus=1)
#: The program also reports which interpreter and SDK ran it.
RUNTIME = """
import sys
from importlib.metadata import version
pulumi.export("prefix", sys.prefix)
pulumi.export("sdk", version("pulumi"))
"""


def program(*hooks: dict) -> str:
    return webhook_program(*hooks) + RUNTIME


def test_create_preview_update_refresh_adopt_destroy(make_stack, emulator):
    emulator.set_account(ACCOUNT_2, **{k: v for k, v in ADOPTED_STORED.items()})
    stack = make_stack(program(SUPPORT, ADOPTED),
                       config={"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"},
                       secrets={"wa-webhook:apiKey": KEY_1})

    # Create, and adopt the hand-made configuration without writing to it.
    emulator.clear_requests()
    stack.up()
    assert stored(emulator, ACCOUNT_1) == SUPPORT_STORED
    assert stored(emulator, ACCOUNT_2) == ADOPTED_STORED
    assert [c["body"]["from"] for c in emulator.requests("setWebhook")] == [ACCOUNT_1]
    outputs = stack.outputs()
    assert (outputs["prefix"], outputs["sdk"]) == (sys.prefix, version("pulumi"))

    # No change: no API call at all.
    emulator.clear_requests()
    assert "3 unchanged" in stack.preview("--expect-no-changes").stdout
    assert emulator.requests() == []

    # Update one setting: the preview shows it, up writes it.
    stack.write_program(program(dict(SUPPORT, url="https://hooks.example.com/v2"), ADOPTED))
    preview = stack.preview()
    assert '"https://hooks.example.com/wa" => "https://hooks.example.com/v2"' in preview.stdout
    stack.up()
    assert stored(emulator, ACCOUNT_1) == dict(SUPPORT_STORED, url="https://hooks.example.com/v2")

    # Drift made by hand: refresh reads it into outputs and inputs; up puts it back.
    emulator.set_account(ACCOUNT_1, url="https://evil.example.com/", systemPhoneAlert="0502211234")
    stack.refresh()
    [hook] = [r for r in stack.resources("wa-webhook:Webhook") if r["id"] == ACCOUNT_1]
    assert hook["outputs"]["url"] == hook["inputs"]["url"] == "https://evil.example.com/"
    assert hook["outputs"]["system_phone_alerts"] == ["972502211234"]
    preview = stack.preview()
    assert '"https://evil.example.com/" => "https://hooks.example.com/v2"' in preview.stdout
    assert len([line for line in preview.stdout.splitlines() if "=>" in line]) == 1
    stack.up()
    assert stored(emulator, ACCOUNT_1)["url"] == "https://hooks.example.com/v2"
    stack.preview("--expect-no-changes")

    # Destroy clears both accounts and empties the stack.
    stack.destroy()
    assert stored(emulator, ACCOUNT_1) == CLEARED and stored(emulator, ACCOUNT_2) == CLEARED
    assert stack.resources("wa-webhook:Webhook") == []
