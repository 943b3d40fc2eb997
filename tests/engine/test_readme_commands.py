"""The documentation's shell commands exist and take the flags they are given, and the drift
example is the real output of a drift check (the rest of the documentation's blocks:
tests/unit/test_readme.py)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from harness import REPO

from pulumi_wa_webhook import __version__, config

README = (REPO / "README.md").read_text()
# docs/getting-started-*.md are run whole, as written, outside the clone by
# engine/test_dist.py (`make test-languages`)
DOC_FILES = [REPO / "README.md", REPO / "CONTRIBUTING.md",
             *sorted(p for p in (REPO / "docs").glob("*.md")
                     if not p.name.startswith("getting-started-"))]
BLOCKS = [block for path in DOC_FILES
          for block in re.findall(r"```(\w+)\n(.*?)```", path.read_text(), flags=re.S)]


def blocks(language: str) -> list[str]:
    return [text for lang, text in BLOCKS if lang == language]


def commands() -> list[list[str]]:
    lines = [line.split("  #")[0].strip() for text in blocks("bash") for line in text.splitlines()]
    return [shlex.split(line) for line in lines if line]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), flags=re.M))


def check_make(words: list[str]) -> None:
    assert words[1] in makefile_targets(), words


def check_pip(words: list[str]) -> None:
    """Until a release is on PyPI, the wheel of `make dist`, named by this version."""
    assert words[1:] == ["install", f"dist/pulumi_wa_webhook-{__version__}-py3-none-any.whl"]
    assert 'name = "pulumi-wa-webhook"' in (REPO / "pyproject.toml").read_text()


def check_pulumi(words: list[str], pulumi_dir: str) -> None:
    if words[1:3] == ["config", "set"]:
        key = [w for w in words[3:] if not w.startswith("-")][0]
        known = {config.KEY_CONFIG, config.ENDPOINT_CONFIG, config.TIMEOUT_CONFIG,
                 config.RETRIES_CONFIG}
        example = (REPO / "examples" / "basic" / "__main__.py").read_text()
        assert key in known or f'"{key}"' in example, key
    subcommand = [w for w in words[1:3] if re.fullmatch(r"[a-z]+", w)]
    help_text = subprocess.run([f"{pulumi_dir}/pulumi", *subcommand, "--help"], check=True,
                               capture_output=True, text=True).stdout
    for flag in (w.split("=")[0] for w in words if w.startswith("--")):
        assert flag in help_text, (words, flag)


def check_emulator(words: list[str], tmp_path: Path) -> None:
    args = words[1:]
    args[args.index("--port") + 1] = "0"
    args[args.index("--state") + 1] = str(tmp_path / "state.json")
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert "http://127.0.0.1:" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_shell_commands_exist_and_take_these_flags(pulumi_dir, tmp_path):
    seen = set()
    for words in commands():
        while re.fullmatch(r"[A-Z_]+=.*", words[0]):  # `NAME=value command`: a variable we read
            name = words.pop(0).split("=")[0]
            assert name in {config.ADOPT_ENV, *(key.env for key in config.CONFIG_KEYS)}, name
        seen.add(words[0])
        if words[0] == "make":
            check_make(words)
        elif words[0] == "pip":
            check_pip(words)
        elif words[0] == "pulumi":
            check_pulumi(words, pulumi_dir)
        elif words[:3] == ["python", "-m", "pulumi_wa_webhook.emulator"]:
            check_emulator(words, tmp_path)
        else:
            pytest.fail(f"no check for the README command {' '.join(words)}")
    assert seen == {"make", "pip", "pulumi", "python"}


def drift_example() -> list[str]:
    """The lines of the drift example in docs/stacks-and-ci.md (`preview` output)."""
    text = (REPO / "docs" / "stacks-and-ci.md").read_text()
    [example] = re.findall(r"```\n(~ pulumi-python:dynamic/.*?)```", text, flags=re.S)
    return [line.strip() for line in example.splitlines() if line.strip()]


def test_the_drift_example_is_real_output(hook_stack, emulator):
    hook = {"name": "sales", "from_number": "972500000001", "system": True, "retry": True,
            "url": "https://hooks.example.com/whatsapp/sales"}
    stack = hook_stack(hook)
    stack.up()
    emulator.set_account("972500000001", url="https://attacker.example.net/hook", retry=0)
    drift = stack.preview("--refresh", "--expect-no-changes", check=False)
    assert drift.code != 0 and "no changes were expected" in drift.output
    shown = [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8099", line.strip())
             for line in drift.stdout.splitlines()]
    lines = iter(shown)  # every line of the example, in this order
    assert all(line in lines for line in drift_example()), drift.stdout
    # The two drifted settings, in the refresh and in the update; no other setting.
    assert len([line for line in shown if re.match(r"[-+~] [a-z_]+\s+:", line)]) == 4
