"""The world of the stateful lifecycle test (tests/fuzz): two emulators, two stacks of one
project on one file backend, and the programs they run, written from a small model.

Built once per process (`world()`), reset for every sequence (`World.new_sequence()`):
copying a template made with `stack init` and `config set-all` costs no CLI run, so a
sequence spends its time on the operations it tests.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from harness import REPO, Result, Stack, base_env, checkpoint_path, pulumi_yaml

from pulumi_wa_webhook.emulator.testing import Emulator, running_emulator

PROJECT = "fz"
STACKS = ("one", "two")
#: The accounts of both emulators (same numbers, same key: one key in each stack's config).
ACCOUNTS = ("972500000101", "972500000102", "972500000103")
#: Distinctive, so a search of any output for it cannot match by chance (no base64 has `-`).
API_KEY = "fz-KEY-7c1e-0d5a-api-key"
ALERT_PHONES = ("972502211234", "972527788695", "972541234567")
CLEARED = {"url": "", "system": 0, "systemPhoneAlert": "", "readStatus": 0, "retry": 0}
SETTING_FIELDS = tuple(CLEARED)
DYNAMIC_TYPE = "pulumi-python:dynamic/wa-webhook:Webhook"
NATIVE_TYPE = "wa-webhook:index:Webhook"
GROUP_TYPE = "fz:index:Group"
#: Seconds the provider waits for each answer, and retries after a fault (kept small: a
#: timeout fault then costs a second, not ten).
TIMEOUT = "1"
RETRIES = "1"
#: The directory holding the console script `pulumi-resource-wa-webhook` (the venv's bin).
PLUGIN_DIR = str(Path(sys.executable).parent)

Key = Tuple[str, str]  # (endpoint, account number)


# --- the program model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The six settings a hook states; `secret` marks the URL with pulumi.Output.secret."""

    url: Optional[str] = None
    secret: bool = False
    system: bool = False
    alerts: Tuple[str, ...] = ()
    read_status: bool = False
    retry: bool = False

    def wire(self) -> Dict[str, Any]:
        """What the account holds after a write of these settings (the emulator's form)."""
        return {
            "url": self.url or "",
            "system": int(self.system),
            "systemPhoneAlert": ",".join(sorted(self.alerts)),
            "readStatus": int(self.read_status),
            "retry": int(self.retry),
        }


@dataclass(frozen=True)
class Hook:
    """One Webhook resource of a program. `hid` is the model's identity (stable across
    renames, re-parents, face swaps and stack moves); the engine's identity is the URN."""

    hid: str
    name: str
    face: str  # "dynamic" | "native"
    account: str
    settings: Settings
    adopt: bool = False
    overwrite: bool = False
    parent: bool = False  # under the component `grp`
    aliases: Tuple[str, ...] = ()

    def urn(self, stack: str) -> str:
        kind = DYNAMIC_TYPE if self.face == "dynamic" else NATIVE_TYPE
        chain = f"{GROUP_TYPE}${kind}" if self.parent else kind
        return f"urn:pulumi:{stack}::{PROJECT}::{chain}::{self.name}"

    def with_(self, **changes: Any) -> Hook:
        return replace(self, **changes)


def program_text(hooks: List[Hook]) -> str:
    """The `__main__.py` of a stack whose program declares `hooks`."""
    lines = ["import pulumi"]
    if any(h.face == "dynamic" for h in hooks):
        lines.append("from pulumi_wa_webhook import Webhook as DynamicWebhook")
    if any(h.face == "native" for h in hooks):
        lines.append("from pulumi_wa_webhook.native import Webhook as NativeWebhook")
    if any(h.parent for h in hooks):
        lines += [
            "",
            "class Group(pulumi.ComponentResource):",
            "    def __init__(self, name):",
            f"        super().__init__({GROUP_TYPE!r}, name)",
            "",
            'grp = Group("grp")',
        ]
    for index, hook in enumerate(hooks):
        s = hook.settings
        url = f"pulumi.Output.secret({s.url!r})" if s.secret and s.url else repr(s.url)
        args = [f"from_number={hook.account!r}", f"url={url}"]
        for name, value in (("system", s.system), ("read_status", s.read_status),
                            ("retry", s.retry), ("adopt", hook.adopt),
                            ("overwrite", hook.overwrite)):
            if value:
                args.append(f"{name}=True")
        if s.alerts:
            args.append(f"system_phone_alerts={list(s.alerts)!r}")
        opts = []
        if hook.parent:
            opts.append("parent=grp")
        if hook.aliases:
            opts.append(f"aliases={list(hook.aliases)!r}")
        if opts:
            args.append(f"opts=pulumi.ResourceOptions({', '.join(opts)})")
        cls = "DynamicWebhook" if hook.face == "dynamic" else "NativeWebhook"
        lines.append(f"h{index} = {cls}({hook.name!r}, {', '.join(args)})")
        lines.append(f"pulumi.export({hook.name + '_url'!r}, h{index}.url)")
    return "\n".join(lines) + "\n"


# --- the backend's view ---------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A Webhook resource in a stack's state: the account it manages."""

    urn: str
    key: Key


def read_checkpoint(backend: Path, stack: str) -> Dict[str, Any]:
    """The stack's checkpoint as the file backend keeps it (no CLI run)."""
    path = checkpoint_path(backend, PROJECT, stack)
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text()))


def claims(checkpoint: Dict[str, Any]) -> List[Claim]:
    """Every Webhook resource of a checkpoint, with the (endpoint, account) it manages."""
    latest = (checkpoint.get("checkpoint") or {}).get("latest") or {}
    found = []
    for resource in latest.get("resources") or []:
        if resource.get("type") not in (DYNAMIC_TYPE, NATIVE_TYPE) or resource.get("delete"):
            continue
        outputs = resource.get("outputs") or {}
        endpoint = outputs.get("endpoint")
        if not isinstance(endpoint, str):
            endpoint = "?"
        found.append(Claim(resource["urn"], (endpoint, str(resource.get("id")))))
    return found


def urns(checkpoint: Dict[str, Any]) -> List[str]:
    latest = (checkpoint.get("checkpoint") or {}).get("latest") or {}
    return [r["urn"] for r in latest.get("resources") or []
            if r.get("type") in (DYNAMIC_TYPE, NATIVE_TYPE) and not r.get("delete")]


def wire_of_body(body: Dict[str, Any]) -> Dict[str, Any]:
    """A logged setWebhook body as the account holds it afterwards."""
    out: Dict[str, Any] = {}
    for name in SETTING_FIELDS:
        value = body.get(name)
        if name in ("url", "systemPhoneAlert"):
            out[name] = "" if value in (None, " ") else value
        else:
            out[name] = int(value or 0)
    return out


# --- the world ------------------------------------------------------------------------------


@dataclass
class Sequence:
    """One sequence's directories and stacks; `stacks[name]` is a harness Stack."""

    root: Path
    backend: Path
    stacks: Dict[str, Stack] = field(default_factory=dict)

    def checkpoint(self, stack: str) -> Dict[str, Any]:
        return read_checkpoint(self.backend, stack)


class World:
    """Two emulators (two API endpoints) and a template of the two stacks."""

    def __init__(self, cli_dir: str) -> None:
        self.exit = contextlib.ExitStack()
        accounts = {number: API_KEY for number in ACCOUNTS}
        self.emulators: List[Emulator] = [
            self.exit.enter_context(running_emulator(accounts)) for _ in range(2)
        ]
        self.tmp = Path(tempfile.mkdtemp(prefix="wa-fuzz-"))
        self.exit.callback(shutil.rmtree, self.tmp, True)
        self.env = base_env(cli_dir, self.tmp / "pulumi-home")
        self.template = self.tmp / "template"
        self.count = 0
        self._make_template()

    @property
    def endpoints(self) -> List[str]:
        return [e.base_url for e in self.emulators]

    def emulator(self, endpoint: str) -> Emulator:
        return self.emulators[self.endpoints.index(endpoint)]

    def _make_template(self) -> None:
        backend = self.template / "state"
        backend.mkdir(parents=True)
        for name in STACKS:
            project = self.template / name
            project.mkdir()
            (project / "Pulumi.yaml").write_text(
                pulumi_yaml(PROJECT, sys.prefix)
                + f"plugins:\n  providers:\n    - name: wa-webhook\n      path: {PLUGIN_DIR}\n"
            )
            (project / "__main__.py").write_text(program_text([]))
            stack = Stack(project, dict(self.env, PULUMI_BACKEND_URL=backend.as_uri()), name)
            stack.pulumi("stack", "init", name)
            stack.pulumi("config", "set-all", "--stack", name,
                         "--plaintext", f"wa-webhook:endpoint={self.endpoints[0]}",
                         "--plaintext", f"wa-webhook:timeout={TIMEOUT}",
                         "--plaintext", f"wa-webhook:retries={RETRIES}",
                         "--secret", f"wa-webhook:apiKey={API_KEY}")

    def new_sequence(self) -> Sequence:
        """Fresh copies of the template stacks; every account of both emulators cleared,
        their logs and faults emptied."""
        self.count += 1
        root = self.tmp / f"seq{self.count}"
        shutil.copytree(self.template, root)
        previous = self.tmp / f"seq{self.count - 1}"
        shutil.rmtree(previous, ignore_errors=True)
        for emulator in self.emulators:
            emulator.clear_faults()
            for number in ACCOUNTS:
                emulator.set_account(number, **CLEARED)
            emulator.clear_requests()
        backend = root / "state"
        sequence = Sequence(root, backend)
        for name in STACKS:
            env = dict(self.env, PULUMI_BACKEND_URL=backend.as_uri())
            sequence.stacks[name] = Stack(root / name, env, name)
        return sequence

    def accounts(self) -> Dict[Key, Dict[str, Any]]:
        """Every account of both emulators, in wire form."""
        found = {}
        for emulator in self.emulators:
            for number in ACCOUNTS:
                held = emulator.account(number)
                found[(emulator.base_url, number)] = {k: held[k] for k in SETTING_FIELDS}
        return found

    def log_sizes(self) -> List[int]:
        return [e.count() for e in self.emulators]

    def calls_since(self, sizes: List[int]) -> List[Tuple[str, str, Dict[str, Any]]]:
        """API calls since `sizes` (log_sizes()): (endpoint, call name, body), in order."""
        calls = []
        for emulator, start in zip(self.emulators, sizes, strict=True):
            for entry in emulator.requests()[start:]:
                name = entry["path"].rsplit("/", 1)[-1]
                calls.append((emulator.base_url, name, entry["body"]))
        return calls

    def faults_queued(self) -> bool:
        return any(e.backend.faults() for e in self.emulators)

    def close(self) -> None:
        self.exit.close()


_world: Optional[World] = None


def cli_dir() -> str:
    preset = os.environ.get("WA_WEBHOOK_PULUMI_DIR")
    if preset:
        return preset
    result = subprocess.run([str(REPO / "tools" / "pulumi-cli.sh")], capture_output=True,
                            text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def world() -> World:
    """The process's world, started on first use and stopped at exit."""
    global _world
    if _world is None:
        _world = World(cli_dir())
        atexit.register(_world.close)
    return _world


def recovery_recipe() -> List[List[str]]:
    """The commands docs/errors.md gives to recover from a `pulumi` killed mid-update (the
    first bash block after "killed in the middle"), each without its leading `pulumi`."""
    text = (REPO / "docs" / "errors.md").read_text()
    after = text[text.index("killed in the middle"):]
    block = re.search(r"```bash\n(.*?)```", after, flags=re.S)
    assert block, "docs/errors.md: no recovery block after 'killed in the middle'"
    return [shlex.split(line)[1:] for line in block.group(1).splitlines()
            if line.startswith("pulumi ")]


def first_create_recovery() -> Tuple[str, List[Tuple[Dict[str, str], List[str]]]]:
    """What docs/errors.md says to run when the recovery's `up` stops because an interrupted
    first create left the account holding the program's settings: (the message quoted
    there, [(environment, command without `pulumi`)]); ("", []) if the docs say nothing."""
    text = (REPO / "docs" / "errors.md").read_text()
    at = text.find("interrupted *first* create")
    if at < 0:
        return "", []
    after = text[at:]
    quoted = re.search(r"stops\s+with\s+`([^`]+)`", after)
    block = re.search(r"```bash\n(.*?)```", after, flags=re.S)
    if not (quoted and block):
        return "", []
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line)
        env = {}
        while words and "=" in words[0] and not words[0].startswith("-"):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        if words[:1] == ["pulumi"]:
            commands.append((env, words[1:]))
    return " ".join(quoted.group(1).split()), commands


def pending_creates(checkpoint: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(URN, account) of every create a killed run left pending."""
    latest = (checkpoint.get("checkpoint") or {}).get("latest") or {}
    found = []
    for operation in latest.get("pending_operations") or []:
        resource = operation.get("resource") or {}
        if operation.get("type") == "creating":
            inputs = resource.get("inputs") or {}
            number = inputs.get("fromNumber") or inputs.get("from_number") or resource.get("id")
            found.append((resource.get("urn", ""), str(number)))
    return found


def run(stack: Stack, *args: str, timeout: float = 300) -> Result:
    """`pulumi ARGS` in the stack's project, without the harness's `--stack` (for commands
    such as `state move` that name their stacks themselves); kept in the transcript."""
    proc = subprocess.run(["pulumi", *args, "--non-interactive", "--color", "never"],
                          cwd=stack.root, env=stack.env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
    stack.transcript.append(result)
    return result
