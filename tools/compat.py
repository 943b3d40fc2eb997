"""`make test-compat`: the built wheel with the oldest and the newest supported versions.

Two virtualenvs under `.compat/`:

* floor  - the oldest supported Python (from `requires-python`) with every runtime dependency
           pinned exactly to the floor in pyproject.toml (`pulumi==3.216.0`, ...);
* newest - the newest Python we support (NEWEST_PYTHON) with the newest releases the bounds allow.

Each gets the wheel (built fresh), pytest, pytest-timeout and trustme; then the tests marked
`compat` run with that venv's interpreter from a directory outside the repository, so `import
pulumi_wa_webhook` finds the installed wheel, not the source tree. The tests' Pulumi programs
and dynamic providers run in the same venv (tests/support/harness.py uses `sys.prefix`).

A missing interpreter is an error that names it, never a skip. Needs the Pulumi CLI on PATH
and WA_WEBHOOK_PULUMI_DIR, as `make test-compat` sets them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
VENVS = REPO / ".compat"
#: The newest Python the package declares and tests (see the classifiers in pyproject.toml).
NEWEST_PYTHON = "3.13"
#: What the test run needs beside the wheel: pytest collects every module under tests/ (one
#: imports trustme at module level) before it selects the `compat` ones; pytest-xdist runs
#: them on one worker per core, as `make test` does.
TEST_TOOLS = ["pytest>=8", "pytest-timeout>=2.3", "pytest-xdist>=3.5", "trustme>=1.1"]
WORKERS = str(os.cpu_count() or 2)


class CompatError(Exception):
    """Something the run needs is missing; the message says what."""


@dataclass(frozen=True)
class Combination:
    """One virtualenv: a Python version and the requirements to install with the wheel."""

    name: str
    python: str
    requirements: List[str]
    upgrade: bool  # install the newest releases (pip --upgrade) rather than exact pins


def project() -> Dict[str, object]:
    """The [project] table of pyproject.toml."""
    try:
        import tomllib
    except ImportError:  # Python 3.10 (e.g. the tests collected in the floor venv)
        import tomli as tomllib  # type: ignore[no-redef]
    with open(REPO / "pyproject.toml", "rb") as handle:
        data: Dict[str, object] = tomllib.load(handle)["project"]
    return data


def floor_of(specifier: SpecifierSet, what: str) -> str:
    """The version in `>=X` of a specifier set; CompatError if there is none."""
    floors = [spec.version for spec in specifier if spec.operator == ">="]
    if len(floors) != 1:
        raise CompatError(f"{what} needs exactly one '>=' floor in pyproject.toml")
    return floors[0]


def combinations(meta: Dict[str, object]) -> List[Combination]:
    """The floor and newest combinations, read from pyproject.toml."""
    requirements = [Requirement(text) for text in meta["dependencies"]]  # type: ignore[attr-defined]
    oldest_python = floor_of(SpecifierSet(str(meta["requires-python"])), "requires-python")
    floor_pins = [f"{r.name}=={floor_of(r.specifier, r.name)}" for r in requirements]
    newest = [str(r) for r in requirements]
    return [
        Combination("floor", ".".join(oldest_python.split(".")[:2]), floor_pins, upgrade=False),
        Combination("newest", NEWEST_PYTHON, newest, upgrade=True),
    ]


def find_python(version: str, search_path: Optional[str] = None,
                pyenv_root: Optional[str] = None) -> str:
    """An interpreter for `version` (e.g. "3.10"): pyenv's versions first, then PATH."""
    root = pyenv_root if pyenv_root is not None else os.environ.get(
        "PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin",
                                               f"python{version}")), reverse=True)
    on_path = shutil.which(f"python{version}", path=search_path)
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    raise CompatError(
        f"Python {version} is needed for the compatibility run but was not found "
        f"(looked for python{version} in {root}/versions/{version}.* and on PATH); "
        f"install it, e.g. `pyenv install {version}`"
    )


def run(command: Sequence[str], cwd: Optional[Path] = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(command), text=True, capture_output=True, cwd=cwd)
    if result.returncode != 0:
        raise CompatError(f"`{' '.join(command)}` failed ({result.returncode}):\n"
                          f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def build_wheel(outdir: Path) -> Path:
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(REPO)])
    [wheel] = outdir.glob("*.whl")
    return wheel


def prepare(combo: Combination, wheel: Path, outside: Path) -> Path:
    """Create (or reuse) the combination's venv and install the wheel into it; its python."""
    interpreter = find_python(combo.python)
    venv = VENVS / combo.name
    python = venv / "bin" / "python"
    if python.exists():
        probe = run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        if probe.stdout.strip() != combo.python:
            shutil.rmtree(venv)
    if not python.exists():
        run([interpreter, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    upgrade = ["--upgrade", "--upgrade-strategy", "eager"] if combo.upgrade else []
    run([*pip, "install", *upgrade, *combo.requirements, *TEST_TOOLS])
    run([*pip, "install", "--force-reinstall", "--no-deps", str(wheel)])
    run([*pip, "check"])
    where = run([str(python), "-I", "-c", "import pulumi_wa_webhook as p; print(p.__file__)"],
                cwd=outside).stdout.strip()
    if not where.startswith(str(venv)):
        raise CompatError(f"{combo.name}: pulumi_wa_webhook was imported from {where}, "
                          f"not from the wheel in {venv}")
    return python


def installed(python: Path, names: Sequence[str]) -> Dict[str, str]:
    listing = json.loads(run([str(python), "-m", "pip", "list", "--format=json",
                              "--disable-pip-version-check"]).stdout)
    versions = {item["name"].lower(): item["version"] for item in listing}
    return {name: versions.get(name.lower(), "missing") for name in names}


def check_pins(combo: Combination, versions: Dict[str, str]) -> None:
    if combo.upgrade:
        return
    for pin in combo.requirements:
        name, _, wanted = pin.partition("==")
        if versions[name] == "missing" or Version(versions[name]) != Version(wanted):
            raise CompatError(f"{combo.name}: {name} {versions[name]} installed, {wanted} pinned")


def main() -> int:
    started = time.monotonic()
    meta = project()
    names = [Requirement(text).name for text in meta["dependencies"]]  # type: ignore[attr-defined]
    failed: List[str] = []
    with tempfile.TemporaryDirectory(prefix="wa-webhook-compat-") as temp:
        outside = Path(temp)
        wheel = build_wheel(outside / "dist")
        for combo in combinations(meta):
            began = time.monotonic()
            try:
                python = prepare(combo, wheel, outside)
                versions = installed(python, names)
                check_pins(combo, versions)
            except CompatError as err:
                print(f"compat {combo.name}: {err}", file=sys.stderr, flush=True)
                failed.append(combo.name)
                continue
            python_version = run([str(python), "-c", "import platform; "
                                  "print(platform.python_version())"]).stdout.strip()
            described = ", ".join(f"{n} {v}" for n, v in versions.items())
            print(f"compat {combo.name}: Python {python_version}, {described}", flush=True)
            # -I: neither the working directory nor PYTHON* variables reach sys.path, so the
            # tests import the installed wheel; pytest adds tests/ itself (conftest, harness).
            tests = subprocess.run(
                [str(python), "-I", "-m", "pytest", str(REPO / "tests"), "-m", "compat", "-q",
                 "-p", "no:cacheprovider", "--rootdir", str(REPO), "-n", WORKERS,
                 # the random lifecycle test needs hypothesis, a dev tool: not a compat test
                 "--ignore", str(REPO / "tests" / "fuzz"),
                 "--dist", "worksteal"],
                cwd=outside,
            )
            took = time.monotonic() - began
            print(f"compat {combo.name}: pytest exit {tests.returncode} in {took:.0f} s",
                  flush=True)
            if tests.returncode != 0:
                failed.append(combo.name)
    total = time.monotonic() - started
    if failed:
        print(f"compat: FAILED for {', '.join(failed)} ({total:.0f} s)", file=sys.stderr)
        return 1
    print(f"compat: floor and newest passed in {total:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CompatError as error:
        print(f"compat: {error}", file=sys.stderr)
        sys.exit(1)
