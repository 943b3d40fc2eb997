"""The release artifacts of `make dist`, used the way a user gets them: in a new directory
outside the clone, a fresh PULUMI_HOME, and a PATH whose python3 has none of our packages.
The plugin archive is installed with `pulumi plugin install ... -f`; each getting-started page
(docs/getting-started-*.md) is run as written (its bash blocks, in order, in one shell) against
the emulator; `pulumi package add` then `pulumi install` works in a teammate's fresh copy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Dict

import pytest
from harness import REPO
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1, KEY_2

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook.native.schema import LANGUAGE

pytestmark = pytest.mark.languages

PLUGIN_ARCHIVE = f"pulumi-resource-wa-webhook-v{__version__}-linux-amd64.tar.gz"
NPM_TARBALL = f"pulumi-wa-webhook-wa-webhook-{__version__}.tgz"
GO_ARCHIVE = f"pulumi-wa-webhook-sdk-go-v{__version__}.tar.gz"
WHEEL = f"pulumi_wa_webhook-{__version__}-py3-none-any.whl"
SDIST = f"pulumi_wa_webhook-{__version__}.tar.gz"
PAGE_URL = "https://hooks.example.com/whatsapp"
NPM_NAME = LANGUAGE["nodejs"]["packageName"]


def clean_python(path: str) -> str:
    """The python3 on `path`, checked to have none of our packages (nor Pulumi's SDK)."""
    python = shutil.which("python3", path=path)
    assert python, path
    for module in ("pulumi_wa_webhook", "pulumi"):
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                               cwd="/", env={"PATH": path})
        assert probe.returncode != 0, f"{python} has {module}"
    return python


@pytest.fixture
def user_env(tmp_path: Path, pulumi_dir: str, yaml_dir: str, dist: Path,
             emulator) -> Dict[str, str]:
    """A user's environment: the CLI, node/npm, go and a python3 without our packages on
    PATH; a fresh PULUMI_HOME and a local backend; the variables the pages read."""
    tools = [shutil.which(name) for name in ("node", "npm", "go")]
    assert all(tools), tools
    dirs = [pulumi_dir, yaml_dir, *(os.path.dirname(os.path.realpath(t)) for t in tools[2:]),
            *(os.path.dirname(t) for t in tools[:2]), "/usr/local/bin", "/usr/bin", "/bin"]
    path = os.pathsep.join(dict.fromkeys(dirs))
    clean_python(path)
    assert shutil.which("pulumi-resource-wa-webhook", path=path) is None
    (tmp_path / "state").mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PULUMI_", "WA_WEBHOOK_", "PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.update(PATH=path, PULUMI_HOME=str(tmp_path / "pulumi-home"),
               PULUMI_BACKEND_URL=(tmp_path / "state").as_uri(), PULUMI_CONFIG_PASSPHRASE="",
               PULUMI_SKIP_UPDATE_CHECK="true", DIST=str(dist), FROM_NUMBER=ACCOUNT_1,
               API_KEY=KEY_1, WA_WEBHOOK_ENDPOINT=emulator.base_url,
               npm_config_prefer_offline="true", npm_config_audit="false",
               npm_config_fund="false", npm_config_update_notifier="false")
    return env


def sh(script: str, cwd: Path, env: Dict[str, str], timeout: int = 900) -> str:
    result = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def test_every_artifact_carries_the_one_version_and_its_checksum(dist):
    names = {p.name for p in dist.iterdir()}
    assert {PLUGIN_ARCHIVE, NPM_TARBALL, GO_ARCHIVE, WHEEL, SDIST, "SHA256SUMS",
            "templates"} <= names
    sums = dict(reversed(line.split("  ")) for line in (dist / "SHA256SUMS").read_text()
                .splitlines())
    assert set(sums) == {n for n in names if (dist / n).is_file()} - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name
    # the npm package: compiled JS and types, the schema's version, nothing run on install
    with tarfile.open(dist / NPM_TARBALL) as tar:
        files = set(tar.getnames())
        manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
    assert {"package/bin/index.js", "package/bin/index.d.ts", "package/bin/package.json"} <= files
    assert manifest["version"] == manifest["pulumi"]["version"] == __version__
    assert "scripts" not in manifest and "typescript" not in manifest["dependencies"]
    # the Go module: its own go.mod under the folder the pages `replace` to
    with tarfile.open(dist / GO_ARCHIVE) as tar:
        gomod = tar.extractfile("wa-webhook-sdk-go/go.mod").read().decode()  # type: ignore[union-attr]
        assert "wa-webhook-sdk-go/go.sum" in tar.getnames()
    assert "module github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go\n" in gomod
    template = (dist / "templates" / "wa-webhook-python" / "requirements.txt").read_text()
    assert "pulumi>=3.216,<4" in template.splitlines()


def test_the_frozen_plugin_runs_without_python(dist, tmp_path):
    with tarfile.open(dist / PLUGIN_ARCHIVE) as tar:
        tar.extractall(tmp_path, filter="tar")
    answer = subprocess.run([str(tmp_path / "pulumi-resource-wa-webhook"), "--version"],
                            env={"PATH": "/nonexistent"}, capture_output=True, text=True,
                            timeout=60)
    assert (answer.returncode, answer.stdout.strip()) == (0, __version__), answer.stderr


def run_page(name: str, tmp_path: Path, env: Dict[str, str]) -> str:
    page = (REPO / "docs" / f"getting-started-{name}.md").read_text()
    steps = re.findall(r"^## (\d+)\. ", page, re.M)
    assert 1 <= len(steps) <= 5 and steps == [str(i + 1) for i in range(len(steps))]
    blocks = re.findall(r"^```bash\n(.*?)^```", page, re.M | re.S)
    workdir = tmp_path / "user"
    workdir.mkdir()
    return sh("\n".join(blocks), workdir, env)


def check_page_run(output: str, emulator) -> None:
    urls = [json.dumps(r["body"]) for r in emulator.requests("setWebhook")]
    assert any(PAGE_URL in body for body in urls), urls  # `up` wrote the program's URL
    assert emulator.account(ACCOUNT_1)["url"] == ""  # and `destroy` cleared it
    assert KEY_1 not in output


@pytest.mark.parametrize("language", ["yaml", "typescript", "go", "python"])
def test_the_getting_started_page_runs_as_written(language, tmp_path, user_env, emulator):
    output = run_page(language, tmp_path, user_env)
    check_page_run(output, emulator)
    if language == "python":
        # the wheel also brings the native plugin, as a console script of the project's venv
        plugin = tmp_path / "user" / "my-webhooks" / "venv" / "bin" / "pulumi-resource-wa-webhook"
        assert "wa-webhook" in sh(f"{plugin} --help", tmp_path, user_env)
    if language != "python":
        listed = sh("pulumi plugin ls", tmp_path, user_env)
        assert re.search(rf"wa-webhook\s+resource\s+{re.escape(__version__)}", listed), listed
        assert emulator.count("getWebhook") >= 1  # the import read the account


def project_files(src: Path, dst: Path, names: list[str]) -> None:
    dst.mkdir()
    for name in names:
        shutil.copy(src / name, dst / name)


def test_package_add_then_install_in_a_fresh_typescript_copy(tmp_path, user_env, dist,
                                                             emulator):
    project = tmp_path / "project"
    project.mkdir()
    env = dict(user_env, FROM_NUMBER=ACCOUNT_2, API_KEY=KEY_2)
    sh(f'pulumi plugin install resource wa-webhook {__version__} -f "$DIST/{PLUGIN_ARCHIVE}"',
       tmp_path, env)
    (project / "Pulumi.yaml").write_text("name: added\nruntime: nodejs\n")
    (project / "index.ts").write_text(
        f'import * as wawebhook from "{NPM_NAME}";\n'
        'const hook = new wawebhook.Webhook("hook", {fromNumber: process.env.FROM_NUMBER!,\n'
        '    url: "https://hooks.example.com/added"});\n'
        "export const url = hook.url;\n")
    sh("npm init -y >/dev/null && npm install @pulumi/pulumi typescript @types/node", project,
       env)
    added = sh(f"pulumi package add wa-webhook@{__version__}", project, env)
    assert f'from "{NPM_NAME}"' in added
    assert f"wa-webhook: wa-webhook@{__version__}" in (project / "Pulumi.yaml").read_text()
    linked = json.loads((project / "package.json").read_text())["dependencies"][NPM_NAME]
    assert linked == "file:sdks/wa-webhook"
    # a teammate's clone: what is committed, no sdks/, no node_modules
    clone = tmp_path / "clone"
    project_files(project, clone, ["Pulumi.yaml", "package.json", "index.ts"])
    sh("pulumi install", clone, env)
    assert (clone / "node_modules" / NPM_NAME / "bin" / "index.js").is_file()
    sh('pulumi stack init dev && pulumi config set --secret wa-webhook:apiKey "$API_KEY" && '
       "pulumi preview && pulumi up --yes", clone, env)
    assert emulator.account(ACCOUNT_2)["url"] == "https://hooks.example.com/added"
    sh("pulumi destroy --yes", clone, env)
    assert emulator.account(ACCOUNT_2)["url"] == ""


def test_package_add_then_install_in_a_fresh_go_copy(tmp_path, user_env, dist, emulator):
    project = tmp_path / "project"
    project.mkdir()
    sh(f'pulumi plugin install resource wa-webhook {__version__} -f "$DIST/{PLUGIN_ARCHIVE}"',
       tmp_path, user_env)
    (project / "Pulumi.yaml").write_text("name: added-go\nruntime: go\n")
    go_import = LANGUAGE["go"]["importBasePath"]
    (project / "main.go").write_text(f"""package main

import (
\t"os"

\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

\t"{go_import}"
)

func main() {{
\tpulumi.Run(func(ctx *pulumi.Context) error {{
\t\t_, err := wawebhook.NewWebhook(ctx, "hook", &wawebhook.WebhookArgs{{
\t\t\tFromNumber: pulumi.String(os.Getenv("FROM_NUMBER")),
\t\t\tUrl:        pulumi.String("https://hooks.example.com/added-go"),
\t\t}})
\t\treturn err
\t}})
}}
""")
    sh("go mod init added-go", project, user_env)
    added = sh(f"pulumi package add wa-webhook@{__version__}", project, user_env)
    assert f'import "{go_import}"' in added
    gomod = (project / "go.mod").read_text()
    module = go_import.rsplit("/", 1)[0]
    assert f"{module} => ./sdks/wa-webhook" in gomod
    clone = tmp_path / "clone"
    project_files(project, clone, ["Pulumi.yaml", "go.mod", "go.sum", "main.go"])
    sh("pulumi install", clone, user_env)
    sh('pulumi stack init dev && pulumi config set --secret wa-webhook:apiKey "$API_KEY" && '
       "pulumi up --yes", clone, user_env)
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/added-go"
    sh("pulumi destroy --yes", clone, user_env)


def test_package_add_then_install_in_a_fresh_python_copy(tmp_path, user_env, dist, emulator):
    project = tmp_path / "project"
    project.mkdir()
    sh(f'pulumi plugin install resource wa-webhook {__version__} -f "$DIST/{PLUGIN_ARCHIVE}"',
       tmp_path, user_env)
    py_name = LANGUAGE["python"]["packageName"]
    (project / "Pulumi.yaml").write_text(
        "name: added-py\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        "    virtualenv: venv\n")
    (project / "requirements.txt").write_text("pulumi>=3.216,<4\n")
    (project / "__main__.py").write_text(
        f"import os\nimport {py_name} as wawebhook\n"
        'wawebhook.Webhook("hook", from_number=os.environ["FROM_NUMBER"],\n'
        '                  url="https://hooks.example.com/added-py")\n')
    added = sh(f"pulumi install && pulumi package add wa-webhook@{__version__}", project,
               user_env)
    assert f"import {py_name}" in added
    assert "sdks/wa-webhook" in (project / "requirements.txt").read_text().splitlines()
    clone = tmp_path / "clone"
    project_files(project, clone, ["Pulumi.yaml", "requirements.txt", "__main__.py"])
    sh("pulumi install", clone, user_env)
    where = sh(f'venv/bin/python -c "import {py_name}; print({py_name}.__file__)"', clone,
               user_env)
    assert str(clone / "venv") in where  # installed into the project's virtualenv
    sh('pulumi stack init dev && pulumi config set --secret wa-webhook:apiKey "$API_KEY" && '
       "pulumi up --yes", clone, user_env)
    assert emulator.account(ACCOUNT_1)["url"] == "https://hooks.example.com/added-py"
    sh("pulumi destroy --yes", clone, user_env)
