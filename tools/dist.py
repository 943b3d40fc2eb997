"""`make dist`: every release artifact of one version into DIST (default dist/).

The version is pyproject.toml's `version`, read back from the installed package
(`pulumi_wa_webhook.__version__`); the plugin's `--version`, the schema and so the npm
package's and the Go SDK's versions all come from it. Run with the Python of .venv-dist (the
package installed as users get it, plus the `dist` extra) and `pulumi` with its language
hosts on PATH (the Makefile arranges both):

    python tools/dist.py DIST

Writes:
- `pulumi_wa_webhook-<v>-py3-none-any.whl`, `pulumi_wa_webhook-<v>.tar.gz` (python -m build);
- `pulumi-resource-wa-webhook-v<v>-<os>-<arch>.tar.gz`: the plugin frozen by PyInstaller
  (one-folder), for this machine's OS/arch only (PyInstaller does not cross-compile: each
  other OS/arch is built on a machine of its own);
- `pulumi-wa-webhook-wa-webhook-<v>.tgz`: the TypeScript SDK, compiled (JS + .d.ts), no
  install scripts: `npm install <file>` needs no TypeScript compiler and no .npmrc;
- `pulumi-wa-webhook-sdk-go-v<v>.tar.gz`: the Go SDK module (folder `wa-webhook-sdk-go/`, its
  own go.mod), used from a program with one `replace`;
- `templates/wa-webhook-python/`: the `pulumi new` template;
- `SHA256SUMS` of the files (`sha256sum -c SHA256SUMS` checks them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import plugin_release

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook.native.schema import LANGUAGE

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "dist"
VERSION = __version__
GO_FOLDER = "wa-webhook-sdk-go"


def log(message: str) -> None:
    print(f"dist: {message}", file=sys.stderr, flush=True)


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"dist: {' '.join(args)} failed ({result.returncode})")
    return result.stdout


def python_packages(out: Path) -> None:
    log("wheel and sdist (python -m build)")
    run(sys.executable, "-m", "build", "--outdir", str(out), str(ROOT))


def frozen_plugin() -> Path:
    """The PyInstaller one-folder build of the plugin; returns the folder."""
    log("freezing the plugin (PyInstaller, one folder)")
    work = BUILD / "pyinstaller"
    run(sys.executable, "-m", "PyInstaller", "--noconfirm", "--onedir", "--log-level", "WARN",
        "--name", plugin_release.EXECUTABLE,
        "--distpath", str(work / "dist"), "--workpath", str(work / "work"),
        "--specpath", str(work),
        # the plugin's own modules, Pulumi's SDK (imported partly by name), the phone-number
        # metadata (modules loaded by name) and the versions read through importlib.metadata
        "--collect-all", "pulumi_wa_webhook", "--collect-submodules", "pulumi",
        "--collect-submodules", "phonenumbers.data", "--collect-data", "phonenumbers",
        "--copy-metadata", "pulumi-wa-webhook", "--copy-metadata", "pulumi",
        str(ROOT / "tools" / "plugin_launcher.py"))
    folder = work / "dist" / plugin_release.EXECUTABLE
    answer = run(str(folder / plugin_release.EXECUTABLE), "--version",
                 env={"PATH": "/nonexistent"}).strip()
    if answer != VERSION:
        raise SystemExit(f"dist: the frozen plugin says {answer!r}, not {VERSION}")
    return folder


def sdks(plugin: Path) -> Path:
    log("SDKs (tools/gen-sdks.sh on the frozen plugin)")
    out = BUILD / "sdk"
    shutil.rmtree(out, ignore_errors=True)
    run(str(ROOT / "tools" / "gen-sdks.sh"), str(out),
        env=dict(os.environ, WA_WEBHOOK_PLUGIN=str(plugin)))
    return out


def npm_tarball(sdk: Path, out: Path) -> Path:
    """Compile the generated TypeScript SDK and pack it without its build scripts."""
    log("npm tarball (npm install --ignore-scripts, tsc, npm pack)")
    package_dir = sdk / "nodejs"
    manifest = json.loads((package_dir / "package.json").read_text())
    if manifest["version"] != VERSION:
        raise SystemExit(f"dist: the npm package is {manifest['version']}, not {VERSION}")
    env = dict(os.environ, npm_config_prefer_offline="true", npm_config_audit="false",
               npm_config_fund="false", npm_config_update_notifier="false")
    run("npm", "install", "--ignore-scripts", "--no-package-lock", cwd=package_dir, env=env)
    run(str(package_dir / "node_modules" / ".bin" / "tsc"), cwd=package_dir, env=env)
    if not (package_dir / "bin" / "index.d.ts").is_file():
        raise SystemExit("dist: tsc wrote no bin/index.d.ts")
    # What users install: the compiled bin/ (JS + .d.ts), no scripts, no dev dependencies.
    manifest.pop("scripts", None)
    manifest.pop("devDependencies", None)
    for build_only in ("typescript", "@types/node"):  # the generator lists them as dependencies
        manifest.get("dependencies", {}).pop(build_only, None)
    manifest.update(main="bin/index.js", types="bin/index.d.ts",
                    files=["bin/", "README.md", "LICENSE"])
    (package_dir / "package.json").write_text(json.dumps(manifest, indent=4) + "\n")
    # bin/utilities.js reads the version from require('./package.json'), as in Pulumi's own
    # released SDKs, which ship a copy beside the compiled files
    shutil.copy(package_dir / "package.json", package_dir / "bin" / "package.json")
    shutil.copy(ROOT / "LICENSE", package_dir / "LICENSE")
    name = run("npm", "pack", "--pack-destination", str(out), cwd=package_dir,
               env=env).strip().splitlines()[-1]
    return out / name


def go_module(sdk: Path, out: Path) -> Path:
    """The Go SDK with a go.sum, requiring the Pulumi Go SDK that the CLI is built from."""
    log("Go module archive (go mod tidy)")
    module = sdk / "go"
    pin = re.search(r"^\s*github\.com/pulumi/pulumi/sdk/v3 (v\S+)",
                    (ROOT / "tools" / "go.mod").read_text(), re.M)
    if pin:
        run("go", "mod", "edit", f"-require=github.com/pulumi/pulumi/sdk/v3@{pin.group(1)}",
            cwd=module)
    run("go", "mod", "tidy", cwd=module)
    path = out / f"pulumi-wa-webhook-sdk-go-v{VERSION}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(sdk / "go", arcname=GO_FOLDER)
    return path


def template(out: Path) -> Path:
    target = out / "templates" / "wa-webhook-python"
    shutil.copytree(ROOT / "templates" / "wa-webhook-python", target,
                    ignore=shutil.ignore_patterns("__pycache__", "venv"))
    return target


def checksums(out: Path) -> Path:
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n"
             for f in sorted(out.iterdir()) if f.is_file() and f.name != "SHA256SUMS"]
    path = out / "SHA256SUMS"
    path.write_text("".join(lines))
    return path


def main(out: Path) -> None:
    started = time.monotonic()
    out = out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    log(f"version {VERSION} (pyproject.toml) into {out}")
    python_packages(out)
    folder = frozen_plugin()
    plugin_release.build(out, frozen=folder)
    sdk = sdks(folder / plugin_release.EXECUTABLE)
    npm_tarball(sdk, out)
    go_module(sdk, out)
    template(out)
    checksums(out)
    assert LANGUAGE["nodejs"]["packageName"]  # the names the artifacts carry come from here
    log(f"done in {time.monotonic() - started:.0f} s:")
    for entry in sorted(out.iterdir()):
        print(entry)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist"))
