"""Build the release asset of the `wa-webhook` plugin, as `pulumi plugin install` and the
schema's `pluginDownloadURL` expect it: `pulumi-resource-wa-webhook-v<version>-<os>-<arch>.tar.gz`
holding an executable `pulumi-resource-wa-webhook` at its root.

- With `--frozen FOLDER` (what `make dist` ships): the PyInstaller one-folder build of the
  plugin (`pulumi-resource-wa-webhook` and its `_internal/`), which runs without Python.
- Without it (a development asset, used by the tests of `pulumi plugin install`): a launcher
  that runs the plugin with a Python that already has `pulumi-wa-webhook` installed
  ($WA_WEBHOOK_PYTHON, else `python3` on PATH).

    python tools/plugin_release.py DIR [OS ARCH] [--frozen FOLDER]   # prints the asset's path
"""

from __future__ import annotations

import io
import platform
import sys
import tarfile
from pathlib import Path
from typing import Optional

from pulumi_wa_webhook import __version__

EXECUTABLE = "pulumi-resource-wa-webhook"

LAUNCHER = """\
#!/bin/sh
# pulumi-resource-wa-webhook {version} (development asset): runs the plugin with a Python
# that has pulumi-wa-webhook installed. Releases ship the frozen build instead (make dist).
exec "${{WA_WEBHOOK_PYTHON:-python3}}" -m pulumi_wa_webhook.native.server "$@"
"""


def this_platform() -> tuple[str, str]:
    """(os, arch) of this machine as Pulumi names them: linux/darwin/windows, amd64/arm64."""
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "AMD64": "amd64"}.get(
        platform.machine(), platform.machine())
    return platform.system().lower(), arch


def asset_name(os_name: str, arch: str) -> str:
    return f"{EXECUTABLE}-v{__version__}-{os_name}-{arch}.tar.gz"


def build(directory: Path, os_name: str = "", arch: str = "",
          frozen: Optional[Path] = None) -> Path:
    """Write the asset for `os_name`/`arch` (default: this machine) into `directory`."""
    default_os, default_arch = this_platform()
    path = directory / asset_name(os_name or default_os, arch or default_arch)
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        if frozen is not None:
            if not (frozen / EXECUTABLE).is_file():
                raise SystemExit(f"plugin_release: no {EXECUTABLE} in {frozen}")
            for entry in sorted(frozen.iterdir()):
                tar.add(entry, arcname=entry.name)
        else:
            data = LAUNCHER.format(version=__version__).encode()
            info = tarfile.TarInfo(EXECUTABLE)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return path


if __name__ == "__main__":
    args = sys.argv[1:]
    folder: Optional[Path] = None
    if "--frozen" in args:
        at = args.index("--frozen")
        folder = Path(args[at + 1])
        del args[at:at + 2]
    print(build(Path(args[0]), *args[1:3], frozen=folder))
