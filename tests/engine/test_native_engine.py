"""The native provider plugin through the real Pulumi CLI against the emulator: a Python
program on `pulumi_wa_webhook.native.Webhook`, found through Pulumi.yaml or PATH."""

from __future__ import annotations

import json
import re

import pytest
from harness import REPO, Stack
from native_programs import PLUGIN_DIR, native_program, plugin_on_path, use_plugin_dir
from receivers import closed_port
from webhook_programs import ACCOUNT_1, CLEARED, HOOK, KEY_1, STORED, stored, webhook_program

from pulumi_wa_webhook.config import key_fingerprint


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


def test_a_plugin_found_on_path_works_with_a_warning(native_stack, emulator):
    stack = native_stack(HOOK, find="path")
    stack.up()
    assert stored(emulator) == STORED
    stack.destroy()
    assert stored(emulator) == CLEARED
    assert "from $PATH" in stack.all_output() and KEY_1 not in stack.all_output()


def test_pulumi_import_reads_once_and_stores_normalised_inputs(native_stack, emulator):
    emulator.set_account(ACCOUNT_1, **dict(STORED, systemPhoneAlert="0527788695,972502211234"))
    stack = native_stack()
    emulator.clear_requests()
    stack.pulumi("import", "wa-webhook:index:Webhook", "support", ACCOUNT_1, "--yes",
                 "--skip-preview", "--generate-code=false")
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0
    [hook] = stack.resources("wa-webhook:index:Webhook")
    assert hook["id"] == ACCOUNT_1
    inputs = dict(hook["inputs"])
    assert inputs.pop("endpoint") == emulator.base_url
    assert inputs.pop("keyFingerprint") == key_fingerprint(KEY_1)
    # read from the account, the URL may carry a token: stored encrypted
    assert "ciphertext" in inputs.pop("url") and "ciphertext" in hook["outputs"]["url"]
    assert inputs == {  # the shape check gives: no setting at its default
        "fromNumber": ACCOUNT_1, "system": True,
        "systemPhoneAlerts": ["972502211234", "972527788695"], "retry": True,
    }
    # The program that states the same settings (the key from configuration) changes nothing.
    stack.write_program(native_program(HOOK))
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    # ... nor with the key given in the program.
    stack.write_program(native_program(dict(HOOK, api_key=KEY_1)))
    stack.preview("--expect-no-changes")
    assert emulator.count("setWebhook") == 0
    stack.destroy()
    assert stored(emulator) == CLEARED


def test_pulumi_import_of_a_missing_account_stores_nothing(native_stack, emulator):
    stack = native_stack()
    result = stack.pulumi("import", "wa-webhook:index:Webhook", "support", "972500000009",
                          "--yes", "--generate-code=false", check=False)
    assert result.code != 0
    assert "does not exist" in result.output
    assert "Traceback" not in result.output
    assert stack.resources("wa-webhook:index:Webhook") == []
    assert emulator.count("setWebhook") == 0


IMPORT = f'pulumi.ResourceOptions(import_="{ACCOUNT_1}")'


def test_import_option_with_matching_settings_writes_nothing(native_stack, emulator):
    emulator.set_account(ACCOUNT_1, **STORED)
    stack = native_stack(dict(HOOK, opts=IMPORT))
    emulator.clear_requests()
    stack.up()
    assert emulator.count("setWebhook") == 0 and emulator.count("getWebhook") == 1
    stack.write_program(native_program(HOOK))  # the option can go once imported
    stack.preview("--expect-no-changes")
    assert stored(emulator) == STORED


def test_import_option_with_different_settings_imports_then_writes_once(native_stack, emulator):
    emulator.set_account(ACCOUNT_1, **dict(STORED, url="https://old.example.com/", retry=0))
    stack = native_stack(dict(HOOK, api_key=KEY_1, opts=IMPORT))
    emulator.clear_requests()
    preview = stack.preview()
    assert "import" in preview.stdout
    # the account's URL is not the program's: shown as a secret
    assert "[secret]" in preview.stdout and "retry" in preview.stdout
    assert "https://old.example.com/" not in preview.stdout
    assert "apiKey" not in preview.stdout  # the key is never a difference
    assert emulator.count("setWebhook") == 0
    stack.up()
    assert stored(emulator) == STORED
    assert emulator.count("setWebhook") == 1
    stack.preview("--expect-no-changes")


def test_api_key_never_in_clear(native_stack, emulator):
    """Key in the program, and key in configuration: not in state, -v=9 logs or output."""
    stack = native_stack(dict(HOOK, api_key=KEY_1), key="test-key-1")
    stack.up("-v=9", "--logtostderr")
    stack.refresh("-v=9", "--logtostderr")
    stack.write_program(native_program(HOOK))
    stack.up("-v=9", "--logtostderr")
    state = json.dumps(stack.export())
    stack.destroy("-v=9", "--logtostderr")
    assert KEY_1 not in state
    assert KEY_1 not in stack.all_output()
    assert stored(emulator) == CLEARED


def test_expected_api_failure_is_one_clear_message(native_stack, emulator):
    stack = native_stack(HOOK, key="wrong-key")
    result = stack.up(check=False)
    assert result.code != 0
    assert "Traceback" not in result.output and 'File "' not in result.output
    assert "wrong apiKey" in result.output and ACCOUNT_1 in result.output
    assert "wrong-key" not in result.output


def test_bad_input_fails_preview_per_property(native_stack, emulator):
    stack = native_stack(dict(HOOK, system_phone_alerts=["12025550123"], url="ftp://x"))
    result = stack.preview(check=False)
    assert result.code != 0
    # an item is reported on its list, whose value the engine shows (not `{<nil>}`)
    assert re.search(r"property systemPhoneAlerts value \{\[\{12025550123\}\]\} has a problem: "
                     r"item \[0\]: .*Israeli", result.output), result.output
    assert "url" in result.output and "Traceback" not in result.output
    assert emulator.requests() == []


def test_migration_from_the_dynamic_webhook_never_clears_the_account(hook_stack, emulator):
    """The README's recipe: retain the dynamic resource, then import the native one."""
    dynamic = dict(HOOK)
    stack = hook_stack(dynamic)
    use_plugin_dir(stack)
    stack.up()
    assert stored(emulator) == STORED
    emulator.clear_requests()
    # 1. Let the dynamic resource go without a delete call.
    stack.write_program(webhook_program(
        dict(dynamic, opts="pulumi.ResourceOptions(retain_on_delete=True)")))
    stack.up()
    # 2. Replace it by the native resource, imported from the account.
    stack.write_program(native_program(dict(HOOK, opts=IMPORT)))
    up = stack.up()
    assert "Traceback" not in up.output
    assert emulator.count("setWebhook") == 0 and emulator.count("getWebhook") == 1
    assert stored(emulator) == STORED
    assert stack.resources("wa-webhook:Webhook") == []  # the dynamic one left the state
    assert len(stack.resources("wa-webhook:index:Webhook")) == 1
    # 3. The import_ option can go; nothing changes.
    stack.write_program(native_program(HOOK))
    stack.preview("--expect-no-changes")
    assert emulator.count("setWebhook") == 0
    stack.destroy()
    assert stored(emulator) == CLEARED


def test_native_example(tmp_path, pulumi_env, emulator):
    emulator.set_account(ACCOUNT_1, url="https://old.example.com/")
    stack = Stack.from_project(REPO / "examples" / "native", tmp_path, pulumi_env)
    settings = stack.root / "Pulumi.yaml"
    settings.write_text(re.sub(r"path: .*", f"path: {PLUGIN_DIR}", settings.read_text()))
    stack.set_configs(
        {"wa-webhook:endpoint": emulator.base_url,
         "fromNumber": ACCOUNT_1,
         "webhookUrl": "https://hooks.example.com/whatsapp"},
        {"wa-webhook:apiKey": KEY_1})
    emulator.clear_requests()
    stack.up()
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 1
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/whatsapp"
    assert emulator.account(ACCOUNT_1)["system"] == 1
    emulator.clear_requests()
    stack.preview("--expect-no-changes")
    assert emulator.requests() == []
    stack.destroy()
    assert stored(emulator) == CLEARED


def most_in_flight(times: list[float], seconds: float) -> int:
    """The most calls whose [arrival, arrival + seconds) windows overlap at one moment."""
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_api_calls_run_in_parallel_beyond_four(native_stack, emulator):
    """The plugin's thread pool serves more than the 4 calls that Pulumi's own dynamic
    provider server would."""
    numbers = [f"97250000000{i}" for i in range(1, 8)]
    for number in numbers:
        emulator.add_account(number, KEY_1)
    hooks = [{"name": f"h{i}", "from_number": n, "url": "https://hooks.example.com/wa"}
             for i, n in enumerate(numbers)]
    stack = native_stack(*hooks)
    emulator.add_fault("*", times=1000, delay=4.0)  # every call answers 4 s late
    stack.up("--parallel", "64")
    emulator.clear_faults()
    arrivals = [call["time"] for call in emulator.requests("setWebhook")]  # one per create
    assert len(arrivals) == 7
    assert most_in_flight(arrivals, 4.0) >= 5


def test_verify_url_dead_url_fails_cleanly_and_writes_nothing(native_stack, emulator):
    port = closed_port()
    stack = native_stack(dict(HOOK, url=f"http://127.0.0.1:{port}/wa", verify_url=True))
    stack.preview()
    emulator.clear_requests()
    failed = stack.up(check=False)
    assert failed.code != 0
    assert f"webhook URL http://127.0.0.1:{port}/… is not reachable" in failed.output
    assert "Traceback" not in failed.output and 'File "' not in failed.output
    assert emulator.requests() == [] and stored(emulator) == CLEARED
    assert stack.resources("wa-webhook:index:Webhook") == []


@pytest.mark.parametrize("import_", [False, True], ids=["create", "import_"])
def test_swapping_the_class_in_one_step_never_clears_the_account(hook_stack, emulator, import_):
    """A refactor from `Webhook` to `native.Webhook` in one `up` (no retain_on_delete): the
    native resource takes the account over (imported, or adopted: nothing in the deployment
    tells it from another stack's before the old resource's delete), and the dynamic
    resource's delete that runs after it leaves the account alone instead of clearing it."""
    stack = hook_stack(dict(HOOK))
    use_plugin_dir(stack)
    stack.up()
    assert stored(emulator) == STORED
    emulator.clear_requests()
    stack.write_program(native_program(dict(HOOK, opts=IMPORT) if import_
                                       else dict(HOOK, adopt=True)))
    stack.preview()
    up = stack.up()
    assert "Traceback" not in up.output
    assert f"account {ACCOUNT_1} was not cleared" in up.output
    assert emulator.count("setWebhook") == 0
    assert stored(emulator) == STORED
    assert stack.resources("wa-webhook:Webhook") == []
    assert len(stack.resources("wa-webhook:index:Webhook")) == 1
    # Removing the resource later still clears the account.
    stack.write_program(native_program())
    stack.up()
    assert stored(emulator) == CLEARED


def test_swapping_back_to_the_dynamic_class_never_clears_the_account(native_stack, emulator):
    stack = native_stack(HOOK)
    stack.up()
    emulator.clear_requests()
    stack.write_program(webhook_program(dict(HOOK, adopt=True)))
    up = stack.up()
    assert emulator.count("setWebhook") == 0
    assert stored(emulator) == STORED
    assert f"account {ACCOUNT_1} was not cleared" in up.output
    assert stack.resources("wa-webhook:index:Webhook") == []
    assert len(stack.resources("wa-webhook:Webhook")) == 1
    stack.destroy()
    assert stored(emulator) == CLEARED


def test_preview_with_an_input_not_known_yet(native_stack, emulator):
    """The second Webhook's url depends on the first one's id, unknown until it is created."""
    emulator.add_account("972500000003", KEY_1)
    stack = native_stack()
    stack.write_program(native_program() + (
        f"first = Webhook('first', from_number={ACCOUNT_1!r}, url='https://hooks.example.com/a')\n"
        "second = Webhook('second', from_number='972500000003',\n"
        "                 url=first.id.apply(lambda i: f'https://hooks.example.com/{i}'))\n"))
    preview = stack.preview()
    assert "Traceback" not in preview.output
    assert emulator.requests() == []
    stack.up()
    assert emulator.account("972500000003")["url"] == f"https://hooks.example.com/{ACCOUNT_1}"
