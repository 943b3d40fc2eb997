"""The real engine in the loop: a minimal dynamic resource through up, preview and destroy."""

from __future__ import annotations

import base64

PROGRAM = """
import pulumi
from pulumi_wa_webhook.dynamic.noop import Noop

thing = Noop("thing", value="hello")
pulumi.export("value", thing.value)
"""


def test_up_preview_destroy_with_the_real_cli(make_stack):
    stack = make_stack(PROGRAM)

    stack.up()
    assert stack.outputs() == {"value": "hello"}

    preview = stack.preview("--expect-no-changes")
    assert "2 unchanged" in preview.stdout  # the stack and the resource

    [noop] = stack.resources("wa-webhook:Noop")
    assert noop["type"] == "pulumi-python:dynamic/wa-webhook:Noop"
    blob = noop["inputs"]["__provider"]
    assert isinstance(blob, str), "the provider captures no secret, so it is stored in plain"
    # Pickled by reference: the blob names the class in the installed package and stays small.
    assert b"pulumi_wa_webhook.dynamic.noop" in base64.b64decode(blob)
    assert len(blob) < 2048

    stack.destroy()
    assert stack.resources("wa-webhook:Noop") == []


def test_cli_version_is_v3(make_stack):
    stack = make_stack(PROGRAM)
    assert stack.pulumi("version").stdout.startswith("v3.")


def test_the_shaped_noop_keeps_the_state_a_webhook_keeps(make_stack, emulator):
    """`make bench` splits scale_ratio with `dynamic.noop.Shaped`: it must keep what a Webhook keeps
    (same input and output properties, no API call), or the split measures something else."""
    from webhook_programs import ACCOUNT_1, KEY_1

    program = f"""
from pulumi_wa_webhook import Webhook
from pulumi_wa_webhook.dynamic.noop import Shaped

Webhook("hook", from_number="{ACCOUNT_1}", url="https://hooks.example.com/bench")
Shaped("shaped", "972500000002", "https://hooks.example.com/bench", "{emulator.base_url}")
"""
    stack = make_stack(program, config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": KEY_1})
    stack.up()
    [hook] = stack.resources("wa-webhook:Webhook")
    [shaped] = stack.resources("wa-webhook:Shaped")
    for section in ("inputs", "outputs"):
        assert sorted(shaped[section]) == sorted(hook[section]), section
        sizes = [len(str(r[section]).replace("972500000002", ACCOUNT_1)) for r in (hook, shaped)]
        assert abs(sizes[0] - sizes[1]) < 16, (section, sizes)
    assert shaped["outputs"]["endpoint"] == hook["outputs"]["endpoint"]
    emulator.clear_requests()
    stack.destroy()
    assert emulator.requests("setWebhook") and all(
        r["body"]["from"] == ACCOUNT_1 for r in emulator.requests("setWebhook"))
