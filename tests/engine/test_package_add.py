"""`pulumi package add` pointed at the plugin executable (docs/other-languages.md), in a Python
project: the SDK is generated into sdks/, installed into the project's virtualenv, and a
program using it runs against the emulator. (The `name@version` form, in TypeScript, Go and
Python projects from the release files, is in `test_dist.py`.)"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from harness import Stack
from native_programs import PLUGIN_DIR
from webhook_programs import KEY_1

from pulumi_wa_webhook.native.schema import LANGUAGE

pytestmark = pytest.mark.languages

PLUGIN = str(Path(PLUGIN_DIR) / "pulumi-resource-wa-webhook")
PY_NAME = LANGUAGE["python"]["packageName"]


def configure(stack: Stack, emulator) -> None:
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})


def test_package_add_in_a_python_project(tmp_path, pulumi_env, emulator):
    stack = Stack.create(tmp_path, pulumi_env, textwrap.dedent(f"""\
        import {PY_NAME} as wawebhook
        hook = wawebhook.Webhook("hook", from_number="972500000001",
                                 url="https://hooks.example.com/added-py")
        """))
    # A virtualenv of the project's own, which already sees the venv's pulumi (a .pth file):
    # `pulumi package add` pip-installs only the generated SDK into it.
    venv = stack.root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (stack.root / "requirements.txt").write_text("pulumi>=3.216,<4\n")
    settings = stack.root / "Pulumi.yaml"
    settings.write_text(
        "name: wa-test\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
        f"plugins:\n  providers:\n    - name: wa-webhook\n      path: {PLUGIN_DIR}\n")
    added = stack.pulumi("package", "add", PLUGIN, timeout=600)
    assert f"import {PY_NAME}" in added.output
    assert "sdks/wa-webhook" in (stack.root / "requirements.txt").read_text().splitlines()
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            f"import {PY_NAME}; print({PY_NAME}.__file__)"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert str(venv) in check.stdout  # installed into the project's virtualenv
    configure(stack, emulator)
    stack.pulumi("up", "--yes")
    assert emulator.account("972500000001")["url"] == "https://hooks.example.com/added-py"
    stack.destroy()
