"""The built wheel works on its own: a clean virtualenv runs examples/basic with it."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from harness import REPO, Stack
from webhook_programs import ACCOUNT_1, KEY_1

pytestmark = pytest.mark.engine


def test_wheel_in_a_clean_venv_runs_the_basic_example(tmp_path, pulumi_env, emulator):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pulumi_wa_webhook/py.typed" in names
    assert "pulumi_wa_webhook/emulator/__main__.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    assert sdist.name.startswith("pulumi_wa_webhook-0.1.0")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel)], check=True)
    where = subprocess.run([str(python), "-c", "import pulumi_wa_webhook as p; print(p.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv))

    stack = Stack.from_project(REPO / "examples" / "basic", tmp_path / "example", pulumi_env,
                               virtualenv=str(venv))
    stack.set_config("wa-webhook:endpoint", emulator.base_url)
    stack.set_config("wa-webhook:apiKey", KEY_1, secret=True)
    stack.set_config("fromNumber", ACCOUNT_1)
    stack.set_config("webhookUrl", "https://hooks.example.com/from-wheel")
    stack.up()
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/from-wheel"
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert emulator.account(ACCOUNT_1)["url"] == ""
