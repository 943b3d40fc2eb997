"""Accounts taken over in this deployment, shared between its plugin processes.

The lifecycle's ownership ledger lives in one process. A program that swaps the dynamic
`Webhook` for `native.Webhook` (or back) in one `pulumi up` has two: the native plugin creates
(or imports) the account, then the dynamic provider deletes the resource that left the
program, and would clear the account it no longer owns. Both processes are started by the same
engine with the same engine address as their argument, so that address names the deployment:
a resource that writes or adopts an account records it in a directory named after the address,
and a delete in another process of the deployment finds the record and leaves the account
alone.

A record names the process that wrote it (pid and start time). The engine keeps its plugins
running until the deployment ends, so a record whose process is gone belongs to an earlier
deployment that happened to get the same address, and is ignored. Records hold no secret: the
file name is a hash of the endpoint and account number, the content the writer's pid.

A deployment's first record clears out the records of earlier deployments (untouched for an
hour, their writers gone), so they do not pile up in the temp directory.

The same directory holds each account's claim: the first resource of the deployment that
the engine checks with that account (`claim`). A second resource on the same endpoint and
number, in any plugin process of the deployment, finds the claim and fails its check, and
marks the account as contested, so that the first one does not write either.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

#: An engine address as plugins receive it: host:port.
_ADDRESS = re.compile(r"^[\w.\-\[\]:]+:\d+$")

#: Seconds after which the untouched records of a deployment whose plugins have exited go.
STALE_AFTER = 3600.0


def engine_address() -> Optional[str]:
    """In the dynamic provider's process (`python -m pulumi.dynamic ENGINE`), the engine
    address it was given; None elsewhere (the native plugin passes its own to `Shared`)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.startswith("pulumi.dynamic"):
        return next((arg for arg in sys.argv[1:] if _ADDRESS.match(arg)), None)
    return None


def _started(pid: int) -> Optional[str]:
    """When the process `pid` started (Linux: its start time in clock ticks), "" where that
    cannot be told, None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass  # it exists, owned by somebody else
    return ""


def _record_path(address: str, account: Tuple[str, str]) -> Path:
    deployment_dir = hashlib.sha256(address.encode()).hexdigest()[:16]
    name = hashlib.sha256("\n".join(account).encode()).hexdigest()[:32]
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"wa-webhook-{user}" / deployment_dir / name


def _make_directory(directory: Path) -> None:
    """Create the deployment's directory (private) and sweep out earlier deployments'."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(directory)


def _contest(claim_path: Path, first: str, second: str) -> None:
    """Mark a claimed account as declared twice, so that the first claimant, whose check
    passed, does not write either (see `contested`)."""
    record_ = dict(json.loads(_own_record(os.getpid())), owners=[first, second])
    claim_path.with_suffix(".contested").write_text(json.dumps(record_), encoding="utf-8")


#: The CLI options that name resources to replace (`pulumi up --replace URN`).
_REPLACE_OPTIONS = ("--replace", "--target-replace")


def _replace_targets() -> Tuple[str, ...]:
    pid = os.getppid()
    for _level in range(4):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return ()
        if argv and os.path.basename(argv[0]) == "pulumi":
            return _targets(argv[1:])
        pid = parent
    return ()


def _targets(args: List[str]) -> Tuple[str, ...]:
    found = []
    for index, arg in enumerate(args):
        option, equals, value = arg.partition("=")
        if option in _REPLACE_OPTIONS:
            if not equals and index + 1 < len(args):
                value = args[index + 1]
            found.append(value)
    return tuple(v for v in found if v)


def _replacing(targets: Tuple[str, ...], owner: str) -> bool:
    name = owner.rsplit("::", 1)[-1]
    for target in targets:
        if fnmatch.fnmatchcase(owner, target):
            return True
        if owner.startswith("dynamic:") and target.rsplit("::", 1)[-1] == name:
            kind = target.rsplit("::", 2)[-2] if target.count("::") >= 2 else ""
            if "Webhook" in kind.rsplit("$", 1)[-1] or "dynamic:Resource" in kind:
                return True
    return False


def _sweep(own: Path) -> None:
    """Remove the records of earlier deployments, so that they do not pile up in the temp
    directory: each directory beside `own` that nothing has written to for STALE_AFTER
    seconds and whose writers have all exited. Runs at a deployment's first record."""
    cutoff = time.time() - STALE_AFTER
    try:
        directories = [d for d in own.parent.iterdir() if d != own]
    except OSError:
        return
    for directory in directories:
        try:
            if directory.stat().st_mtime > cutoff:
                continue
            records = list(directory.iterdir())
            if all(_stale(record, cutoff) for record in records):
                for record in records:
                    record.unlink(missing_ok=True)
                directory.rmdir()
        except OSError:  # another process swept it, or wrote to it meanwhile
            continue


def _stale(record: Path, cutoff: float) -> bool:
    try:
        if record.stat().st_mtime > cutoff:
            return False
        return not _written_by_live_process(json.loads(record.read_text(encoding="utf-8")))
    except ValueError:
        return True  # damaged: it never counts anyway
    except OSError:
        return False


def _written_by_live_process(entry: object) -> bool:
    """Whether a record's content names a process that still runs (False if damaged)."""
    try:
        pid, started = int(entry["pid"]), entry["started"]  # type: ignore[index]
    except (ValueError, KeyError, TypeError):
        return False
    return started is not None and _started(pid) == started


def _live_entry(path: Path) -> Optional[Dict[str, Any]]:
    """A record's content, if a live process of this deployment wrote it; None when it is
    missing, damaged, or an earlier deployment's."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if _written_by_live_process(entry) else None


@functools.cache
def _own_record(pid: int) -> str:
    """The content of this process's records (read once: a create writes one per account)."""
    return json.dumps({"pid": pid, "started": _started(pid)})


@dataclass
class Shared:
    """What the plugin processes of one deployment share: the records of the accounts its
    resources wrote or adopted, and the claims of the accounts the engine checked, named by
    the deployment's engine `address`. Outside a deployment (`address` None) nothing is
    recorded or claimed and nothing is being replaced."""

    address: Optional[str] = None
    _replace_targets: Optional[Tuple[str, ...]] = field(default=None, repr=False)

    @classmethod
    def of_this_process(cls) -> Shared:
        """The dynamic provider's (its engine address is its argument); a plain process's
        (no deployment). The native plugin makes its own from the address it is given."""
        return cls(engine_address())

    def record(self, account: Tuple[str, str]) -> None:
        """Note that a resource of this process has just written or adopted `account`
        ((endpoint, number))."""
        address = self.address
        if address is None:
            return
        path = _record_path(address, account)
        content = _own_record(os.getpid())
        try:
            path.write_text(content, encoding="utf-8")
        except FileNotFoundError:  # the deployment's first record
            _make_directory(path.parent)
            path.write_text(content, encoding="utf-8")

    def taken(self, account: Tuple[str, str]) -> bool:
        """True when a live process of this deployment has written or adopted `account`."""
        if self.address is None:
            return False
        return _live_entry(_record_path(self.address, account)) is not None

    def claim(self, account: Tuple[str, str], owner: str) -> Optional[str]:
        """Claim `account` ((endpoint, number)) for the resource `owner` (its URN, or another
        name unique in the deployment) when the engine checks it. Returns the owner that a
        live process of this deployment claimed it for first, when that is another resource
        (two resources managing one account), else None.

        The claim is a file created with a hard link, which fails when the file exists: of
        two processes claiming at once, exactly one wins. Its content (pid, start time,
        owner) tells a claim of this deployment from an earlier one's that had the same
        address."""
        address = self.address
        if address is None:
            return None
        path = _record_path(address, account).with_suffix(".claim")
        if not path.parent.is_dir():
            _make_directory(path.parent)
        content = json.dumps(dict(json.loads(_own_record(os.getpid())), owner=owner))
        draft = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        draft.write_text(content, encoding="utf-8")
        try:
            for _attempt in range(3):
                try:
                    os.link(draft, path)
                    return None
                except FileExistsError:
                    pass
                try:
                    entry = json.loads(path.read_text(encoding="utf-8"))
                except FileNotFoundError:
                    continue  # removed meanwhile as stale: try again
                except (OSError, ValueError):
                    entry = None
                if _written_by_live_process(entry):
                    first = str(entry.get("owner"))
                    if first == owner:
                        return None
                    _contest(path, first, owner)
                    return first
                path.unlink(missing_ok=True)  # an earlier deployment's, or damaged
            return None
        finally:
            draft.unlink(missing_ok=True)

    def claimant(self, account: Tuple[str, str]) -> Optional[str]:
        """The owner a live process of this deployment claimed `account` for (see `claim`),
        or None: no resource of the deployment was checked with that account."""
        if self.address is None:
            return None
        entry = _live_entry(_record_path(self.address, account).with_suffix(".claim"))
        return None if entry is None else str(entry.get("owner"))

    def contested(self, account: Tuple[str, str]) -> Optional[Tuple[str, str]]:
        """The two resources of this deployment that declared `account`, when a second one
        did (its check failed: see `claim`); None otherwise."""
        if self.address is None:
            return None
        entry = _live_entry(_record_path(self.address, account).with_suffix(".contested"))
        try:
            first, second = entry["owners"]  # type: ignore[index]
        except (KeyError, TypeError, ValueError):  # none, or damaged
            return None
        return str(first), str(second)

    def replace_targets(self) -> Tuple[str, ...]:
        """The URNs (or URN patterns) the running `pulumi up` was told to replace
        (`--replace`, `--target-replace`), read once from the command line of the `pulumi`
        process that started this plugin (Linux /proc; empty elsewhere, or outside a
        deployment).

        The engine calls a provider for a resource targeted for replacement as for a new one
        (Check without the old inputs, no Diff, Create), so this is the only way to tell the
        create half of `up --replace` from a first create."""
        if self._replace_targets is None:
            self._replace_targets = () if self.address is None else _replace_targets()
        return self._replace_targets

    def replacing(self, owner: str) -> bool:
        """Whether `owner` (a URN; a dynamic resource's `dynamic:wa-webhook:Webhook::NAME`)
        is targeted for replacement by the running `pulumi up`."""
        return _replacing(self.replace_targets(), owner)
