"""Program text and project settings for tests of the native `wa-webhook` provider plugin."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from harness import Stack
from webhook_programs import KEY_1, webhook_program

from pulumi_wa_webhook.native.names import camel

#: The directory holding the console script `pulumi-resource-wa-webhook` (the venv's bin).
PLUGIN_DIR = str(Path(sys.executable).parent)


def native_program(*hooks: dict[str, Any], imports: str = "") -> str:
    """A program declaring one native Webhook per dict (keys: name, opts and the arguments)."""
    return webhook_program(*hooks, imports=imports, package="pulumi_wa_webhook.native",
                           export_from=False)


def use_plugin_dir(stack: Stack, path: str = PLUGIN_DIR) -> None:
    """Point the project at the plugin: `plugins: providers:` in Pulumi.yaml."""
    settings = stack.root / "Pulumi.yaml"
    settings.write_text(
        settings.read_text()
        + f"plugins:\n  providers:\n    - name: wa-webhook\n      path: {path}\n"
    )


def plugin_on_path(stack: Stack, path: str = PLUGIN_DIR) -> None:
    """Let the engine find the plugin on PATH instead (it then prints a warning)."""
    stack.env["PATH"] = f"{path}:{stack.env['PATH']}"


def _yaml_header(project: str, plugin_dir: str = PLUGIN_DIR) -> str:
    """A Pulumi YAML project's settings up to its `resources:` key, the plugin in
    `plugin_dir`."""
    return (f"name: {project}\nruntime: yaml\n"
            f"plugins:\n  providers:\n    - name: wa-webhook\n      path: {plugin_dir}\n"
            "resources:\n")


def yaml_program(*hooks: dict[str, Any], plugin_dir: str = PLUGIN_DIR) -> str:
    """A Pulumi YAML project (Pulumi.yaml) declaring one native Webhook per dict (keys as
    for `native_program`, in Python spelling), exporting each one's url."""
    lines = [_yaml_header("wa-test", plugin_dir).rstrip("\n")]
    outputs = ["outputs:"] if hooks else []
    for index, hook in enumerate(hooks):
        hook = dict(hook)
        name = hook.pop("name", f"hook{index}")
        lines += [f"  {name}:", "    type: wa-webhook:index:Webhook", "    properties:"]
        lines += [f"      {camel(key)}: {json.dumps(value)}" for key, value in hook.items()]
        outputs.append(f"  {name}_url: ${{{name}.url}}")
    return "\n".join(lines + outputs) + "\n"


def use_yaml(stack: Stack, yaml_dir: str, *hooks: dict[str, Any]) -> None:
    """Turn a stack made by `make_stack` into a Pulumi YAML project with `hooks`."""
    (stack.root / "__main__.py").unlink(missing_ok=True)
    stack.env["PATH"] = f"{stack.env['PATH']}{os.pathsep}{yaml_dir}"
    (stack.root / "Pulumi.yaml").write_text(yaml_program(*hooks))


def yaml_stack(root: Path, env: dict[str, str], yaml_bin: str, resources: str,
               **config: str) -> Stack:
    """A Pulumi YAML project in `root` with `resources` (YAML text), its own file backend,
    the plugin from PLUGIN_DIR, the YAML host from `yaml_bin`, `config` and KEY_1 as secret."""
    project = root / "project"
    project.mkdir(parents=True)
    (root / "state").mkdir()
    (project / "Pulumi.yaml").write_text(
        _yaml_header("wa-yaml") + textwrap.indent(textwrap.dedent(resources), "  "))
    env = dict(env, PATH=f"{env['PATH']}{os.pathsep}{yaml_bin}",
               PULUMI_BACKEND_URL=(root / "state").as_uri())
    stack = Stack(project, env, "dev")
    stack.pulumi("stack", "init", "dev")
    stack.set_configs(config, {"wa-webhook:apiKey": KEY_1})
    return stack
