"""The whole lifecycle of one Webhook through the real Pulumi CLI against the emulator, once
per face: the Python dynamic `Webhook`, the Python `native.Webhook` and Pulumi YAML on the
native plugin. One stack per face walks preview, create, no-change runs, an equivalent
spelling, an update, drift found by refresh and repaired, a change of account and destroy,
counting the API calls of each step in the emulator's request log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List

import pytest
from harness import Stack
from native_programs import native_program, use_plugin_dir, use_yaml, yaml_program
from webhook_programs import (
    ACCOUNT_1,
    ACCOUNT_2,
    CLEARED,
    FULL,
    KEY_1,
    STORED_FULL,
    stored,
    webhook_program,
)

NORMALISED_ALERTS = ["972502211234", "972527788695"]
FACES = ["dynamic", "native", "yaml"]


@dataclass
class Face:
    """One face's stack, and how the face spells programs and state."""

    name: str
    stack: Stack
    yaml_dir: str

    @property
    def type(self) -> str:
        if self.name == "dynamic":
            return "pulumi-python:dynamic/wa-webhook:Webhook"
        return "wa-webhook:index:Webhook"

    @property
    def alerts_output(self) -> str:
        return "system_phone_alerts" if self.name == "dynamic" else "systemPhoneAlerts"

    def write(self, *hooks: Dict[str, Any]) -> None:
        if self.name == "yaml":
            (self.stack.root / "Pulumi.yaml").write_text(yaml_program(*hooks))
        elif self.name == "native":
            self.stack.write_program(native_program(*hooks))
        else:
            self.stack.write_program(webhook_program(*hooks))

    def webhooks(self) -> List[Dict[str, Any]]:
        return self.stack.resources(self.type)


@pytest.fixture(params=FACES)
def face(request, make_stack, emulator) -> Face:
    name = request.param
    stack = make_stack("", config={"wa-webhook:endpoint": emulator.base_url,
                                   "wa-webhook:retries": "1"},
                       secrets={"wa-webhook:apiKey": KEY_1})
    yaml_dir = ""
    if name == "yaml":
        yaml_dir = request.getfixturevalue("yaml_dir")
        use_yaml(stack, yaml_dir)
    elif name == "native":
        use_plugin_dir(stack)
    made = Face(name, stack, yaml_dir)
    made.write(FULL)
    return made


def api_calls(emulator) -> List[str]:
    return [call["path"].rsplit("/", 1)[-1] for call in emulator.requests()]


def test_the_whole_lifecycle(face: Face, emulator):
    stack = face.stack
    # preview: no API call
    emulator.clear_requests()
    preview = stack.preview()
    assert emulator.requests() == [] and "create" in preview.stdout, preview.output

    # create: read first, one write with every field, read back
    stack.up()
    assert api_calls(emulator) == ["getWebhook", "setWebhook", "getWebhook"]
    assert stored(emulator) == STORED_FULL
    assert stack.outputs()["support_url"] == FULL["url"]
    [hook] = face.webhooks()
    assert hook["id"] == ACCOUNT_1
    assert hook["outputs"][face.alerts_output] == NORMALISED_ALERTS

    # no change: preview and up make no call
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    # ... nor does another spelling of the same numbers
    face.write(dict(FULL, from_number=ACCOUNT_1,
                    system_phone_alerts=["972502211234", "+972527788695"]))
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []

    # update: preview shows old and new values, up sends one call
    face.write(dict(FULL, url="https://hooks.example.com/v2", retry=False))
    preview = stack.preview()
    assert emulator.requests() == []
    assert re.search(r'url\s*: "https://hooks.example.com/wa" => "https://hooks.example.com/v2"',
                     preview.stdout), preview.stdout
    assert re.search(r"\n\s+[-~] retry\s*:", preview.stdout), preview.stdout
    stack.up()
    assert api_calls(emulator) == ["setWebhook"]
    assert stored(emulator) == dict(STORED_FULL, url="https://hooks.example.com/v2", retry=0)

    # drift, edited by hand (alerts in local format): refresh reads once, up repairs
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/", retry=1,
                         systemPhoneAlert="0502211234,0527788695")
    emulator.clear_requests()
    stack.refresh()
    assert api_calls(emulator) == ["getWebhook"]
    [hook] = face.webhooks()
    assert hook["outputs"]["url"] == "https://by-hand.example.com/"
    assert hook["outputs"][face.alerts_output] == NORMALISED_ALERTS
    preview = stack.preview()
    assert re.search(r'url\s*: "https://by-hand.example.com/" => "https://hooks.example.com/v2"',
                     preview.stdout), preview.stdout
    changed = [line for line in preview.stdout.splitlines()
               if re.match(r"\s*[-+~] [a-zA-Z_]+\s*:", line)]
    assert len(changed) == 2, changed  # url and retry; the phones read back equal
    stack.up()
    assert stored(emulator) == dict(STORED_FULL, url="https://hooks.example.com/v2", retry=0)
    stack.preview("--expect-no-changes")

    # another account: a replacement creates the new one, then clears the old one
    emulator.add_account(ACCOUNT_2, KEY_1)
    face.write(dict(FULL, from_number=ACCOUNT_2))
    assert "replace" in stack.preview().stdout
    emulator.clear_requests()
    stack.up()
    assert [c["body"]["from"] for c in emulator.requests("setWebhook")] == [ACCOUNT_2, ACCOUNT_1]
    assert stored(emulator, ACCOUNT_2) == STORED_FULL and stored(emulator) == CLEARED

    # destroy: one call that clears url and alerts with a single space
    emulator.clear_requests()
    stack.destroy()
    [call] = emulator.requests()
    assert call["path"].endswith("setWebhook") and call["body"]["from"] == ACCOUNT_2
    assert call["body"]["url"] == " " and call["body"]["systemPhoneAlert"] == " "
    assert stored(emulator, ACCOUNT_2) == CLEARED
    assert face.webhooks() == []
    assert KEY_1 not in stack.all_output() and "Traceback" not in stack.all_output()


@pytest.mark.parametrize("face", ["dynamic", "native"], indirect=True)
def test_accounts_that_disappeared_leave_the_state_on_refresh_and_on_destroy(face: Face,
                                                                             emulator):
    emulator.add_account(ACCOUNT_2, KEY_1)
    face.write(FULL, dict(FULL, name="sales", from_number=ACCOUNT_2))
    face.stack.up()
    emulator.remove_account(ACCOUNT_1)
    face.stack.refresh()
    assert [hook["id"] for hook in face.webhooks()] == [ACCOUNT_2]
    emulator.remove_account(ACCOUNT_2)
    emulator.clear_requests()
    face.stack.destroy()  # the delete finds no account: nothing to clear, and no error
    assert face.webhooks() == [] and api_calls(emulator) == ["setWebhook"]
