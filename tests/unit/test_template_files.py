"""The `pulumi new` template (templates/wa-webhook-python) prompts for the account, the URL
and a secret key; tests/engine/test_template.py runs it through the real CLI."""

from __future__ import annotations

import yaml
from harness import REPO

TEMPLATE = REPO / "templates" / "wa-webhook-python"


def test_template_prompts_for_the_account_the_url_and_a_secret_key():
    settings = yaml.safe_load((TEMPLATE / "Pulumi.yaml").read_text())
    prompts = settings["template"]["config"]
    assert set(prompts) == {"fromNumber", "webhookUrl", "wa-webhook:apiKey"}
    assert prompts["wa-webhook:apiKey"].get("secret") is True
    assert all(prompt["description"] for prompt in prompts.values())
    assert "pulumi-wa-webhook" in (TEMPLATE / "requirements.txt").read_text()
