"""Every code block in the README, `docs/*.md` and CONTRIBUTING.md is run or checked here, so
the documentation stays true."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from harness import REPO

from pulumi_wa_webhook import config

README = (REPO / "README.md").read_text()
DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "CONTRIBUTING.md"]
BLOCKS = [block for path in DOC_FILES
          for block in re.findall(r"```(\w+)\n(.*?)```", path.read_text(), flags=re.S)]
PROJECT_FILES = [REPO / "webhooks.py", *REPO.glob("examples/*/__main__.py")]
STACK_FILES = [*REPO.glob("Pulumi*.yaml"), *REPO.glob("examples/*/Pulumi*.yaml")]


def blocks(language: str) -> list[str]:
    return [text for lang, text in BLOCKS if lang == language]


def commands() -> list[list[str]]:
    lines = [line.split("  #")[0].strip() for text in blocks("bash") for line in text.splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_every_block_has_a_known_language():
    assert {lang for lang, _ in BLOCKS} <= {"python", "bash", "yaml", "typescript", "go"}
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", blocks("python"))
def test_python_blocks_are_example_programs_or_run(code, tmp_path):
    if any(code.strip() in path.read_text() for path in PROJECT_FILES):
        return  # the example and root-project tests run these files through the real CLI
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, timeout=60)


@pytest.mark.parametrize("text", blocks("yaml"))
def test_yaml_blocks_are_committed_stack_files(text):
    assert any(text.strip() in path.read_text() for path in STACK_FILES)


@pytest.mark.parametrize(("language", "example"), [("typescript", "typescript/index.ts"),
                                                  ("go", "go/main.go")])
def test_typescript_and_go_blocks_are_the_examples(language, example):
    """tests/test_sdk_programs.py runs these two examples through the real CLI."""
    text = (REPO / "examples" / example).read_text()
    assert blocks(language)
    assert all(code.strip() in text for code in blocks(language))


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), flags=re.M))


def check_make(words: list[str]) -> None:
    assert words[1] in makefile_targets(), words


def check_pip(words: list[str]) -> None:
    assert words[1:] == ["install", "pulumi-wa-webhook"]
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


@pytest.mark.engine
def test_shell_commands_exist_and_take_these_flags(pulumi_dir, tmp_path):
    seen = set()
    for words in commands():
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


def test_the_two_set_up_commands_are_the_ones_ci_and_the_makefile_use():
    assert commands()[:2] == [["make", "demo"], ["make", "test"]]
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_config_keys_and_environment_variables_are_documented():
    for name in ("KEY", "ENDPOINT", "TIMEOUT", "RETRIES", "MAX_CONCURRENCY"):
        assert f"`{getattr(config, name + '_CONFIG')}`" in README
        assert f"`{getattr(config, name + '_ENV')}`" in README


def test_requirements_line_matches_pyproject():
    try:
        import tomllib
    except ImportError:  # Python 3.10: `build` (a dev extra) brings tomli
        import tomli as tomllib
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    python = project["requires-python"].removeprefix(">=")
    floors = []
    for text in project["dependencies"]:
        requirement = Requirement(text)
        [floor] = [s.version for s in requirement.specifier if s.operator == ">="]
        floors.append(f"`{requirement.name}` {floor}+")
    line = f"Requirements: Python {python}+, " + ", ".join(floors)
    assert line in " ".join(README.split()), line
    assert f"Both need Python {python}+" in README


def test_bounds_of_timeout_and_retries_are_documented():
    assert f"from {config.MIN_TIMEOUT:g} to {config.MAX_TIMEOUT:g}" in README
    assert f"whole number from 0 to {config.MAX_RETRIES}" in README
    assert f"whole number from 1 to {config.MAX_MAX_CONCURRENCY}" in README
    assert f"`{config.MAX_CONCURRENCY_CONFIG}` | `{config.MAX_CONCURRENCY_ENV}`" in README
    assert f"| `{config.DEFAULT_MAX_CONCURRENCY}` |" in README


def test_ci_runs_the_language_and_compatibility_runs_after_the_tests():
    steps = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
             if line.startswith("make ")]
    assert steps == ["make test", "make test-languages", "make test-compat"]


def drift_example() -> list[str]:
    """The lines of the drift example in docs/stacks-and-ci.md (`preview` output)."""
    text = (REPO / "docs" / "stacks-and-ci.md").read_text()
    [example] = re.findall(r"```\n(~ pulumi-python:dynamic/.*?)```", text, flags=re.S)
    return [line.strip() for line in example.splitlines() if line.strip()]


@pytest.mark.engine
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


def test_readme_is_short_and_links_resolve():
    assert len(README.splitlines()) <= 200
    for path in DOC_FILES + [REPO / "ARCHITECTURE.md"]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), (path.name, target)
