"""What the wheel and sdist contain, and that the wheel works on its own in a clean venv."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from harness import REPO, Stack
from webhook_programs import ACCOUNT_1, KEY_1

from pulumi_wa_webhook import __version__

# The wheel and sdist are release artifacts: `make test-languages` checks them beside
# `make dist` (CI runs both targets).
pytestmark = pytest.mark.languages

#: Every file the wheel ships: the package's sources as committed, and its type marker.
#: `dynamic/noop.py` is among them on purpose: see its docstring.
WHEEL_MODULES = {
    path.relative_to(REPO).as_posix()
    for path in (REPO / "pulumi_wa_webhook").rglob("*")
    if path.suffix == ".py" or path.name == "py.typed"
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The wheel and sdist, built once from the working tree."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                   check=True, capture_output=True)
    return out


def test_wheel_holds_the_package_and_nothing_else(dist):
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n for n in names if ".dist-info/" not in n} == WHEEL_MODULES
    assert {"pulumi_wa_webhook/dynamic/noop.py", "pulumi_wa_webhook/emulator/testing.py",
            "pulumi_wa_webhook/py.typed"} <= WHEEL_MODULES
    metadata = zipfile.ZipFile(wheel).read(
        f"pulumi_wa_webhook-{__version__}.dist-info/METADATA").decode()
    assert "Requires-Python: >=3.10" in metadata
    assert "Requires-Dist: urllib3<3,>=2.0" in metadata


def test_sdist_has_no_tests_and_builds_the_same_package(dist):
    [sdist] = dist.glob("*.tar.gz")
    assert sdist.name == f"pulumi_wa_webhook-{__version__}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    # Tests need the whole repository (tools/, examples/, harness): all of them or none.
    assert not [n for n in names if n.startswith(("tests", "bench", "examples", "tools"))]
    assert {"LICENSE", "README.md", "pyproject.toml"} <= names
    assert names >= WHEEL_MODULES


def test_wheel_in_a_clean_venv_runs_the_basic_example(dist, tmp_path, pulumi_env, emulator):
    [wheel] = dist.glob("*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel)], check=True)
    where = subprocess.run([str(python), "-c", "import pulumi_wa_webhook as p; print(p.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv))
    plugin = venv / "bin" / "pulumi-resource-wa-webhook"  # the native provider's console script
    usage = subprocess.run([str(plugin), "--help"], check=True, capture_output=True, text=True)
    assert "wa-webhook" in usage.stdout

    stack = Stack.from_project(REPO / "examples" / "basic", tmp_path / "example", pulumi_env,
                               virtualenv=str(venv))
    stack.set_configs(
        {"wa-webhook:endpoint": emulator.base_url,
         "fromNumber": ACCOUNT_1,
         "webhookUrl": "https://hooks.example.com/from-wheel"},
        {"wa-webhook:apiKey": KEY_1})
    stack.up()
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/from-wheel"
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert emulator.account(ACCOUNT_1)["url"] == ""
