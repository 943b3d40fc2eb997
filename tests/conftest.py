"""Shared fixtures: the Pulumi CLI, a stack factory on a local file backend, the emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest
from harness import REPO, Stack, base_env
from webhook_programs import KEY_1, webhook_program

pytest_plugins = ["pulumi_wa_webhook.emulator.testing"]


@pytest.fixture(scope="session")
def pulumi_dir() -> str:
    """The directory holding pulumi, pulumi-language-python and pulumi-resource-pulumi-python."""
    preset = os.environ.get("WA_WEBHOOK_PULUMI_DIR")
    if preset:
        return preset
    result = subprocess.run(
        [str(REPO / "tools" / "pulumi-cli.sh")], capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def pulumi_env(pulumi_dir: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return base_env(pulumi_dir, tmp_path_factory.mktemp("pulumi-home"))


StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(tmp_path: Path, pulumi_env: dict[str, str]) -> Iterator[StackFactory]:
    """Create a project + stack from program text: make_stack(program, config={...})."""
    made: list[Stack] = []

    def factory(
        program: str,
        *,
        config: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        name: str = "dev",
    ) -> Stack:
        stack = Stack.create(tmp_path / f"s{len(made)}", pulumi_env, program, stack=name)
        for key, value in (config or {}).items():
            stack.set_config(key, value)
        for key, value in (secrets or {}).items():
            stack.set_config(key, value, secret=True)
        made.append(stack)
        return stack

    yield factory
    for stack in made:
        shutil.rmtree(stack.root.parent / "state", ignore_errors=True)


@pytest.fixture
def hook_stack(make_stack, emulator):
    """make_stack for Webhook programs, pointed at the emulator with KEY_1 as stack secret."""

    def factory(*hooks, key=KEY_1, **kw):
        secrets = {"wa-webhook:apiKey": key} if key else {}
        config = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"}
        return make_stack(webhook_program(*hooks, **kw), config=config, secrets=secrets)

    return factory
