"""What the wheel and sdist of `make dist` contain (`test_dist.py` installs and runs them
the way the getting-started pages say)."""

from __future__ import annotations

import tarfile
import zipfile

import pytest
from harness import REPO

from pulumi_wa_webhook import __version__

# The wheel and sdist are release artifacts: `make test-languages` checks them beside
# `make dist` (CI runs both targets).
pytestmark = pytest.mark.languages

#: Every file the wheel ships: the package's sources as committed, and its type marker.
#: `dynamic/noop.py` is among them on purpose: see its docstring.
WHEEL_MODULES = {
    path.relative_to(REPO).as_posix()
    for path in (REPO / "pulumi_wa_webhook").rglob("*")
    if path.suffix == ".py" or path.name == "py.typed"
}


def test_wheel_holds_the_package_and_nothing_else(dist):
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n for n in names if ".dist-info/" not in n} == WHEEL_MODULES
    assert {"pulumi_wa_webhook/dynamic/noop.py", "pulumi_wa_webhook/emulator/testing.py",
            "pulumi_wa_webhook/py.typed"} <= WHEEL_MODULES
    metadata = zipfile.ZipFile(wheel).read(
        f"pulumi_wa_webhook-{__version__}.dist-info/METADATA").decode()
    assert "Requires-Python: >=3.10" in metadata
    assert "Requires-Dist: urllib3<3,>=2.0" in metadata


def test_sdist_has_no_tests_and_builds_the_same_package(dist):
    sdist = dist / f"pulumi_wa_webhook-{__version__}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    # Tests need the whole repository (tools/, examples/, harness): all of them or none.
    assert not [n for n in names if n.startswith(("tests", "bench", "examples", "tools"))]
    assert {"LICENSE", "README.md", "pyproject.toml"} <= names
    assert names >= WHEEL_MODULES
