"""The package's layers: the two faces mirror each other and never import each other, and the
core never imports a face (ARCHITECTURE.md draws the map these tests keep true)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pulumi_wa_webhook"
CORE = ["model", "errors", "config", "client", "delivery", "lifecycle", "handover", "program"]


def imported(path: Path) -> set[str]:
    """The package modules `path` imports, as dotted names under the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level + 1])
            if node.module:
                base += node.module.split(".")
            found.add(".".join(base))
            found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "pulumi_wa_webhook"):
            found.add(node.module.removeprefix("pulumi_wa_webhook").lstrip("."))
    return found


@pytest.mark.parametrize(("face", "other"), [("native", "dynamic"), ("dynamic", "native")])
def test_a_face_never_imports_the_other(face, other):
    for path in (PACKAGE / face).glob("*.py"):
        assert not any(name.split(".")[0] == other for name in imported(path)), path.name


def test_the_faces_mirror_each_other():
    assert {"provider.py", "resource.py"} <= {p.name for p in (PACKAGE / "dynamic").glob("*.py")}
    assert {"provider.py", "resource.py"} <= {p.name for p in (PACKAGE / "native").glob("*.py")}


@pytest.mark.parametrize("module", CORE)
def test_the_core_never_imports_a_face(module):
    names = imported(PACKAGE / f"{module}.py")
    assert not any(name.split(".")[0] in ("dynamic", "native", "emulator") for name in names)


def test_the_old_module_paths_still_import():
    """0.1.0 stacks hold `pulumi_wa_webhook.provider.WebhookProvider` (see engine/test_upgrade)."""
    from pulumi_wa_webhook import Webhook as Public
    from pulumi_wa_webhook.dynamic.provider import WebhookProvider
    from pulumi_wa_webhook.provider import WebhookProvider as Old
    from pulumi_wa_webhook.resource import Webhook

    assert Old is WebhookProvider and Webhook is Public
