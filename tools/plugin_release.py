"""Build the release asset of the `wa-webhook` plugin, as `pulumi plugin install` and the
schema's `pluginDownloadURL` expect it: `pulumi-resource-wa-webhook-v<version>-<os>-<arch>.tar.gz`
holding an executable `pulumi-resource-wa-webhook`.

The plugin is Python: the asset holds a launcher that runs it with the Python that has
`pulumi-wa-webhook` installed ($WA_WEBHOOK_PYTHON, else `python3` on PATH).

    python tools/plugin_release.py DIR [OS ARCH]   # prints the asset's path
"""

from __future__ import annotations

import io
import platform
import sys
import tarfile
from pathlib import Path

from pulumi_wa_webhook import __version__

LAUNCHER = """\
#!/bin/sh
# pulumi-resource-wa-webhook {version}: the wa-webhook plugin of `pip install pulumi-wa-webhook`
exec "${{WA_WEBHOOK_PYTHON:-python3}}" -m pulumi_wa_webhook.native.server "$@"
"""


def asset_name(os_name: str, arch: str) -> str:
    return f"pulumi-resource-wa-webhook-v{__version__}-{os_name}-{arch}.tar.gz"


def build(directory: Path, os_name: str = "", arch: str = "") -> Path:
    """Write the asset for `os_name`/`arch` (default: this machine) into `directory`."""
    os_name = os_name or platform.system().lower()
    arch = arch or {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(),
                                                              platform.machine())
    path = directory / asset_name(os_name, arch)
    data = LAUNCHER.format(version=__version__).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("pulumi-resource-wa-webhook")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), *sys.argv[2:4]))
