"""`pulumi package add` pointed at the plugin, in a TypeScript and in a Python project: the SDK
is generated into sdks/, linked into the project's dependencies, installed, and a program
using it previews against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from harness import REPO, Stack
from native_programs import PLUGIN_DIR
from webhook_programs import KEY_1

from pulumi_wa_webhook.native.schema import LANGUAGE

pytestmark = pytest.mark.languages

PLUGIN = str(Path(PLUGIN_DIR) / "pulumi-resource-wa-webhook")
NPM_NAME = LANGUAGE["nodejs"]["packageName"]
PY_NAME = LANGUAGE["python"]["packageName"]


def configure(stack: Stack, emulator) -> None:
    stack.set_configs({"wa-webhook:endpoint": emulator.base_url}, {"wa-webhook:apiKey": KEY_1})


def test_package_add_in_a_typescript_project(tmp_path, pulumi_env, emulator, node_modules):
    project = tmp_path / "project"
    project.mkdir()
    package = json.loads((REPO / "examples" / "typescript" / "package.json").read_text())
    del package["dependencies"][NPM_NAME]
    (project / "package.json").write_text(json.dumps(package, indent=4))
    (project / "Pulumi.yaml").write_text(
        "name: added-ts\nruntime: nodejs\n"
        f"plugins:\n  providers:\n    - name: wa-webhook\n      path: {PLUGIN_DIR}\n")
    tsconfig = (REPO / "examples" / "typescript" / "tsconfig.json").read_text()
    (project / "tsconfig.json").write_text(tsconfig)
    (project / "index.ts").write_text(textwrap.dedent(f"""\
        import * as wawebhook from "{NPM_NAME}";
        const hook = new wawebhook.Webhook("hook", {{fromNumber: "972500000001",
                                                    url: "https://hooks.example.com/added"}});
        export const url = hook.url;
        """))
    (tmp_path / "state").mkdir()
    # npm installs from its download cache (filled by tools/node-deps.sh) where it can.
    stack = Stack(project, dict(pulumi_env, PULUMI_BACKEND_URL=(tmp_path / "state").as_uri(),
                                npm_config_prefer_offline="true"))
    added = stack.pulumi("package", "add", PLUGIN, timeout=600)
    assert f'import * as waWebhook from "{NPM_NAME}"' in added.output
    linked = json.loads((stack.root / "package.json").read_text())["dependencies"][NPM_NAME]
    assert linked == "file:sdks/wa-webhook"
    assert (stack.root / "node_modules" / NPM_NAME / "bin" / "index.js").is_file()
    stack.pulumi("stack", "init", "dev")
    configure(stack, emulator)
    stack.preview()
    stack.pulumi("up", "--yes")
    assert emulator.account("972500000001")["url"] == "https://hooks.example.com/added"
    stack.destroy()


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
