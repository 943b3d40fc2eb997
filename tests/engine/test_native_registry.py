"""The native provider as a registry provider, through the real engine: explicit providers
(two regions), getWebhook from Python and YAML, `pulumi import` by any number form, unknown
`wa-webhook:*` keys, messages in the schema's spelling, DiffConfig's `old => new`, a rotated
key on its resource, the version."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from google.protobuf import empty_pb2
from harness import REPO, Stack
from native_programs import PLUGIN_DIR, native_program, use_plugin_dir
from plugin_client import running_plugin
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1, KEY_2, STORED, stored, webhook_program

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook.emulator.testing import TEST_ACCOUNTS, running_emulator

HOOK = {"name": "support", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/wa",
        "system": True, "system_phone_alerts": ["972527788695", "+972 50-221-1234"],
        "retry": True}


@pytest.fixture
def native_stack(make_stack, emulator):
    def factory(program, key=KEY_1, config=None):
        secrets = {"wa-webhook:apiKey": key} if key else {}
        config = dict({"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"},
                      **(config or {}))
        stack = make_stack(program, config=config, secrets=secrets)
        use_plugin_dir(stack)
        return stack

    return factory


@pytest.fixture
def second_region():
    """A second emulator: another region's API with the same accounts."""
    with running_emulator(TEST_ACCOUNTS) as emu:
        yield emu


def example(name: str, tmp_path, env) -> Stack:
    """A copy of examples/NAME with its plugin path made absolute."""
    stack = Stack.from_project(REPO / "examples" / name, tmp_path, env)
    settings = stack.root / "Pulumi.yaml"
    settings.write_text(re.sub(r"path: .*", f"path: {PLUGIN_DIR}", settings.read_text()))
    return stack


def test_two_regions_with_explicit_providers_and_get_webhook(tmp_path, pulumi_env, emulator,
                                                             second_region):
    stack = example("regions", tmp_path, pulumi_env)
    stack.set_configs(
        {"euEndpoint": emulator.base_url,
         "usEndpoint": second_region.base_url},
        {"euKey": KEY_1,
         "usKey": KEY_2})
    preview = stack.preview()
    assert emulator.count("setWebhook") == 0 and second_region.count("setWebhook") == 0
    assert "Traceback" not in preview.output
    stack.pulumi("up", "--yes")
    assert emulator.account(ACCOUNT_1)["url"] == "https://eu.example.com/hook"
    assert second_region.account(ACCOUNT_2)["url"] == "https://us.example.com/hook"
    assert stored(emulator, ACCOUNT_2)["url"] == "" and stored(second_region)["url"] == ""
    # getWebhook's URL is a secret: the Output form keeps it one (the plain form's values
    # are plain, as in every Pulumi SDK)
    assert stack.outputs()["us_after"] == "[secret]"
    outputs = json.loads(stack.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs["us_url_before"] == ""  # read before the Webhook wrote it
    assert outputs["us_after"] == ["https://us.example.com/hook", True,
                                   second_region.base_url, ACCOUNT_2]
    providers = {r["urn"].rsplit("::", 1)[-1]: r for r in stack.resources("providers:wa-webhook")}
    assert providers["eu"]["inputs"]["endpoint"] == emulator.base_url
    assert providers["us"]["inputs"]["retries"] in (2, "2")
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert stored(emulator)["url"] == "" and stored(second_region, ACCOUNT_2)["url"] == ""
    everything = stack.all_output() + str(stack.export())
    assert KEY_1 not in everything and KEY_2 not in everything


def test_yaml_explicit_provider_and_fn_invoke(tmp_path, pulumi_env, emulator, yaml_dir):
    env = dict(pulumi_env, PATH=f"{pulumi_env['PATH']}{os.pathsep}{yaml_dir}")
    stack = example("yaml-regions", tmp_path, env)
    stack.set_configs({"euEndpoint": emulator.base_url}, {"euKey": KEY_1})
    emulator.set_account(ACCOUNT_2, url="https://other.example.com/x", apiKey=KEY_1)
    stack.pulumi("up", "--yes")
    assert stored(emulator)["url"] == "https://hooks.example.com/yaml"
    assert stack.outputs()["otherUrl"] == "[secret]"  # read from an account
    outputs = json.loads(stack.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs["otherUrl"] == "https://other.example.com/x"
    assert outputs["otherEndpoint"] == emulator.base_url
    assert "apiKey" not in outputs["other"] and KEY_1 not in str(outputs)
    stack.destroy()
    assert KEY_1 not in stack.all_output() + str(stack.export())


def test_import_takes_any_form_from_number_takes_and_refuses_others_alike(native_stack,
                                                                          emulator):
    emulator.set_account(ACCOUNT_1, **STORED)
    stack = native_stack(native_program())
    stack.pulumi("import", "wa-webhook:index:Webhook", "support", "+972 50-000-0001", "--yes",
                 "--generate-code=false")
    [hook] = stack.resources("wa-webhook:index:Webhook")
    assert hook["id"] == ACCOUNT_1 and hook["inputs"]["fromNumber"] == ACCOUNT_1
    stack.write_program(native_program(HOOK))
    stack.preview("--expect-no-changes")
    for bad in ("abc", "0500000001"):
        refused = stack.pulumi("import", "wa-webhook:index:Webhook", f"x{bad}", bad, "--yes",
                               "--skip-preview", "--generate-code=false", check=False)
        assert refused.code != 0 and "does not exist" not in refused.output
        stack.write_program(native_program(dict(HOOK, name="other", from_number=bad)))
        checked = stack.preview(check=False)
        # the reason fromNumber gets, word for word
        reason = re.search(r"property fromNumber value \{\S+\} has a problem: (.*)",
                           checked.output).group(1)
        assert reason in refused.output, (reason, refused.output)
        assert "`fromNumber`" in refused.output and "from_number" not in refused.output


def test_unknown_config_keys_warn_on_both_faces_and_a_key_lookalike_is_refused(
        make_stack, native_stack, emulator):
    for stack in (native_stack(native_program(HOOK)),
                  make_stack(webhook_program(HOOK),
                             config={"wa-webhook:endpoint": emulator.base_url},
                             secrets={"wa-webhook:apiKey": KEY_1})):
        stack.set_configs(
            {"wa-webhook:endpont": "https://api.example.com/v2",
             "wa-webhook:retires": "2"},
            {})
        preview = stack.preview()
        assert re.search(r"warning: .*wa-webhook:endpont is not a wa-webhook configuration key "
                         r"and is ignored; did you mean wa-webhook:endpoint\?", preview.output)
        assert "did you mean wa-webhook:retries?" in preview.output
        stack.pulumi("config", "rm", "wa-webhook:endpont")
        stack.pulumi("config", "rm", "wa-webhook:retires")
        stack.set_config("wa-webhook:apikey", "clear-key-9d2f")
        refused = stack.pulumi("up", "--yes", check=False)
        assert refused.code != 0
        assert "wa-webhook:apikey is not a wa-webhook configuration key" in refused.output
        assert "pulumi config set --secret wa-webhook:apiKey" in refused.output
        assert "clear-key-9d2f" not in refused.output
        assert stack.resources("Webhook") == [] and emulator.count("setWebhook") == 0


def test_messages_in_the_schema_spelling_every_config_problem_at_once(native_stack, emulator):
    stack = native_stack(native_program(HOOK), key=None,
                         config={"wa-webhook:timeout": "0", "wa-webhook:retries": "99"})
    failed = stack.preview(check=False)
    assert failed.code != 0
    # each problem on its key, with where the value came from
    assert re.search(r"property timeout value \{0\} has a problem: stack config "
                     r"wa-webhook:timeout must be", failed.output), failed.output
    assert re.search(r"property retries value \{99\} has a problem: stack config "
                     r"wa-webhook:retries must be", failed.output)
    stack.pulumi("config", "rm", "wa-webhook:timeout")
    stack.pulumi("config", "rm", "wa-webhook:retries")
    missing = stack.preview(check=False)
    assert "set the Webhook's `apiKey` property" in missing.output
    assert "api_key=" not in missing.output
    stack.set_config("wa-webhook:apiKey", KEY_1, secret=True)
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/")
    taken = stack.up(check=False)
    assert "`overwrite: true`" in taken.output and "overwrite=True" not in taken.output
    assert "the `aliases` resource option" in taken.output and "pulumi.Alias" not in taken.output


def test_preview_diff_shows_a_provider_change_and_a_rotated_key_on_its_resource(
        native_stack, emulator, second_region):
    stack = native_stack(native_program(HOOK))
    stack.up()
    [before] = stack.resources("wa-webhook:index:Webhook")
    stack.set_config("wa-webhook:endpoint", second_region.base_url)
    moved = stack.preview().stdout
    assert re.search(rf'endpoint\s*:\s*"{re.escape(emulator.base_url)}"\s*=>\s*'
                     rf'"{re.escape(second_region.base_url)}"', moved), moved
    stack.set_config("wa-webhook:endpoint", emulator.base_url)
    emulator.add_account(ACCOUNT_1, "rotated-key-51c0")
    stack.set_config("wa-webhook:apiKey", "rotated-key-51c0", secret=True)
    rotated = stack.preview().stdout
    old = before["outputs"]["keyFingerprint"]
    block = rotated[rotated.index("wa-webhook:index:Webhook"):]
    assert re.search(rf'keyFingerprint\s*:\s*"{old}"\s*=>\s*"[0-9a-f]{{8}}"', block), rotated
    stack.up()
    [after] = stack.resources("wa-webhook:index:Webhook")
    assert after["outputs"]["keyFingerprint"] not in (old, None)
    assert "rotated-key-51c0" not in stack.all_output()


def test_the_plugin_answers_version_and_reports_it_to_the_engine():
    script = os.path.join(PLUGIN_DIR, "pulumi-resource-wa-webhook")
    answer = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0 and answer.stdout.strip() == __version__
    with running_plugin() as served:
        assert served.call("GetPluginInfo", empty_pb2.Empty()).version == __version__


def test_a_released_plugin_is_installed_listed_with_its_version_and_found(make_stack,
                                                                          emulator, tmp_path):
    asset = subprocess.run([sys.executable, str(REPO / "tools" / "plugin_release.py"),
                            str(tmp_path)], capture_output=True, text=True, check=True)
    stack = make_stack(native_program(HOOK), config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": KEY_1})
    # no `plugins:` block and nothing on PATH: only the installed plugin can serve
    stack.env.update(WA_WEBHOOK_PYTHON=sys.executable, PULUMI_IGNORE_AMBIENT_PLUGINS="true")

    def plugin(*args: str) -> str:  # `pulumi plugin` takes no --stack
        return subprocess.run(["pulumi", "plugin", *args], cwd=stack.root, env=stack.env,
                              capture_output=True, text=True, check=True).stdout

    plugin("install", "resource", "wa-webhook", __version__, "-f", asset.stdout.strip())
    listed = plugin("ls")
    assert re.search(rf"wa-webhook\s+resource\s+{re.escape(__version__)}", listed), listed
    stack.up()
    assert stored(emulator) == STORED
    stack.destroy()
