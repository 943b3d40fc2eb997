"""Stacks created by the previous release keep working after `pip install -U`.

The dynamic provider is stored in each resource's state as a reference to its class by module
path, and `refresh` and `destroy` load it from there. The 0.1.0 package is taken from the
release commit with `git archive` and put first on PYTHONPATH for the `up` that creates the
stack; every later command runs the package of this checkout.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path

from harness import REPO
from webhook_programs import ACCOUNT_1, CLEARED, STORED, stored

#: The commit that released 0.1.0 (CHANGELOG: "0.1.0 — 2026-11-25").
RELEASE_0_1_0 = "6633c41"

SUPPORT = {
    "name": "support",
    "from_number": ACCOUNT_1,
    "url": STORED["url"],
    "system": True,
    "system_phone_alerts": ["972502211234", "972527788695"],
    "retry": True,
}
#: What a preview prints for a resource it would change.
CHANGES = re.compile(r"to (create|update|replace|delete)")
REPORT_PACKAGE = "import pulumi_wa_webhook as package\npulumi.export('package', package.__file__)"


def released_package(commit: str, into: Path) -> Path:
    """The `pulumi_wa_webhook` package as it was at `commit`, unpacked under `into`."""
    archive = subprocess.run(["git", "archive", commit, "pulumi_wa_webhook"], cwd=REPO,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def test_a_stack_created_by_0_1_0_previews_no_change_refreshes_and_destroys(
        hook_stack, emulator, tmp_path):
    old = released_package(RELEASE_0_1_0, tmp_path / "release-0.1.0")
    stack = hook_stack(SUPPORT, imports=REPORT_PACKAGE)
    stack.up(env={"PYTHONPATH": str(old)})
    assert stack.outputs()["package"].startswith(str(old))
    assert stored(emulator) == STORED

    emulator.clear_requests()
    preview = stack.preview()
    assert "2 unchanged" in preview.stdout, preview.output  # the stack and the Webhook
    assert not CHANGES.search(preview.stdout), preview.output
    stack.up()
    assert not str(stack.outputs()["package"]).startswith(str(old))
    assert emulator.count("setWebhook") == 0
    assert stored(emulator) == STORED

    stack.refresh()
    assert emulator.count("setWebhook") == 0
    stack.destroy()
    assert stored(emulator) == CLEARED
    assert stack.resources("Webhook") == []


def test_the_destroy_of_a_0_1_0_stack_that_this_version_never_ran(hook_stack, emulator,
                                                                   tmp_path):
    """`pulumi destroy` loads the provider stored by 0.1.0 from the state as it is."""
    old = released_package(RELEASE_0_1_0, tmp_path / "release-0.1.0")
    stack = hook_stack(SUPPORT)
    stack.up(env={"PYTHONPATH": str(old)})
    stack.refresh()
    stack.destroy()
    assert stored(emulator) == CLEARED
