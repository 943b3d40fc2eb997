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


def test_template_requirements_have_the_floors_of_the_package():
    """The template's `pulumi` floor is the package's own (pyproject), and it takes the
    package's current release series, so `pulumi new` installs what the README promises."""
    from packaging.requirements import Requirement

    from pulumi_wa_webhook import __version__

    try:
        import tomllib
    except ImportError:  # Python 3.10: `build` (a dev extra) brings tomli
        import tomli as tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    floors = {Requirement(text).name: Requirement(text).specifier
              for text in project["dependencies"]}
    wanted = {Requirement(line).name: Requirement(line).specifier
              for line in (TEMPLATE / "requirements.txt").read_text().splitlines() if line}
    assert wanted["pulumi"] == floors["pulumi"]
    assert __version__ in wanted["pulumi-wa-webhook"]
