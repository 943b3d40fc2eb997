"""One owner per account on the paths beside the main one, through the real engine, on the
dynamic and the native face: a second stack with the very same settings, `up --replace` after
a hand edit, a copy made with `pulumi import`, two deployments racing for a free account,
and moving a Webhook to another stack. Each step checks what the emulator's account holds and
which calls were made."""

from __future__ import annotations

import subprocess
import time
from typing import Dict

import pytest
from harness import Result, Stack
from interrupted import start_up
from native_programs import native_program, use_plugin_dir, yaml_stack
from webhook_programs import ACCOUNT_1, CLEARED, HOOK, KEY_1, STORED, stored, webhook_program

ADOPT = {"dynamic": "adopt=True", "native": "`adopt: true`"}
SAME_SETTINGS = "already holds exactly this program's webhook settings"


def program(face: str, *hooks: dict) -> str:
    return (webhook_program if face == "dynamic" else native_program)(*hooks)


def calls(emulator) -> Dict[str, int]:
    return {name: emulator.count(name) for name in ("getWebhook", "setWebhook")}


@pytest.fixture
def face_stack(make_stack, emulator):
    def factory(face: str, *hooks: dict, name: str = "dev") -> Stack:
        config = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"}
        stack = make_stack(program(face, *hooks), config=config,
                           secrets={"wa-webhook:apiKey": KEY_1}, name=name)
        if face == "native":
            use_plugin_dir(stack)
        return stack

    return factory


def second_stack(first: Stack, name: str, emulator) -> Stack:
    """Another stack of the same project and backend (same program, same configuration)."""
    stack = Stack(first.root, first.env, name)
    stack.pulumi("stack", "init", name)
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    return stack


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_a_second_stack_with_the_same_settings_does_not_become_a_second_owner(
        face_stack, emulator, face):
    dev = face_stack(face, HOOK)
    dev.up()
    assert stored(emulator) == STORED
    # Another stack, same program and configuration, its own backend.
    dev2 = face_stack(face, HOOK, name="dev2")
    emulator.clear_requests()
    refused = dev2.up(check=False)
    assert refused.code != 0 and SAME_SETTINGS in refused.output
    assert ADOPT[face] in refused.output
    assert calls(emulator) == {"getWebhook": 1, "setWebhook": 0}
    assert dev2.resources("Webhook") == []
    # dev drops its Webhook: the account is cleared, and dev2 does not think it manages it.
    dev.write_program(program(face))
    dev.up()
    assert stored(emulator) == CLEARED
    emulator.clear_requests()
    preview = dev2.preview(check=False)
    assert "+ " in preview.stdout and "create" in preview.stdout
    dev2.up()  # the account is free now: read, write, read back
    assert calls(emulator) == {"getWebhook": 2, "setWebhook": 1}
    assert stored(emulator) == STORED
    dev2.preview("--expect-no-changes")


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_up_replace_writes_the_programs_settings_after_a_hand_edit_or_not(
        face_stack, emulator, face):
    stack = face_stack(face, HOOK)
    stack.up()
    [hook] = stack.resources("Webhook")
    for hand_edit in (True, False):
        if hand_edit:
            emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/", retry=0)
        emulator.clear_requests()
        replaced = stack.up("--replace", hook["urn"])
        assert stored(emulator) == STORED
        # the create half writes without reading; the delete half does not clear
        assert calls(emulator) == {"getWebhook": 0, "setWebhook": 1}, replaced.output
        assert [c["body"]["url"] for c in emulator.requests("setWebhook")] == [STORED["url"]]
    stack.preview("--expect-no-changes")


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_a_second_declaration_of_a_managed_account_writes_nothing(face_stack, emulator, face):
    """A program that declares a managed account twice fails its check, and neither
    declaration writes: not with `adopt`, not during `up --replace` of the first one, not
    with `overwrite`. The copy comes first in the program, so it is checked (and claims the
    account) before the resource that manages it."""
    stack = face_stack(face, HOOK)
    stack.up()
    [hook] = stack.resources("Webhook")
    for flag, args in (("adopt", ("--replace", hook["urn"])), ("overwrite", ())):
        copy = dict(HOOK, name="copy", url="https://copy.example.com/x", retry=False,
                    **{flag: True})
        stack.write_program(program(face, copy, HOOK))
        emulator.clear_requests()
        failed = stack.up(*args, check=False)
        assert failed.code != 0 and "both manage account" in failed.output, failed.output
        assert stored(emulator) == STORED, (flag, failed.output)
        assert [c["body"]["url"] for c in emulator.requests("setWebhook")] in (
            [], [STORED["url"]]), failed.output
    stack.write_program(program(face, HOOK))
    stack.preview("--expect-no-changes")


def test_a_copy_made_with_pulumi_import_is_dropped_without_clearing_the_account(
        face_stack, emulator):
    stack = face_stack("native", HOOK)
    stack.up()
    # `pulumi import` cannot see the stack's other resources: the copy is imported ...
    stack.pulumi("import", "wa-webhook:index:Webhook", "dup", ACCOUNT_1, "--yes",
                 "--generate-code=false", "--protect=false")
    assert len(stack.resources("Webhook")) == 2
    emulator.clear_requests()
    # ... and the next `up` deletes it (it is not in the program) without clearing the
    # account that `support` manages.
    up = stack.up()
    assert "resource 'support' of this deployment manages it" in up.output
    assert calls(emulator) == {"getWebhook": 0, "setWebhook": 0}
    assert stored(emulator) == STORED
    stack.preview("--expect-no-changes")
    stack.destroy()  # the owner still clears it
    assert stored(emulator) == CLEARED


def finish(stack: Stack, process: subprocess.Popen) -> Result:
    stdout, stderr = process.communicate(timeout=240)
    result = Result(["up (concurrent)"], process.returncode, stdout, stderr)
    stack.transcript.append(result)
    return result


def test_two_deployments_racing_for_a_free_account_leave_one_owner(face_stack, emulator):
    """Both read the account as cleared before either write lands (a slow setWebhook); each
    reads it back after writing (a slow answer, so both writes have landed by then): the one
    whose write was overwritten fails and writes nothing more."""
    ours = dict(HOOK, url="https://dev.example.com/wa")
    theirs = dict(HOOK, url="https://dev2.example.com/wa")
    dev = face_stack("dynamic", ours)
    dev2 = face_stack("native", theirs, name="dev2")
    slow = 5.0
    emulator.add_fault("setWebhook", times=2, delay=slow)
    processes = {stack.name: (stack, start_up(stack)) for stack in (dev, dev2)}
    deadline = time.monotonic() + 120
    while emulator.count("getWebhook") < 2:
        assert time.monotonic() < deadline and all(p.poll() is None for _, p in
                                                   processes.values())
        time.sleep(0.02)
    assert stored(emulator) == CLEARED, "a write landed before both reads: no race"
    emulator.add_fault("getWebhook", times=2, delay=slow)  # the reads back
    results = {name: finish(stack, process) for name, (stack, process) in processes.items()}

    failed = [name for name, result in results.items() if result.code != 0]
    assert len(failed) == 1, {n: r.output[-3000:] for n, r in results.items()}
    [loser] = failed
    winner = "dev2" if loser == "dev" else "dev"
    assert "written by someone else at the same moment" in results[loser].output
    assert calls(emulator) == {"getWebhook": 4, "setWebhook": 2}  # nothing more was written
    held = {"dev": ours, "dev2": theirs}[winner]["url"]
    assert stored(emulator) == dict(STORED, url=held)
    stacks = {"dev": dev, "dev2": dev2}
    assert stacks[loser].resources("Webhook") == []  # the loser does not think it owns it
    stacks[loser].destroy()
    assert stored(emulator) == dict(STORED, url=held)
    stacks[winner].preview("--expect-no-changes")


MOVABLE = """\
import pulumi
from {package} import Webhook

cfg = pulumi.Config()
if cfg.get_bool("hasHook"):
    extra = {{"adopt": True}} if cfg.get_bool("adopt") else {{}}
    Webhook("support", from_number={number!r}, url="https://hooks.example.com/wa", system=True,
            system_phone_alerts=["972527788695", "972502211234"], retry=True, **extra,
            opts=pulumi.ResourceOptions(retain_on_delete=bool(cfg.get_bool("retain"))))
"""


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_moving_a_webhook_to_another_stack_never_clears_the_account(face_stack, emulator, face):
    """The documented recipes (docs/ownership.md, "Moving a Webhook to another stack"):
    `pulumi state move` for the native Webhook; `retain_on_delete` then `adopt` for the
    dynamic one, whose `state move` the engine refuses."""
    package = "pulumi_wa_webhook" + ("" if face == "dynamic" else ".native")
    src = face_stack(face)
    src.write_program(MOVABLE.format(package=package, number=ACCOUNT_1))
    src.set_config("hasHook", "true")
    src.up()
    assert stored(emulator) == STORED
    dst = second_stack(src, "dst", emulator)
    emulator.clear_requests()
    if face == "native":
        [hook] = src.resources("Webhook")
        moved = subprocess.run(  # (the harness would add --stack, which `state move` refuses)
            ["pulumi", "state", "move", "--source", "dev", "--dest", "dst", hook["urn"],
             "--yes", "--non-interactive"], cwd=src.root, env=src.env, capture_output=True,
            text=True, timeout=120, check=False)
        assert moved.returncode == 0, moved.stdout + moved.stderr
        dst.set_config("hasHook", "true")
        src.set_config("hasHook", "false")
        dst.preview("--expect-no-changes")
        src.preview("--expect-no-changes")
    else:
        src.set_config("retain", "true")
        src.up()  # the option is kept in the state: no API call
        src.set_config("hasHook", "false")
        src.up()  # deleted from the state only: the engine does not call delete
        assert calls(emulator) == {"getWebhook": 0, "setWebhook": 0}
        dst.set_configs({"hasHook": "true", "adopt": "true"}, {})
        dst.up()  # one read: the account matches, nothing written
        assert calls(emulator) == {"getWebhook": 1, "setWebhook": 0}
        dst.set_config("adopt", "false")
        dst.preview("--expect-no-changes")
    assert stored(emulator) == STORED
    assert src.resources("Webhook") == [] and len(dst.resources("Webhook")) == 1
    dst.destroy()  # the new owner clears it
    assert stored(emulator) == CLEARED


YAML_HOOK = """
hook:
  type: wa-webhook:index:Webhook
  properties:
    fromNumber: "972500000001"
    url: https://hooks.example.com/wa
"""


def test_yaml_a_copy_made_with_pulumi_import_is_dropped_without_clearing_the_account(
        tmp_path, pulumi_env, emulator, yaml_dir):  # noqa: F811
    stack = yaml_stack(tmp_path, pulumi_env, yaml_dir, YAML_HOOK,
                        **{"wa-webhook:endpoint": emulator.base_url})
    stack.up()
    held = stored(emulator)
    stack.pulumi("import", "wa-webhook:index:Webhook", "dup", ACCOUNT_1, "--yes",
                 "--generate-code=false", "--protect=false")
    emulator.clear_requests()
    up = stack.up()
    assert "resource 'hook' of this deployment manages it" in up.output
    assert emulator.count("setWebhook") == 0 and stored(emulator) == held
    stack.preview("--expect-no-changes")
