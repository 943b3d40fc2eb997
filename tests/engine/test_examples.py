"""Every example project, and the root project's stacks, run through the real CLI."""

from __future__ import annotations

import shutil

import pytest
from harness import REPO, Stack
from webhook_programs import ACCOUNT_1, ACCOUNT_2, CLEARED, KEY_1

EXAMPLES = REPO / "examples"


def cycle(stack: Stack, emulator) -> None:
    """up, a no-change preview with zero API calls, destroy."""
    stack.up()
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []
    stack.destroy()


@pytest.fixture
def example(tmp_path, pulumi_env, emulator):
    def factory(name: str, config: dict[str, str] | None = None) -> Stack:
        stack = Stack.from_project(EXAMPLES / name, tmp_path, pulumi_env)
        stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
        for key, value in (config or {}).items():
            stack.set_config(key, value)
        return stack

    return factory


def test_basic_example(example, emulator):
    stack = example("basic", {"fromNumber": "+972 50-000-0001",
                              "webhookUrl": "https://hooks.example.com/whatsapp"})
    stack.up()
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/whatsapp"
    assert stack.outputs() == {"webhook_url": "https://hooks.example.com/whatsapp"}
    cycle(stack, emulator)
    assert emulator.account(ACCOUNT_1) == CLEARED


def test_multi_account_example(example, emulator):
    emulator.add_account(ACCOUNT_2, KEY_1)
    stack = example("multi-account")
    shutil.copy(EXAMPLES / "multi-account" / "Pulumi.example.yaml", stack.root / "Pulumi.dev.yaml")
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    stack.up()
    assert emulator.account(ACCOUNT_1)["readStatus"] == 1
    assert emulator.account(ACCOUNT_2)["systemPhoneAlert"] == "972502211234,972527788695"
    assert emulator.account(ACCOUNT_2)["retry"] == 1
    assert stack.outputs()["webhook_urls"] == {
        "sales": "https://hooks.example.com/whatsapp/sales",
        "support": "https://hooks.example.com/whatsapp/support"}
    cycle(stack, emulator)


def test_adopt_existing_example(example, emulator):
    emulator.set_account(ACCOUNT_1, url="https://legacy.example.com/hook", retry=1)
    stack = example("adopt-existing", {"fromNumber": ACCOUNT_1,
                                       "webhookUrl": "https://legacy.example.com/hook"})
    emulator.clear_requests()
    stack.up()
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0
    cycle(stack, emulator)


@pytest.fixture
def root_stack(tmp_path, pulumi_env, emulator):
    def factory(name: str) -> Stack:
        files = ["Pulumi.yaml", "webhooks.py", f"Pulumi.{name}.yaml"]
        env = dict(pulumi_env, PULUMI_CONFIG_PASSPHRASE="wa-webhook-demo")
        stack = Stack.from_project(REPO, tmp_path / name, env, stack=name, files=files)
        stack.set_config("wa-webhook:endpoint", emulator.base_url)
        return stack

    return factory


def test_root_project_dev_stack_with_its_committed_encrypted_key(root_stack, emulator):
    for number in ("972500000101", "972500000102"):
        emulator.add_account(number, "demo-key-dev")
    stack = root_stack("dev")
    stack.up()
    assert emulator.account("972500000101")["url"].startswith("https://dev.hooks.example.com/")
    cycle(stack, emulator)


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_root_project_other_stacks_preview_cleanly(root_stack, emulator, name):
    stack = root_stack(name)
    missing_key = stack.preview(check=False)
    assert missing_key.code != 0 and "wa-webhook:apiKey" in missing_key.output
    stack.set_config("wa-webhook:apiKey", KEY_1, secret=True)
    emulator.clear_requests()
    preview = stack.preview()
    assert "+ 3 to create" in preview.stdout
    assert emulator.requests() == []
    if name == "prod":
        assert "retry" in preview.stdout and "972527788695" in preview.stdout
