"""TypeScript and Go programs on the SDKs generated from the plugin's schema, through the real
engine and our language hosts against the emulator: the same lifecycle as the Python faces,
the same API calls, the API key and a secret URL nowhere in clear."""

from __future__ import annotations

import json

import pytest
from sdk_programs import STEPS, Run, go_stack, typescript_stack
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1, KEY_2, stored

pytestmark = pytest.mark.languages


def check_same_calls_no_key(run: Run, python_run: Run) -> None:
    assert list(run.calls) == list(STEPS)
    assert run.calls == python_run.calls
    assert run.calls["no-change preview"] == []
    assert run.calls["update"] == ["setWebhook"]
    for text in (run.exported, run.transcript):  # the state, and the CLI's output and -v=9 logs
        assert KEY_1 not in text


def test_typescript_lifecycle_makes_the_python_calls(typescript_run, python_run):
    check_same_calls_no_key(typescript_run, python_run)


def test_go_lifecycle_makes_the_python_calls(go_run, python_run):
    check_same_calls_no_key(go_run, python_run)


def check_url_secret(run: Run) -> None:
    assert run.outputs["webhookUrl"] == "[secret]"
    for text in (run.exported, run.transcript):
        assert "url-secret-4711" not in text


def test_typescript_secret_url_stays_secret(typescript_run):
    check_url_secret(typescript_run)


def test_go_secret_url_stays_secret(go_run):
    check_url_secret(go_run)


OUTPUT_AS_URL = """\
import * as pulumi from "@pulumi/pulumi";
import * as wawebhook from "@pulumi-wa-webhook/wa-webhook";

const config = new pulumi.Config();
const first = new wawebhook.Webhook("first", {
    fromNumber: "972500000001",
    url: "https://hooks.example.com/first",
});
// The second account's URL is an Output of the first resource: unknown during the first preview.
const second = new wawebhook.Webhook("second", {
    fromNumber: "972500000002",
    url: first.url.apply(url => `${url}?copy=second`),
    apiKey: config.requireSecret("secondKey"),
});
export const secondUrl = second.url;
"""


def test_typescript_output_of_another_resource_as_url(tmp_path, pulumi_env, emulator,
                                                      node_modules):
    stack = typescript_stack(tmp_path, pulumi_env, node_modules, OUTPUT_AS_URL)
    stack.set_configs(
        {"wa-webhook:endpoint": emulator.base_url},
        {"wa-webhook:apiKey": KEY_1,
         "secondKey": KEY_2})
    preview = stack.preview()
    assert "second" in preview.stdout
    assert emulator.count("setWebhook") == 0
    stack.pulumi("up", "--yes")
    assert stored(emulator, ACCOUNT_2)["url"] == "https://hooks.example.com/first?copy=second"
    assert stored(emulator, ACCOUNT_1)["url"] == "https://hooks.example.com/first"
    assert stack.outputs() == {"secondUrl": "https://hooks.example.com/first?copy=second"}
    assert KEY_2 not in json.dumps(stack.export())
    stack.destroy()
    assert stored(emulator, ACCOUNT_2)["url"] == ""
    assert KEY_2 not in stack.all_output()


BAD_VALUES = """\
import * as wawebhook from "@pulumi-wa-webhook/wa-webhook";

// Values a TypeScript program can pass despite the types (from JSON, `any`, a cast).
new wawebhook.Webhook("bad", {
    fromNumber: "-972500001007",
    url: "ftp://user:PW5WORD@files.example.com/p?token=Q5TOKEN#F5FRAG",
    system: "false" as any,
    retry: 2 as any,
    readStatus: 1 as any,
    systemPhoneAlerts: "972502211234" as any,
});
"""


def test_typescript_input_problems_in_schema_spelling(tmp_path, pulumi_env, emulator,
                                                      node_modules):
    """Every problem at once, with the schema's names and JSON literals (no Python), `1`
    refused as `2` is, and nothing of the URL's credentials echoed."""
    stack = typescript_stack(tmp_path, pulumi_env, node_modules, BAD_VALUES)
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    result = stack.preview(check=False)
    assert result.code != 0
    text = result.output
    for expected in ('"-972500001007" starts with a minus sign',
                     'url must start with https:// or http:// (got scheme "ftp")',
                     'property system value {false} has a problem: must be true or false, '
                     'got "false"',
                     "property retry value {2} has a problem: must be true or false, got 2",
                     "property readStatus value {1} has a problem: must be true or false, got 1",
                     'must be a list of phone numbers, e.g. ["972502211234"]'):
        assert expected in text, (expected, text)
    for python in ("got 2.0", "got 'false'", "['972502211234']", "True or False",
                   "read_status", "PW5WORD", "Q5TOKEN", "F5FRAG"):
        assert python not in text, python
    assert emulator.count() == 0
# An explicit provider configured by nothing but the environment: the generated SDKs read
# WA_WEBHOOK_* (`defaultInfo.environment`) and fill in no default of their own, so a CI job
# that points the provider at the emulator reaches the emulator, never the production API.
ENV_ONLY_TYPESCRIPT = """\
import * as wawebhook from "@pulumi-wa-webhook/wa-webhook";

const ci = new wawebhook.Provider("ci", {});
const hook = new wawebhook.Webhook("hook", {
    fromNumber: "972500000001",
    url: "https://hooks.example.com/from-env",
}, { provider: ci });
export const url = hook.url;
"""
ENV_ONLY_GO = """\
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go/wawebhook"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		ci, err := wawebhook.NewProvider(ctx, "ci", &wawebhook.ProviderArgs{})
		if err != nil {
			return err
		}
		hook, err := wawebhook.NewWebhook(ctx, "hook", &wawebhook.WebhookArgs{
			FromNumber: pulumi.String("972500000001"),
			Url:        pulumi.String("https://hooks.example.com/from-env"),
		}, pulumi.Provider(ci))
		if err != nil {
			return err
		}
		ctx.Export("url", hook.Url)
		return nil
	})
}
"""


def check_explicit_provider_from_environment(stack, emulator) -> None:
    stack.env.update(WA_WEBHOOK_ENDPOINT=emulator.base_url, WA_WEBHOOK_API_KEY=KEY_1,
                     WA_WEBHOOK_RETRIES="1")
    stack.pulumi("up", "--yes", "-v=9", "--logtostderr")
    assert stored(emulator)["url"] == "https://hooks.example.com/from-env"
    assert emulator.count("setWebhook") == 1
    [provider] = stack.resources("pulumi:providers:wa-webhook")
    assert provider["inputs"]["endpoint"] == emulator.base_url
    exported = json.dumps(stack.export())
    stack.destroy()
    assert stored(emulator)["url"] == ""
    output = stack.all_output()
    assert "is not a wa-webhook configuration key" not in output  # `version` is no typo
    assert KEY_1 not in exported and KEY_1 not in output


def test_typescript_explicit_provider_from_the_environment_only(tmp_path, pulumi_env,
                                                                emulator, node_modules):
    stack = typescript_stack(tmp_path, pulumi_env, node_modules, ENV_ONLY_TYPESCRIPT)
    check_explicit_provider_from_environment(stack, emulator)


def test_go_explicit_provider_from_the_environment_only(tmp_path, pulumi_env, emulator,
                                                        sdk_dir):
    stack = go_stack(tmp_path, pulumi_env, sdk_dir, ENV_ONLY_GO)
    check_explicit_provider_from_environment(stack, emulator)
