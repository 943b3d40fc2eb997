"""`make sdks` (tools/gen-sdks.sh): the TypeScript, Go and Python SDKs that `pulumi package
gen-sdk` generates from the plugin's schema through our language hosts, named as the schema's
language sections say and as the examples use them."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess

import pytest
from harness import REPO
from sdk_programs import typescript_stack

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook.native.schema import LANGUAGE, PLUGIN_DOWNLOAD_URL, package_schema

pytestmark = pytest.mark.languages

NPM_NAME = LANGUAGE["nodejs"]["packageName"]
GO_IMPORT = LANGUAGE["go"]["importBasePath"]
PY_NAME = LANGUAGE["python"]["packageName"]


def test_the_schema_carries_the_language_sections():
    assert package_schema()["language"] == LANGUAGE


def test_gen_sdk_writes_three_sdks_named_as_the_schema_says(sdk_dir):
    package = json.loads((sdk_dir / "nodejs" / "package.json").read_text())
    assert package["name"] == NPM_NAME
    assert package["version"] == __version__
    # the plugin's name and version, and where the CLI downloads a released plugin from
    assert package["pulumi"] == {"resource": True, "name": "wa-webhook", "version": __version__,
                                 "server": PLUGIN_DOWNLOAD_URL}
    gomod = (sdk_dir / "go" / "go.mod").read_text()
    assert re.search(rf"^module {re.escape(posixpath.dirname(GO_IMPORT))}$", gomod, re.M)
    assert (sdk_dir / "go" / posixpath.basename(GO_IMPORT) / "webhook.go").is_file()
    pyproject = (sdk_dir / "python" / "pyproject.toml").read_text()
    assert re.search(rf'^\s*name = "{PY_NAME}"$', pyproject, re.M)
    assert re.search(rf'^\s*version = "{re.escape(__version__)}"$', pyproject, re.M)
    assert (sdk_dir / "python" / PY_NAME / "webhook.py").is_file()
    # Not the hand-written package we ship on PyPI, and not inside it.
    assert PY_NAME != "pulumi_wa_webhook"


def test_the_examples_use_the_names_the_schema_gives():
    package = json.loads((REPO / "examples" / "typescript" / "package.json").read_text())
    assert package["dependencies"][NPM_NAME] == "file:../../sdk/nodejs"
    assert f'from "{NPM_NAME}"' in (REPO / "examples" / "typescript" / "index.ts").read_text()
    gomod = (REPO / "examples" / "go" / "go.mod").read_text()
    module = posixpath.dirname(GO_IMPORT)
    assert f"replace {module} => ../../sdk/go" in gomod
    assert f'"{GO_IMPORT}"' in (REPO / "examples" / "go" / "main.go").read_text()


def test_the_api_key_is_a_secret_in_every_sdk(sdk_dir):
    assert "pulumi.secret(args.apiKey)" in (sdk_dir / "nodejs" / "webhook.ts").read_text()
    go = (sdk_dir / "go" / "wawebhook" / "webhook.go").read_text()
    assert "pulumi.ToSecret(args.ApiKey)" in go
    python = (sdk_dir / "python" / PY_NAME / "webhook.py").read_text()
    assert "pulumi.Output.secret(api_key)" in python


def test_the_typescript_sdk_and_example_type_check_with_tsc(tmp_path, pulumi_env, node_modules):
    """tsc (strict) on the SDK's sources and on the example, against @pulumi/pulumi from npm."""
    tsc = str(node_modules / ".bin" / "tsc")
    sdk = node_modules / NPM_NAME
    result = subprocess.run([tsc, "--noEmit", "--strict", "-p", str(sdk)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    # The example with two wrong lines added: tsc reports those two and nothing else, so the
    # example itself type-checks, and tsc does see the SDK's types.
    stack = typescript_stack(tmp_path, pulumi_env, node_modules)
    index = stack.root / "index.ts"
    example_lines = len(index.read_text().splitlines())
    index.write_text(index.read_text()
                     + "const a: number = new wawebhook.Webhook('a', {fromNumber: '1'}).url;\n"
                     + "new wawebhook.Webhook('b', {fromNumber: '2', retry: 'yes'});\n")
    result = subprocess.run([tsc, "--noEmit", "--pretty", "false", "-p", str(stack.root)],
                            capture_output=True, text=True, timeout=300)
    errors = [line for line in result.stdout.splitlines() if ": error TS" in line]
    assert [line.split("(")[1].split(",")[0] for line in errors] == [
        str(example_lines + 1), str(example_lines + 2)], result.stdout
    assert "Output<string>" in errors[0] and "'number'" in errors[0]
    assert "retry" in errors[1] or "boolean" in errors[1]
