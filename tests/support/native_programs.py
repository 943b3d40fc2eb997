"""Program text and project settings for tests of the native `wa-webhook` provider plugin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness import Stack
from webhook_programs import webhook_program

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
