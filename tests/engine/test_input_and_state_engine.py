"""What users see of their input and of the state, on every face, through the real engine:
every argument problem in one report, in the caller's spelling, with no secret part of a URL
echoed; sign-prefixed numbers refused; no internal property in previews or the state; a
setting back at its default leaves no trace; a replacement shows only what changes."""

from __future__ import annotations

import json
import os
import re
import textwrap

import pytest
from harness import Stack
from native_programs import PLUGIN_DIR, use_plugin_dir
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1, KEY_2, stored

#: Parts of a bad URL that carry a credential: never in any output.
BAD_URL = "ftp://user:PW5WORD@files.example.com/p?token=Q5TOKEN#F5FRAG"
SECRET_PARTS = ("PW5WORD", "Q5TOKEN", "F5FRAG")
SECRET_URL = "https://hooks.example.com/wa?token=S3CRETTOKEN"

PACKAGES = {"dynamic": "pulumi_wa_webhook", "native": "pulumi_wa_webhook.native"}


def program(package: str, **args: str) -> str:
    """A program with one Webhook `hook`; `args` are Python expressions."""
    call = ", ".join(f"{name}={value}" for name, value in args.items())
    return f"import pulumi\nfrom {package} import Webhook\n\nhook = Webhook('hook', {call})\n"


def webhooks(stack: Stack) -> list[dict]:
    return [r for r in stack.export()["deployment"]["resources"]
            if r["type"].endswith("Webhook")]


def no_secret_part(text: str) -> None:
    for part in SECRET_PARTS + ("S3CRETTOKEN",):
        assert part not in text, part


@pytest.mark.parametrize("face", ["dynamic", "native"])
def test_input_problems_internal_properties_and_defaults(make_stack, emulator, face):
    package = PACKAGES[face]
    stack = make_stack(
        program(package, from_number="'972500000001'", url=repr(BAD_URL), system="'true'",
                system_phone_alerts="['0502211234']"),
        config={"wa-webhook:endpoint": emulator.base_url},
        secrets={"wa-webhook:apiKey": KEY_1},
    )
    if face == "native":
        use_plugin_dir(stack)
    emulator.clear_requests()

    # A type error does not hide the other problems: one report, every argument.
    result = stack.preview(check=False)
    assert result.code != 0
    assert "Webhook 'hook' has invalid arguments: system must be True or False, got str" \
        in result.output, result.output
    assert "url: must start with https:// or http:// (got scheme 'ftp')" in result.output
    assert "system_phone_alerts[0]: '0502211234' is in local format" in result.output
    no_secret_part(result.output)

    # Values the provider refuses: signs in numbers, and a URL whose value is never echoed.
    stack.write_program(program(
        package, from_number="'-972500001007'", url=repr(BAD_URL),
        system_phone_alerts="['--972502211234']"))
    result = stack.preview(check=False)
    assert result.code != 0
    # the native class's values are checked by the plugin, which writes JSON literals
    quote = "'" if face == "dynamic" else '"'
    assert f"{quote}-972500001007{quote} starts with a minus sign" in result.output, \
        result.output
    assert f"{quote}--972502211234{quote} starts with a minus sign" in result.output
    assert "url must start with https:// or http://" in result.output
    assert "property url value" not in result.output
    no_secret_part(result.output)
    assert "Traceback" not in result.output
    assert emulator.requests() == []

    # A secret URL: the plumbing that keeps it secret is not shown, nor kept as an output.
    good = dict(from_number=repr(ACCOUNT_1), url=f"pulumi.Output.secret({SECRET_URL!r})",
                system="True", retry="True")
    stack.write_program(program(package, **good))
    preview = stack.preview()
    assert "secret_inputs" not in preview.output, preview.output
    stack.up()
    # `system` switched back off: gone from the inputs at once (both faces) and from the
    # dynamic outputs; the native outputs hold every setting (the schema lists them all).
    stack.write_program(program(package, **dict(good, system="False")))
    preview = stack.preview()
    assert "secret_inputs" not in preview.output
    stack.up()
    assert stored(emulator)["system"] == 0
    [hook] = webhooks(stack)
    assert not [k for k in hook["inputs"] if "secret_inputs" in k and k != "__secret_inputs"]
    assert not [k for k in hook["outputs"] if "secret_inputs" in k]
    assert "system" not in hook["inputs"]
    if face == "dynamic":
        assert "system" not in hook["outputs"] and "retry" in hook["outputs"]
    else:
        assert hook["outputs"]["system"] is False

    # A replacement shows only what changes: no phantom `-system`, no dropped fingerprint.
    stack.write_program(program(package, **dict(good, system="False",
                                                 from_number=repr(ACCOUNT_2))))
    preview = stack.preview()
    number = "from_number" if face == "dynamic" else "fromNumber"
    assert changed_lines(preview.stdout) == [
        f'~ {number}: "{ACCOUNT_1}" => "{ACCOUNT_2}"'], preview.stdout
    no_secret_part(stack.all_output())


def changed_lines(preview: str) -> list[str]:
    """The property lines of `preview --diff` that add, remove or change a value."""
    return [" ".join(line.split()).replace(" :", ":") for line in preview.splitlines()
            if re.match(r"\s+[-+~] \w", line)]


YAML_PROGRAM = """\
name: wa-input
runtime: yaml
plugins:
  providers:
    - name: wa-webhook
      path: {plugin}
resources:
  hook:
    type: wa-webhook:index:Webhook
    properties:
{properties}
"""


def yaml_stack(tmp_path, env, emulator, properties: str) -> Stack:
    source = tmp_path / "source"
    source.mkdir()
    (source / "Pulumi.yaml").write_text(yaml_text(properties))
    stack = Stack.from_project(source, tmp_path / "run", env)
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})
    return stack


def yaml_text(properties: str) -> str:
    return YAML_PROGRAM.format(plugin=PLUGIN_DIR,
                               properties=textwrap.indent(textwrap.dedent(properties), " " * 6))


def test_yaml_messages_use_schema_names_and_json_literals(tmp_path, pulumi_env, emulator,
                                                          yaml_dir):
    env = dict(pulumi_env, PATH=f"{pulumi_env['PATH']}{os.pathsep}{yaml_dir}")
    stack = yaml_stack(tmp_path, env, emulator, f"""\
        fromNumber: "-972500001007"
        url: {json.dumps(BAD_URL)}
        systemPhoneAlerts: ["--972502211234", "0502211234"]
        """)
    emulator.clear_requests()
    result = stack.preview(check=False)
    assert result.code != 0
    text = result.output
    assert '"-972500001007" starts with a minus sign' in text, text
    assert '"--972502211234" starts with a minus sign' in text
    assert '"0502211234" is in local format' in text
    assert "url must start with https:// or http:// (got scheme \"ftp\")" in text
    for python in ("'-972500001007'", "system_phone_alerts", "property url value"):
        assert python not in text, python
    no_secret_part(text)
    assert emulator.requests() == []

    good = f"""\
        fromNumber: "{ACCOUNT_1}"
        url: https://hooks.example.com/wa
        system: true
        """
    (stack.root / "Pulumi.yaml").write_text(yaml_text(good))
    stack.up()
    good = good.replace("system: true", "system: false")
    (stack.root / "Pulumi.yaml").write_text(yaml_text(good))
    stack.up()
    [hook] = webhooks(stack)
    assert "system" not in hook["inputs"] and "secretInputs" not in hook["inputs"]
    # a replacement shows only what changes
    (stack.root / "Pulumi.yaml").write_text(yaml_text(good.replace(ACCOUNT_1, ACCOUNT_2)))
    preview = stack.preview()
    assert changed_lines(preview.stdout) == [
        f'~ fromNumber: "{ACCOUNT_1}" => "{ACCOUNT_2}"'], preview.stdout
    # a rotated key is named as the program spells it
    (stack.root / "Pulumi.yaml").write_text(yaml_text(good))
    stack.set_config("wa-webhook:apiKey", KEY_2, secret=True)
    preview = stack.preview()
    assert "`apiKey` changed" in preview.output, preview.output
    assert "api_key" not in preview.output
