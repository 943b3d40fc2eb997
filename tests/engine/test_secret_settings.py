"""Secret settings stay secret, messages mask URLs, and a refresh stores inputs in the shape
`check` produces: one stack run per face (Python dynamic, Python native, Pulumi YAML) through
the real engine.

Each run: a first `up` that finds the account configured by someone else (its URL carries
that team's token) fails; with the account cleared, `preview` + `up` (verbose engine logs)
write a URL given as a secret; a program change of the secret URL shows as a change; a URL
drift shows as exactly one changed setting, with `preview --refresh` and after `refresh`; a
secret URL that fails validation is refused by property and rule. No secret part of either
URL (user info, path, query, fragment) appears in any CLI output, `stack export` or
`stack output --json`.
"""

from __future__ import annotations

import json
import os
import re
import textwrap

import pytest
from native_programs import PLUGIN_DIR, use_plugin_dir
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, stored

#: The program's URL, a secret: each of its parts holds a token of its own.
SECRET_URL = "https://u5er:pw-S3CRET1@hooks.example.com/p4th-S3CRET2/wa?token=S3CRET3#frag-S3CRET4"
CHANGED_URL = "https://hooks.example.com/p4th-S3CRET5/wa?token=S3CRET6"
#: What another team configured on the account (read from it: shown as origin only).
THEIR_URL = "https://0ther:pw-DR1FT1@other.example.net/dr1ft-DR1FT2/x?sig=DR1FT3#DR1FT4"
BAD_URL = "ftp://user:hunter2pw@x.example.com/"
HIDDEN = ["u5er", "S3CRET1", "S3CRET2", "S3CRET3", "S3CRET4", "S3CRET5", "S3CRET6",
          "0ther", "DR1FT1", "DR1FT2", "DR1FT3", "DR1FT4", "hunter2pw", KEY_1]
#: An alert phone given as a secret.
ALERT = "972527788695"

PYTHON = """\
import pulumi
from {package} import Webhook

cfg = pulumi.Config()
hook = Webhook("support", from_number="{account}", url=cfg.require_secret("hookUrl"),
               system_phone_alerts=pulumi.Output.secret(["{alert}"]))
pulumi.export("support_url", hook.url)
pulumi.export("support_alerts", hook.system_phone_alerts)
"""

YAML = """\
name: wa-test
runtime: yaml
plugins:
  providers:
    - name: wa-webhook
      path: {plugin_dir}
config:
  hookUrl:
    type: string
resources:
  support:
    type: wa-webhook:index:Webhook
    properties:
      fromNumber: "{account}"
      url: ${{hookUrl}}
      systemPhoneAlerts:
        fn::secret: ["{alert}"]
outputs:
  support_url: ${{support.url}}
  support_alerts: ${{support.systemPhoneAlerts}}
"""

#: A diff line of a setting left at its default (they must never show).
DEFAULTS_LINE = re.compile(r"^\s*[-+~]\s*(read_?[sS]tatus|retry|system)\s*:", re.MULTILINE)


@pytest.fixture(params=["dynamic", "native", "yaml"])
def secret_stack(request, make_stack, emulator):
    face = request.param
    if face == "yaml":
        stack = make_stack("")
        (stack.root / "__main__.py").unlink()
        yaml_path = request.getfixturevalue("yaml_dir")
        stack.env["PATH"] = f"{stack.env['PATH']}{os.pathsep}{yaml_path}"
        (stack.root / "Pulumi.yaml").write_text(textwrap.dedent(YAML.format(
            plugin_dir=PLUGIN_DIR, account=ACCOUNT_1, alert=ALERT)))
    else:
        package = "pulumi_wa_webhook" + (".native" if face == "native" else "")
        stack = make_stack(PYTHON.format(package=package, account=ACCOUNT_1, alert=ALERT))
        if face == "native":
            use_plugin_dir(stack)
    stack.set_configs(
        {"wa-webhook:endpoint": emulator.base_url,
         "wa-webhook:retries": "0"},
        {"wa-webhook:apiKey": KEY_1,
         "hookUrl": SECRET_URL})
    return stack


def _url_change_shown(text: str) -> bool:
    """`url: [secret] => [secret]` in the diff, or a line naming the changed url."""
    return bool(re.search(r"url\s*:\s*\[secret\]\s*=>\s*\[secret\]", text)
                or re.search(r"wa-webhook: account \d+: url changes", text))


def test_secret_settings_stay_secret_and_drift_shows_one_line(secret_stack, emulator):
    stack = secret_stack
    # Someone else's configuration is on the account: the first up writes nothing.
    emulator.set_account(ACCOUNT_1, url=THEIR_URL, retry=1)
    failed = stack.pulumi("up", "--yes", "-v=9", "--logtostderr", check=False)
    assert failed.code != 0 and "already holds a different webhook configuration" in failed.output
    assert "https://other.example.net/…" in failed.output  # the account's URL: origin only
    assert "https://hooks.example.com/…" in failed.output  # the secret URL: origin only
    assert emulator.account(ACCOUNT_1)["url"] == THEIR_URL

    emulator.set_account(ACCOUNT_1, **CLEARED)
    stack.pulumi("up", "--yes", "-v=9", "--logtostderr")  # preview, then up
    assert stored(emulator) == dict(CLEARED, url=SECRET_URL, systemPhoneAlert=ALERT)
    assert stack.outputs() == {"support_url": "[secret]", "support_alerts": "[secret]"}
    stack.preview("--expect-no-changes")

    # A program change of the secret URL shows as a change.
    stack.set_config("hookUrl", CHANGED_URL, secret=True)
    assert _url_change_shown(stack.preview().output)
    stack.pulumi("up", "--yes", "-v=9", "--logtostderr")
    assert emulator.account(ACCOUNT_1)["url"] == CHANGED_URL

    # Drift of the URL alone: one changed setting, before and after a refresh.
    emulator.set_account(ACCOUNT_1, url=THEIR_URL)
    drift = stack.preview("--refresh", "--expect-no-changes", check=False)
    assert drift.code != 0 and _url_change_shown(drift.output), drift.output
    assert not DEFAULTS_LINE.search(drift.output), drift.output
    stack.refresh()
    after = stack.preview(check=False)
    assert _url_change_shown(after.output) and not DEFAULTS_LINE.search(after.output), \
        after.output
    state = stack.export()  # the drifted URL read back is kept as secret as the program's
    stack.up()
    assert emulator.account(ACCOUNT_1)["url"] == CHANGED_URL
    stack.preview("--expect-no-changes")

    # A secret that fails validation: the property and the rule, never the value.
    stack.set_config("hookUrl", BAD_URL, secret=True)
    refused = stack.preview(check=False)
    assert refused.code != 0 and "https://" in refused.output and "url" in refused.output

    texts = {
        "CLI output": stack.all_output(),
        "stack export": json.dumps(state) + json.dumps(stack.export()),
        "stack output": json.dumps(stack.outputs()),
    }
    for place, text in texts.items():
        for part in HIDDEN + [ALERT]:
            assert part not in text, f"{part!r} found in clear in the {place}"
    assert len(texts["CLI output"]) > 10_000  # verbose logs were produced and searched
