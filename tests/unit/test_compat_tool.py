"""tools/compat.py (`make test-compat`): the versions it pins and how it fails."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from harness import REPO


def _load_tool():
    spec = importlib.util.spec_from_file_location("compat_tool", REPO / "tools" / "compat.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_tool"] = module
    spec.loader.exec_module(module)
    return module


compat = _load_tool()


def test_floor_pins_every_runtime_dependency_exactly_at_its_floor():
    floor, newest = compat.combinations(compat.project())
    assert (floor.name, floor.python, floor.upgrade) == ("floor", "3.10", False)
    assert floor.requirements == ["pulumi==3.216", "requests==2.31", "urllib3==2.0",
                                  "phonenumbers==8.13"]
    assert (newest.name, newest.python, newest.upgrade) == ("newest", "3.13", True)
    assert newest.requirements == ["pulumi<4,>=3.216", "requests<3,>=2.31", "urllib3<3,>=2.0",
                                   "phonenumbers<10,>=8.13"]


def test_a_dependency_without_a_floor_is_an_error():
    with pytest.raises(compat.CompatError, match="needs exactly one '>=' floor"):
        compat.combinations({"requires-python": ">=3.10", "dependencies": ["pulumi<4"]})


def test_a_missing_interpreter_is_named_and_fails(tmp_path: Path):
    with pytest.raises(compat.CompatError) as caught:
        compat.find_python("3.99", search_path=str(tmp_path), pyenv_root=str(tmp_path))
    message = str(caught.value)
    assert "Python 3.99 is needed" in message and "pyenv install 3.99" in message
    # prepare() looks for the interpreter before anything else, so the run fails, not skips.
    combo = compat.Combination("floor", "3.99", ["pulumi==3.216"], upgrade=False)
    with pytest.raises(compat.CompatError, match="Python 3.99 is needed"):
        compat.prepare(combo, tmp_path / "no.whl", tmp_path)


def test_an_interpreter_of_another_version_is_not_taken(tmp_path: Path):
    fake = tmp_path / "versions" / "3.10.99" / "bin"
    fake.mkdir(parents=True)
    (fake / "python3.10").symlink_to(sys.executable)  # really the running interpreter
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == "3.10":
        pytest.skip("the running interpreter is 3.10")
    with pytest.raises(compat.CompatError):
        compat.find_python("3.10", search_path=str(tmp_path), pyenv_root=str(tmp_path))
