"""Account claims through the real engine, on every face: an endpoint move is a first write (it
reads the account on the new endpoint and never overwrites it blind), one account is managed
by one resource per deployment (the same number on two endpoints is two accounts), and URLs
with control characters or port 0 are refused at preview."""

from __future__ import annotations

import pytest
from harness import Stack
from native_programs import native_program, use_plugin_dir, yaml_stack
from webhook_programs import ACCOUNT_1, HOOK, KEY_1, STORED, stored, webhook_program

from pulumi_wa_webhook.emulator.testing import running_emulator

THEIRS = "https://other-team.example/hook"
MOVED = "the account on the old endpoint is left as it is"


@pytest.fixture
def face_stack(make_stack, emulator):
    def factory(face, *hooks):
        program = (webhook_program if face == "dynamic" else native_program)(*hooks)
        config = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"}
        stack = make_stack(program, config=config, secrets={"wa-webhook:apiKey": KEY_1})
        if face == "native":
            use_plugin_dir(stack)
        return stack

    return factory


def _write(stack: Stack, face: str, *hooks: dict) -> None:
    stack.write_program((webhook_program if face == "dynamic" else native_program)(*hooks))


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_an_endpoint_move_reads_the_new_endpoint_first(face_stack, emulator, face):
    stack = face_stack(face, HOOK)
    stack.up()
    with running_emulator({ACCOUNT_1: KEY_1}) as moved_to:
        moved_to.set_account(ACCOUNT_1, url=THEIRS)
        stack.set_config("wa-webhook:endpoint", moved_to.base_url)
        emulator.clear_requests()

        preview = stack.preview()
        assert emulator.base_url in preview.output and moved_to.base_url in preview.output
        assert MOVED in preview.output
        assert moved_to.requests() == []

        failed = stack.pulumi("up", "--yes", check=False)  # preview, then the update
        assert failed.code != 0
        assert "already holds a different webhook configuration" in failed.output
        # the way on, spelt as the face's language spells it
        assert ("overwrite=True" if face == "dynamic" else "`overwrite: true`") in failed.output
        assert moved_to.count("setWebhook") == 0 and moved_to.count("getWebhook") == 1
        assert moved_to.account(ACCOUNT_1)["url"] == THEIRS

        _write(stack, face, dict(HOOK, overwrite=True))
        moved_to.add_fault("setWebhook", status=429)  # retried within wa-webhook:retries
        done = stack.pulumi("up", "--yes")
        assert MOVED in done.output
        assert stored(moved_to) == STORED
        assert moved_to.count("setWebhook") == 2
    assert stored(emulator) == STORED  # left as it is, as said
    assert emulator.requests() == []


def test_urls_with_control_characters_or_port_0_fail_at_preview(face_stack, emulator):
    stack = face_stack("dynamic", dict(HOOK, url="https://hooks.example.com/wa\x07"))
    result = stack.preview(check=False)
    assert result.code != 0 and "control character" in result.output
    _write(stack, "native", dict(HOOK, url="https://hooks.example.com:0/wa"))
    use_plugin_dir(stack)
    result = stack.preview(check=False)
    assert result.code != 0 and "port 0" in result.output
    assert "Traceback" not in stack.all_output()
    assert emulator.requests() == []


EXPLICIT = """
other = pulumi.ProviderResource("wa-webhook", "other", {{
    "endpoint": {endpoint!r}, "apiKey": pulumi.Output.secret({key!r}), "retries": 1}})
"""


def test_native_same_number_on_two_explicit_providers(make_stack, emulator):
    """Two endpoints: two accounts, both written. One endpoint (a default and an explicit
    provider, two plugin processes): refused at preview, naming both resources."""
    with running_emulator({ACCOUNT_1: KEY_1}) as second:
        program = native_program(
            dict(HOOK, name="here"),
            dict(HOOK, name="there", from_number="+972 50-000-0001",
                 opts="pulumi.ResourceOptions(provider=other)"),
            imports=EXPLICIT.format(endpoint=second.base_url, key=KEY_1),
        )
        stack = make_stack(program, config={"wa-webhook:endpoint": emulator.base_url},
                           secrets={"wa-webhook:apiKey": KEY_1})
        use_plugin_dir(stack)
        stack.pulumi("up", "--yes")
        assert stored(emulator) == STORED and stored(second) == STORED
    stack.write_program(program.replace(second.base_url, emulator.base_url))
    emulator.clear_requests()
    result = stack.preview(check=False)
    assert result.code != 0
    assert "'here' and 'there' both manage account 972500000001" in result.output
    assert emulator.requests() == []


YAML_TWO = """
a:
  type: wa-webhook:index:Webhook
  properties:
    fromNumber: "972500000001"
    url: {url}
b:
  type: wa-webhook:index:Webhook
  properties:
    fromNumber: "+972 50-000-0001"
    url: https://hooks.example.com/b
  options:
    provider: ${{other}}
other:
  type: pulumi:providers:wa-webhook
  properties:
    endpoint: {endpoint}
    apiKey:
      fn::secret: {key}
"""


def test_yaml_one_account_per_deployment(tmp_path, pulumi_env, emulator, yaml_dir):  # noqa: F811
    with running_emulator({ACCOUNT_1: KEY_1}) as second:
        stack = yaml_stack(
            tmp_path, pulumi_env, yaml_dir,
            YAML_TWO.format(url="https://hooks.example.com/a", endpoint=second.base_url,
                            key=KEY_1),
            **{"wa-webhook:endpoint": emulator.base_url},
        )
        stack.preview()  # two endpoints: two accounts
        settings = stack.root / "Pulumi.yaml"
        text = settings.read_text()
        settings.write_text(text.replace(second.base_url, emulator.base_url))
        result = stack.preview(check=False)
        assert result.code != 0
        assert "'a' and 'b' both manage account 972500000001" in result.output
        settings.write_text(text.replace("https://hooks.example.com/a",
                                         '"https://hooks.example.com/a\\a"'))
        result = stack.preview(check=False)
        assert result.code != 0 and "control character" in result.output
        assert second.requests() == []
    assert emulator.requests() == []
    assert "Traceback" not in stack.all_output() and KEY_1 not in stack.all_output()
