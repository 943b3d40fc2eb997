"""The configuration table through the real engine: the API key in plain stack config is
refused on both faces, `wa-webhook:version` is no typo, an endpoint with a query fails the
preview, a resource of an explicit provider without key is told its `apiKey`, and URLs read
from an account (getWebhook, `pulumi import`) stay secret in outputs, state and previews."""

from __future__ import annotations

import json
import os
import re
import textwrap

import pytest
from harness import Stack
from native_programs import PLUGIN_DIR
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1, webhook_program

#: A URL another team wrote to an account: its token must never show in clear.
TOKEN = "acct-token-5150"
THEIR_URL = f"https://imp.example.com/hook?token={TOKEN}"
HOOK = {"name": "support", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/wa"}


def refused_in_clear(result) -> None:
    assert result.code != 0
    assert "wa-webhook:apiKey is stored unencrypted" in result.output
    assert "`pulumi config rm wa-webhook:apiKey`" in result.output
    assert "`pulumi config set --secret wa-webhook:apiKey <key>`" in result.output
    assert KEY_1 not in result.output


def test_dynamic_face_refuses_a_plain_key_accepts_version_and_refuses_an_endpoint_query(
        make_stack, emulator):
    stack = make_stack(webhook_program(HOOK), config={
        "wa-webhook:endpoint": emulator.base_url, "wa-webhook:apiKey": KEY_1,
        "wa-webhook:version": "0.1.0"})
    refused_in_clear(stack.preview(check=False))
    stack.pulumi("config", "rm", "wa-webhook:apiKey")
    stack.set_config("wa-webhook:apiKey", KEY_1, secret=True)
    stack.set_config("wa-webhook:endpoint", emulator.base_url + "?x=secret-query-1")
    query = stack.preview(check=False)
    assert query.code != 0 and "must not have a query" in query.output
    assert "secret-query-1" not in query.output
    stack.set_config("wa-webhook:endpoint", emulator.base_url)
    fine = stack.preview()
    assert "is not a wa-webhook configuration key" not in fine.output
    assert emulator.requests() == []


@pytest.fixture
def yaml_stack(tmp_path, pulumi_env, yaml_dir):
    """A Pulumi YAML project (`program`: its resources/variables/outputs) on the plugin."""

    def factory(program: str) -> Stack:
        project = tmp_path / "project"
        project.mkdir()
        (tmp_path / "state").mkdir()
        (project / "Pulumi.yaml").write_text(
            "name: cfg-yaml\nruntime: yaml\nplugins:\n  providers:\n    - name: wa-webhook\n"
            f"      path: {PLUGIN_DIR}\n" + textwrap.dedent(program))
        env = dict(pulumi_env, PATH=f"{pulumi_env['PATH']}{os.pathsep}{yaml_dir}",
                   PULUMI_BACKEND_URL=(tmp_path / "state").as_uri())
        stack = Stack(project, env)
        stack.pulumi("stack", "init", "dev")
        return stack

    return factory


UNMANAGED = """\
variables:
  other:
    fn::invoke:
      function: wa-webhook:index:getWebhook
      arguments:
        fromNumber: "972500000002"
outputs:
  unmanagedUrl: ${other.url}
  unmanagedRetry: ${other.retry}
"""

EXPLICIT_WITHOUT_KEY = """\
resources:
  eu:
    type: pulumi:providers:wa-webhook
    properties:
      endpoint: ENDPOINT
  hook:
    type: wa-webhook:index:Webhook
    properties:
      fromNumber: "972500000001"
    options:
      provider: ${eu}
"""


def test_native_face_keeps_urls_read_from_accounts_secret_and_refuses_a_plain_key(
        yaml_stack, emulator):
    emulator.set_account(ACCOUNT_2, url=THEIR_URL, retry=1, apiKey=KEY_1)
    stack = yaml_stack(UNMANAGED)
    stack.set_config("wa-webhook:endpoint", emulator.base_url)
    stack.set_config("wa-webhook:apiKey", KEY_1)  # without --secret
    refused_in_clear(stack.preview(check=False))
    stack.pulumi("config", "rm", "wa-webhook:apiKey")
    stack.set_config("wa-webhook:apiKey", KEY_1, secret=True)
    stack.preview()
    stack.pulumi("up", "--yes")
    outputs = json.loads(stack.pulumi("stack", "output", "--json").stdout)
    assert outputs == {"unmanagedUrl": "[secret]", "unmanagedRetry": "[secret]"}
    revealed = json.loads(stack.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert revealed["unmanagedUrl"] == THEIR_URL
    stack.transcript.pop()  # the one command asked to show it
    stack.preview("--diff")
    # `pulumi import` of the account: the URL it reads is stored as a secret
    stack.pulumi("import", "wa-webhook:index:Webhook", "theirs", ACCOUNT_2, "--yes",
                 "--generate-code=false")
    exported = json.dumps(stack.export())
    assert TOKEN not in exported and THEIR_URL not in exported
    stack.pulumi("state", "delete", stack.resources("wa-webhook:index:Webhook")[0]["urn"],
                 "--yes", "--force")
    # a resource of an explicit provider with no key is told where that provider reads one
    (stack.root / "Pulumi.yaml").write_text(re.sub(
        r"variables:.*", EXPLICIT_WITHOUT_KEY.replace("ENDPOINT", emulator.base_url),
        (stack.root / "Pulumi.yaml").read_text(), flags=re.S))
    missing = stack.preview(check=False)
    assert missing.code != 0
    assert "set `apiKey` of the explicit provider 'eu'" in missing.output
    assert "pulumi config set --secret" not in missing.output
    assert TOKEN not in stack.all_output() and KEY_1 not in stack.all_output()
