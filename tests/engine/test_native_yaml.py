"""The Pulumi YAML example on the native provider, through the real CLI and YAML host."""

from __future__ import annotations

import os
import re

from harness import REPO, Stack
from native_programs import PLUGIN_DIR
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, stored


def test_yaml_example(tmp_path, pulumi_env, emulator, yaml_dir):
    env = dict(pulumi_env, PATH=f"{pulumi_env['PATH']}{os.pathsep}{yaml_dir}")
    stack = Stack.from_project(REPO / "examples" / "yaml", tmp_path, env)
    settings = stack.root / "Pulumi.yaml"
    settings.write_text(re.sub(r"path: .*", f"path: {PLUGIN_DIR}", settings.read_text()))
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    # Values that look like numbers reach the provider as numbers, even for `type: string`.
    stack.set_configs({"fromNumber": ACCOUNT_1, "alertPhone": "972527788695"}, {})
    stack.up()
    assert stored(emulator) == {"url": "https://hooks.example.com/whatsapp", "system": 1,
                                "systemPhoneAlert": "972527788695", "readStatus": 0, "retry": 1}
    assert stack.outputs() == {"account": ACCOUNT_1,
                               "webhookUrl": "https://hooks.example.com/whatsapp"}
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []
    emulator.set_account(ACCOUNT_1, retry=0)
    stack.refresh()
    assert "retry" in stack.preview().stdout
    stack.up()
    assert emulator.account(ACCOUNT_1)["retry"] == 1
    stack.destroy()
    assert stored(emulator) == CLEARED
    assert KEY_1 not in stack.all_output()
