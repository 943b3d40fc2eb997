"""Run the real Pulumi CLI against a local file backend in a temporary directory.

Every command's output is kept in `Stack.transcript`, so a test can search all of it
(for example for a leaked API key).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "wa-webhook-test-passphrase"
#: The environment variable (of the test's CLI environment) naming the `--secrets-provider`
#: that `stack init` uses; without it, stacks use the passphrase. The engine tests set it to
#: a KMS key on a local moto server (conftest's `pulumi_env`): the passphrase provider derives
#: its key with a million PBKDF2 rounds in every CLI run that touches a secret, about 0.2 s of
#: CPU each, which was a third of the suite's time. Stacks whose files already hold
#: passphrase-encrypted values, and the tests of the README, demo, examples and team set-ups,
#: keep the passphrase.
SECRETS_PROVIDER = "WA_TEST_SECRETS_PROVIDER"


@dataclass
class Result:
    """One finished CLI command."""

    args: List[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class CommandFailed(AssertionError):
    def __init__(self, result: Result) -> None:
        super().__init__(
            f"pulumi {' '.join(result.args)} exited {result.code}\n{result.output[-6000:]}"
        )
        self.result = result


def base_env(cli_dir: str, pulumi_home: Path) -> Dict[str, str]:
    """A clean environment for the CLI: local only, no update checks, no plugin downloads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WA_WEBHOOK_", "PULUMI_"))}
    env.update(
        PATH=f"{cli_dir}{os.pathsep}{env.get('PATH', '')}",
        PULUMI_HOME=str(pulumi_home),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING="true",
        NO_COLOR="1",
    )
    return env


def pulumi_yaml(name: str, virtualenv: str) -> str:
    return textwrap.dedent(
        f"""\
        name: {name}
        runtime:
          name: python
          options:
            virtualenv: {virtualenv}
        """
    )


def checkpoint_path(backend: Path, project: str, stack: str) -> Path:
    """Where the file backend in `backend` keeps the checkpoint of `project`'s `stack`."""
    return backend / ".pulumi" / "stacks" / project / f"{stack.rsplit('/', 1)[-1]}.json"


@dataclass
class Stack:
    """A Pulumi project + stack in `root`, with its own file backend."""

    root: Path
    env: Dict[str, str]
    name: str = "dev"
    transcript: List[Result] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        root: Path,
        env: Mapping[str, str],
        program: str,
        project: str = "wa-test",
        stack: str = "dev",
    ) -> Stack:
        project_dir = root / "project"
        project_dir.mkdir(parents=True)
        (root / "state").mkdir()
        env = dict(env, PULUMI_BACKEND_URL=(root / "state").as_uri())
        (project_dir / "Pulumi.yaml").write_text(pulumi_yaml(project, sys.prefix))
        instance = cls(project_dir, env, stack)
        instance.write_program(program)
        instance.pulumi("stack", "init", stack)
        return instance

    @classmethod
    def from_project(cls, source: Path, root: Path, env: Mapping[str, str], *,
                     stack: str = "dev", files: Optional[List[str]] = None,
                     virtualenv: str = sys.prefix, backend_url: Optional[str] = None,
                     init: bool = True) -> Stack:
        """Copy an existing project (an example, or the root project's `files`) and init a stack.

        The copy's `virtualenv` option is pointed at `virtualenv` (absolute), so the project
        runs the same whether it sits in the repo or in a temporary directory. The backend is
        a file backend in `root / "state"` unless `backend_url` is given; with `init=False` the
        stack must already exist there and is selected instead.
        """
        project_dir = root / "project"
        if files is None:
            shutil.copytree(source, project_dir, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            project_dir.mkdir(parents=True)
            for name in files:
                shutil.copy(source / name, project_dir / name)
        if backend_url is None:
            (root / "state").mkdir()
            backend_url = (root / "state").as_uri()
        settings = project_dir / "Pulumi.yaml"
        settings.write_text(re.sub(r"virtualenv: .*", f"virtualenv: {virtualenv}",
                                   settings.read_text()))
        instance = cls(project_dir, dict(env, PULUMI_BACKEND_URL=backend_url), stack)
        instance.pulumi("stack", "init" if init else "select", stack)
        return instance

    def write_program(self, program: str) -> None:
        (self.root / "__main__.py").write_text(textwrap.dedent(program))

    def pulumi(
        self,
        *args: str,
        check: bool = True,
        env: Optional[Mapping[str, str]] = None,
        timeout: float = 300,
    ) -> Result:
        command = ["pulumi", *args, "--non-interactive", "--color", "never"]
        if args[:2] == ("stack", "init"):
            command += self._secrets_provider(args)
        if args and args[0] not in ("stack", "config", "version", "login", "package"):
            command += ["--stack", self.name]
        proc = subprocess.run(
            command,
            cwd=self.root,
            env=dict(self.env, **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
        self.transcript.append(result)
        if check and proc.returncode != 0:
            raise CommandFailed(result)
        return result

    def _secrets_provider(self, init_args: Sequence[str]) -> List[str]:
        """The `--secrets-provider` option for `stack init` (see SECRETS_PROVIDER)."""
        provider = self.env.get(SECRETS_PROVIDER)
        if not provider or any(a.startswith("--secrets-provider") for a in init_args):
            return []
        name = init_args[2] if len(init_args) > 2 else self.name
        settings = self.root / f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"
        if settings.exists() and "encryptionsalt" in settings.read_text():
            return []
        return ["--secrets-provider", provider]

    # Common operations ---------------------------------------------------------------------

    def up(self, *extra: str, check: bool = True, **kw: Any) -> Result:
        return self.pulumi("up", "--yes", "--skip-preview", *extra, check=check, **kw)

    def preview(self, *extra: str, check: bool = True, **kw: Any) -> Result:
        return self.pulumi("preview", "--diff", *extra, check=check, **kw)

    def refresh(self, *extra: str, check: bool = True, **kw: Any) -> Result:
        return self.pulumi("refresh", "--yes", "--skip-preview", *extra, check=check, **kw)

    def destroy(self, *extra: str, check: bool = True, **kw: Any) -> Result:
        return self.pulumi("destroy", "--yes", "--skip-preview", *extra, check=check, **kw)

    def set_configs(self, plain: Mapping[str, str], secret: Mapping[str, str]) -> None:
        """Set several config values in one CLI run (`config set-all`)."""
        pairs = [arg for key, value in plain.items() for arg in ("--plaintext", f"{key}={value}")]
        pairs += [arg for key, value in secret.items() for arg in ("--secret", f"{key}={value}")]
        if pairs:
            self.pulumi("config", "set-all", *pairs, "--stack", self.name)

    def set_config(self, key: str, value: str, secret: bool = False) -> None:
        args = ["config", "set", key, value, "--stack", self.name]
        if secret:
            args.append("--secret")
        self.pulumi(*args)

    def outputs(self) -> Dict[str, Any]:
        result = self.pulumi("stack", "output", "--json", "--stack", self.name)
        return dict(json.loads(result.stdout))

    def export(self) -> Dict[str, Any]:
        result = self.pulumi("stack", "export", "--stack", self.name)
        return dict(json.loads(result.stdout))

    def checkpoint(self) -> Dict[str, Any]:
        """The stack's state as `stack export` gives it (secrets as ciphertext), read from
        the file backend without a CLI run (a CLI run elsewhere, e.g. an S3 backend)."""
        backend = self.env.get("PULUMI_BACKEND_URL", "")
        if not backend.startswith("file://"):
            return self.export()
        project = re.search(r"^name:\s*(\S+)", (self.root / "Pulumi.yaml").read_text(), re.M)
        assert project, "Pulumi.yaml names no project"
        path = checkpoint_path(Path(urllib.parse.urlparse(backend).path),
                               project.group(1).strip("'\""), self.name)
        if not path.exists():
            return self.export()
        saved = json.loads(path.read_text())
        return {"version": saved["version"], "deployment": saved["checkpoint"]["latest"] or {}}

    def resources(self, type_suffix: str) -> List[Dict[str, Any]]:
        """Resources in the stack's state whose type ends with `type_suffix`."""
        deployment = self.checkpoint()["deployment"]
        return [r for r in deployment.get("resources") or [] if r["type"].endswith(type_suffix)]

    def all_output(self) -> str:
        return "\n".join(r.output for r in self.transcript)
