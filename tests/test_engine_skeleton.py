"""The real engine in the loop: a minimal dynamic resource through up, preview and destroy."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_wa_webhook._noop import Noop

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
    assert b"pulumi_wa_webhook._noop" in base64.b64decode(blob)
    assert len(blob) < 2048

    stack.destroy()
    assert stack.resources("wa-webhook:Noop") == []


def test_cli_version_is_v3(make_stack):
    stack = make_stack(PROGRAM)
    assert stack.pulumi("version").stdout.startswith("v3.")
