"""Every code block in the README, `docs/*.md` and CONTRIBUTING.md is run or checked here, so
the documentation stays true."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from harness import REPO

from pulumi_wa_webhook import config

README = (REPO / "README.md").read_text()
# docs/getting-started-*.md are run whole, as written, outside the clone by
# engine/test_dist.py (`make test-languages`)
DOC_FILES = [REPO / "README.md", REPO / "CONTRIBUTING.md",
             *sorted(p for p in (REPO / "docs").glob("*.md")
                     if not p.name.startswith("getting-started-"))]
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
    """tests/engine/test_sdk_programs.py runs these two examples through the real CLI."""
    text = (REPO / "examples" / example).read_text()
    assert blocks(language)
    assert all(code.strip() in text for code in blocks(language))


def test_the_two_set_up_commands_are_the_ones_ci_and_the_makefile_use():
    assert commands()[:2] == [["make", "demo"], ["make", "test"]]
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_the_configuration_table_is_the_one_config_makes():
    # Regenerate with: python -c "from pulumi_wa_webhook import config;
    #   print(config.markdown_table())"
    section = README.split("## Configuration\n", 1)[1]
    assert section.lstrip("\n").startswith(config.markdown_table())
    for key in config.CONFIG_KEYS:
        assert f"| `{key.config}`" in README and f"| `{key.env}` |" in README


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


def test_ci_runs_the_language_and_compatibility_runs_after_the_tests():
    steps = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
             if line.startswith("make ")]
    assert steps[:3] == ["make test", "make test-languages", "make test-compat"]
    assert [step.split()[:2] for step in steps[3:]] == [["make", "fuzz"]]  # bounded, seeded


def test_readme_is_short_and_links_resolve():
    assert len(README.splitlines()) <= 200
    for path in DOC_FILES + [REPO / "ARCHITECTURE.md"]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), (path.name, target)


def test_the_arguments_table_follows_the_settings_table():
    """The README's table lists every row of `model.SETTINGS`, in order, with its API field
    and (where it has one) its default."""
    from pulumi_wa_webhook.model import SETTINGS

    rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \| ([^|]+) \|", README, flags=re.M)
    arguments = [row for row in rows if not row[0].startswith("wa-webhook")]
    assert [name for name, _, _ in arguments] == [row.python for row in SETTINGS]
    for (name, default, wire), row in zip(arguments, SETTINGS, strict=True):
        assert wire.strip() == ("—" if row.wire is None else wire.strip()), name
        if row.wire is not None:
            assert wire.strip().startswith(f"`{row.wire}`"), name
        if isinstance(row.default, bool):
            assert default.strip() == f"`{row.default}`", name
