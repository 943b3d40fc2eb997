"""Program shapes that real teams write, through the real Pulumi CLI against the emulator.

Each test asserts what the account holds and which API calls were made afterwards: outputs of
other resources (unknown during preview), renames and refactors, replacements, two stacks on one
account, hand-made settings, out-of-band values, an endpoint given only by the environment,
numbers from stack config, phone order, and Automation API inline programs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from harness import Stack
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, STORED, stored, webhook_program

HOOK = {
    "name": "support",
    "from_number": ACCOUNT_1,
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["972502211234", "972527788695"],
    "retry": True,
}

# A resource created by the same program whose outputs feed the Webhook: unknown at preview.
SERVICE_PROGRAM = """\
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider
from pulumi_wa_webhook import Webhook


class ServiceProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("svc-1", {
            "url": "https://svc.example.com/wa", "system": True,
            "phone": "972527788695", "key": "test-key-1"})


class Service(Resource):
    url: pulumi.Output[str]
    system: pulumi.Output[bool]
    phone: pulumi.Output[str]
    key: pulumi.Output[str]

    def __init__(self, name):
        super().__init__(ServiceProvider(), name,
                         {"url": None, "system": None, "phone": None, "key": None},
                         pulumi.ResourceOptions(additional_secret_outputs=["key"]))


svc = Service("svc")
hook = Webhook("support", from_number="972500000001", url=svc.url, system=svc.system,
               system_phone_alerts=["972502211234", svc.phone], api_key=svc.key)
pulumi.export("url", hook.url)
"""


def first_error(output: str) -> str:
    """The first line of the Webhook's error in the CLI's Diagnostics section."""
    diagnostics = output.split("\nDiagnostics:\n", 1)[1]
    webhook_section = diagnostics.split("wa-webhook:Webhook (", 1)[1]
    return webhook_section.split("error: ", 1)[1].splitlines()[0]


def calls(emulator, path: str) -> int:
    return emulator.count(path)


def test_outputs_of_another_resource_preview_then_up(make_stack, emulator):
    stack = make_stack(SERVICE_PROGRAM, config={"wa-webhook:endpoint": emulator.base_url})
    preview = stack.pulumi("preview", "--diff")
    assert "url                : [unknown]" in preview.stdout  # shown as computed
    assert "Traceback" not in preview.output
    assert emulator.requests() == []
    up = stack.pulumi("up", "--yes")  # with its preview, as users run it
    assert "Traceback" not in up.output
    assert stored(emulator) == {"url": "https://svc.example.com/wa", "system": 1,
                                "systemPhoneAlert": "972502211234,972527788695",
                                "readStatus": 0, "retry": 0}
    # a first create: read, write, read back
    assert calls(emulator, "getWebhook") == 2 and calls(emulator, "setWebhook") == 1
    assert stack.outputs() == {"url": "https://svc.example.com/wa"}
    assert KEY_1 not in json.dumps(stack.export())


def test_known_parts_are_still_validated_when_others_are_unknown(make_stack, emulator):
    program = SERVICE_PROGRAM.replace('["972502211234", svc.phone]', '["12025550123", svc.phone]')
    stack = make_stack(program, config={"wa-webhook:endpoint": emulator.base_url})
    result = stack.pulumi("preview", check=False)
    assert result.code != 0
    assert "system_phone_alerts[0]" in result.output and "Israeli" in result.output
    assert emulator.requests() == []


def test_rename_keeps_the_account_configured(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    # Without an alias the new name is a new resource, and the account's settings (the very
    # same) could as well be another stack's: stopped, with the ways on.
    stack.write_program(webhook_program(dict(HOOK, name="support-line")))
    emulator.clear_requests()
    refused = stack.up(check=False)
    assert refused.code != 0
    assert "already holds exactly this program's webhook settings" in refused.output
    assert "aliases" in refused.output and "adopt=True" in refused.output
    assert stored(emulator) == STORED
    stack.write_program(webhook_program(dict(HOOK, name="support-line", adopt=True)))
    emulator.clear_requests()
    up = stack.pulumi("up", "--yes")
    assert stored(emulator) == STORED
    assert calls(emulator, "setWebhook") == 0 and calls(emulator, "getWebhook") == 1
    assert "now managed by another resource" in up.output
    stack.preview("--expect-no-changes")
    emulator.clear_requests()
    stack.destroy()  # the new owner still clears it on destroy
    assert stored(emulator) == CLEARED


def test_move_into_a_component_keeps_the_account_configured(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    stack.write_program(textwrap.dedent("""\
        import pulumi
        from pulumi_wa_webhook import Webhook


        class Messaging(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("acme:index:Messaging", name)
                Webhook("support", from_number="972500000001",
                        url="https://hooks.example.com/wa", system=True,
                        system_phone_alerts=["972527788695", "972502211234"], retry=True,
                        adopt=True, opts=pulumi.ResourceOptions(parent=self))


        Messaging("messaging")
        """))
    stack.up()
    assert stored(emulator) == STORED
    stack.preview("--expect-no-changes")


def test_rename_with_an_alias_makes_no_call(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    stack.write_program(webhook_program(dict(
        HOOK, name="support-line",
        opts='pulumi.ResourceOptions(aliases=[pulumi.Alias(name="support")])')))
    emulator.clear_requests()
    stack.up()
    assert emulator.requests() == []
    assert stored(emulator) == STORED


def test_rename_that_also_changes_settings_is_stopped_with_the_ways_out(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    stack.write_program(webhook_program(dict(HOOK, name="support-line", retry=False)))
    emulator.clear_requests()
    result = stack.up(check=False)
    assert result.code != 0
    for words in ("retry", "aliases", "overwrite=True", "972500000001"):
        assert words in result.output
    assert calls(emulator, "setWebhook") == 0
    assert stored(emulator) == STORED


def test_replace_keeps_the_account_configured(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    [hook] = stack.resources("wa-webhook:Webhook")
    emulator.clear_requests()
    stack.pulumi("up", "--yes", "--replace", hook["urn"])
    assert stored(emulator) == STORED
    assert " " not in [c["body"]["url"] for c in emulator.requests("setWebhook")]  # no clear
    stack.preview("--expect-no-changes")


def test_replacement_trigger_keeps_the_account_configured(hook_stack, emulator):
    stack = hook_stack(dict(HOOK, opts='pulumi.ResourceOptions(replacement_trigger="v1")'))
    stack.up()
    stack.write_program(webhook_program(dict(
        HOOK, url="https://hooks.example.com/v2",
        opts='pulumi.ResourceOptions(replacement_trigger="v2")')))
    assert "(replace)" in stack.preview().stdout
    stack.up()
    assert stored(emulator) == dict(STORED, url="https://hooks.example.com/v2")
    stack.preview("--expect-no-changes")


def test_second_stack_on_the_same_account_is_stopped(hook_stack, emulator):
    prod = hook_stack(HOOK)
    prod.up()
    staging = Stack(prod.root, prod.env, "staging")
    staging.pulumi("stack", "init", "staging")
    staging.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    prod.write_program(webhook_program(dict(HOOK, url="https://staging.example.com/wa")))
    emulator.clear_requests()
    result = staging.up(check=False)
    assert result.code != 0
    # The account's URL (it may carry the other stack's token) shows as its origin only.
    assert "'https://hooks.example.com/…' -> 'https://staging.example.com/wa'" in result.output
    assert "overwrite=True" in first_error(result.output)
    assert calls(emulator, "setWebhook") == 0
    staging.destroy()
    assert stored(emulator) == STORED


def test_hand_made_settings_then_first_up(hook_stack, emulator):
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/", system=1)
    stack = hook_stack(HOOK)
    emulator.clear_requests()
    assert stack.up(check=False).code != 0
    assert calls(emulator, "setWebhook") == 0
    assert emulator.account(ACCOUNT_1)["url"] == "https://by-hand.example.com/"

    stack.write_program(webhook_program(dict(HOOK, adopt=True)))
    assert stack.up(check=False).code != 0  # adopt takes over only a matching account

    stack.write_program(webhook_program(dict(HOOK, overwrite=True)))
    emulator.clear_requests()
    stack.up()
    assert stored(emulator) == STORED
    assert calls(emulator, "setWebhook") == 1 and calls(emulator, "getWebhook") == 0


def test_first_up_on_a_cleared_or_equal_account(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()  # cleared before: one read, one write, one read back
    assert calls(emulator, "getWebhook") == 2 and calls(emulator, "setWebhook") == 1
    stack.destroy()
    emulator.set_account(ACCOUNT_1, **STORED)
    emulator.clear_requests()
    # already equal, but maybe another stack's: one read, no write, stopped
    assert stack.up(check=False).code != 0
    stack.up(env={"WA_WEBHOOK_ADOPT": "1"})  # taken as it is, for this run
    assert calls(emulator, "getWebhook") == 2 and calls(emulator, "setWebhook") == 0
    stack.preview("--expect-no-changes")


def test_out_of_band_value_the_model_rejects_is_repaired(hook_stack, emulator):
    stack = hook_stack(HOOK)
    stack.up()
    emulator.set_account(ACCOUNT_1, url="hooks.example.com/a b", systemPhoneAlert="12025550123")
    stack.refresh()
    preview = stack.preview()
    assert "hooks.example.com/a b" in preview.stdout and "Traceback" not in preview.output
    stack.up("--refresh")
    assert stored(emulator) == STORED
    stack.preview("--refresh", "--expect-no-changes")


def test_endpoint_from_the_environment_is_kept_for_destroy(make_stack, emulator):
    stack = make_stack(webhook_program(HOOK), secrets={"wa-webhook:apiKey": KEY_1})
    stack.up(env={"WA_WEBHOOK_ENDPOINT": emulator.base_url})
    assert stored(emulator) == STORED
    [hook] = stack.resources("wa-webhook:Webhook")
    assert hook["outputs"]["endpoint"] == emulator.base_url
    stack.refresh()
    emulator.clear_requests()
    stack.destroy()
    assert calls(emulator, "setWebhook") == 1
    assert stored(emulator) == CLEARED


def test_a_changed_endpoint_shows_in_preview_and_moves_the_settings(hook_stack, emulator):
    from pulumi_wa_webhook.emulator.testing import running_emulator

    stack = hook_stack(HOOK)
    stack.up()
    with running_emulator({ACCOUNT_1: KEY_1}) as second:
        stack.set_config("wa-webhook:endpoint", second.base_url)
        preview = stack.preview()
        assert f'"{emulator.base_url}" => "{second.base_url}"' in preview.stdout
        assert "(update)" in preview.stdout
        stack.up()
        assert stored(second) == STORED


def test_numbers_from_stack_config_arrive_as_ints(make_stack, emulator):
    program = """\
        import pulumi
        from pulumi_wa_webhook import Webhook

        hook = pulumi.Config().require_object("hook")
        Webhook("support", from_number=hook["number"], url="https://hooks.example.com/wa",
                system_phone_alerts=hook["alerts"])
        """
    stack = make_stack(program, config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": KEY_1})
    stack.pulumi("config", "set", "--path", "hook.number", "972500000001")
    stack.pulumi("config", "set", "--path", "hook.alerts[0]", "972502211234")
    stack.up()
    assert emulator.account(ACCOUNT_1)["systemPhoneAlert"] == "972502211234"
    stack.preview("--expect-no-changes")


def test_order_of_alert_phones_does_not_matter(hook_stack, emulator):
    emulator.set_account(ACCOUNT_1, **dict(STORED, systemPhoneAlert="972527788695,972502211234"))
    stack = hook_stack(dict(HOOK, adopt=True))
    stack.up()
    assert calls(emulator, "setWebhook") == 0
    stack.write_program(webhook_program(dict(
        HOOK, system_phone_alerts=["972527788695", "972502211234"])))
    stack.preview("--expect-no-changes")


def test_argument_errors_name_the_resource_and_every_problem(hook_stack, emulator):
    stack = hook_stack({"name": "broken", "from_number": ["972500000001"], "url": 5,
                        "system": "yes"})
    result = stack.preview(check=False)
    assert result.code != 0
    for words in ("'broken'", "from_number", "url", "system"):
        assert words in result.output
    assert "Traceback" not in result.output


def test_expected_api_failure_reads_as_one_clear_message(hook_stack, emulator):
    stack = hook_stack(HOOK, key="wrong-key")
    result = stack.up(check=False)
    assert result.code != 0
    assert "wrong apiKey" in first_error(result.output)
    assert "972500000001" in first_error(result.output)


AUTOMATION = """\
import os, sys
from pulumi import automation as auto
from pulumi_wa_webhook import Webhook

def program(name):
    def run():
        Webhook(name, from_number="972500000001", url="https://hooks.example.com/" + name)
    return run

opts = auto.LocalWorkspaceOptions(env_vars=dict(os.environ))
for stack_name, hook, destroy in (("a", "x", True), ("b", "z", False)):
    stack = auto.create_or_select_stack(stack_name, "inline", program(hook), opts=opts)
    stack.set_config("wa-webhook:endpoint", auto.ConfigValue(sys.argv[1]))
    stack.set_config("wa-webhook:apiKey", auto.ConfigValue("test-key-1", secret=True))
    stack.up()
    if destroy:
        stack.destroy()
print("ok")
"""


def test_two_automation_api_inline_runs_in_one_process(tmp_path, pulumi_env, emulator):
    script = tmp_path / "auto.py"
    script.write_text(AUTOMATION)
    (tmp_path / "state").mkdir()
    env = dict(pulumi_env, PULUMI_BACKEND_URL=(tmp_path / "state").as_uri())
    env["PATH"] = f"{sys.prefix}/bin:{env['PATH']}"
    proc = subprocess.run([sys.executable, str(script), emulator.base_url], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/z"
