"""Accounts taken over in one deployment, as its plugin processes share them (no engine)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from processes import exited_pid

from pulumi_wa_webhook import handover

ACCOUNT = ("http://127.0.0.1:8080/api", "972500000001")


@pytest.fixture
def deployment(monkeypatch, tmp_path):
    """The temporary directory the records go to (tmp_path)."""
    monkeypatch.setattr(handover.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


@pytest.fixture
def shared(deployment):
    """This process as a plugin of a deployment, with its records under tmp_path."""
    return handover.Shared("127.0.0.1:40001")


def test_outside_a_deployment_nothing_is_recorded(monkeypatch, tmp_path):
    monkeypatch.setattr(handover.tempfile, "gettempdir", lambda: str(tmp_path))
    outside = handover.Shared.of_this_process()  # pytest is no plugin of a deployment
    assert outside.address is None
    outside.record(ACCOUNT)
    assert not outside.taken(ACCOUNT)
    assert list(tmp_path.iterdir()) == []


def test_an_account_recorded_in_the_deployment_is_taken(deployment, shared):
    assert not shared.taken(ACCOUNT)
    shared.record(ACCOUNT)
    assert shared.taken(ACCOUNT)
    assert not shared.taken((ACCOUNT[0], "972500000002"))
    assert not shared.taken(("https://api.99digital.co.il/whatsapp/v2/", ACCOUNT[1]))


def test_another_deployment_does_not_see_the_record(deployment, shared):
    shared.record(ACCOUNT)
    assert not handover.Shared("127.0.0.1:40002").taken(ACCOUNT)


def test_records_hold_no_account_number_and_are_private(deployment, shared):
    shared.record(ACCOUNT)
    [record] = [p for p in deployment.rglob("*") if p.is_file()]
    assert ACCOUNT[1] not in str(record) and "127.0.0.1" not in str(record)
    assert json.loads(record.read_text())["pid"] > 0
    assert record.parent.stat().st_mode & 0o077 == 0


def test_a_record_of_a_process_that_is_gone_is_stale(deployment, shared):
    """The engine keeps its plugins running until the deployment ends: a record whose writer
    has exited is from an earlier deployment that had the same engine address."""
    code = (
        "import tempfile, sys\n"
        f"tempfile.gettempdir = lambda: {str(deployment)!r}\n"
        "from pulumi_wa_webhook import handover\n"
        f"handover.Shared('127.0.0.1:40001').record({ACCOUNT!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not shared.taken(ACCOUNT)


def test_a_damaged_record_does_not_count(deployment, shared):
    shared.record(ACCOUNT)
    [record] = [p for p in deployment.rglob("*") if p.is_file()]
    record.write_text("{not json")
    assert not shared.taken(ACCOUNT)
    record.write_text(json.dumps({"pid": 1, "started": "never"}))  # pid 1, another start time
    assert not shared.taken(ACCOUNT)


def test_the_dynamic_providers_process_knows_its_engine_address(monkeypatch):
    """`python -m pulumi.dynamic 127.0.0.1:PORT` is how the engine starts the provider."""
    main = types.ModuleType("__main__")
    main.__spec__ = types.SimpleNamespace(name="pulumi.dynamic.__main__")  # type: ignore[assignment]
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "argv", ["/x/pulumi/dynamic/__main__.py", "127.0.0.1:45313"])
    assert handover.engine_address() == "127.0.0.1:45313"
    assert handover.Shared.of_this_process().address == "127.0.0.1:45313"
    monkeypatch.setattr(sys, "argv", ["/x/pulumi/dynamic/__main__.py"])
    assert handover.engine_address() is None


def test_a_process_start_time_is_read_from_proc():
    fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    assert handover._started(os.getpid()) == fields[19] != ""
    assert handover._started(exited_pid()) is None


def test_without_proc_a_live_process_counts_and_a_gone_one_does_not(monkeypatch):
    def no_proc(path, *args, **kwargs):
        raise FileNotFoundError(path)

    monkeypatch.setattr(handover, "open", no_proc, raising=False)
    monkeypatch.setattr(handover.Path, "exists", lambda self: False)
    assert handover._started(os.getpid()) == ""
    assert handover._started(exited_pid()) is None


def test_a_record_names_this_process_and_its_start_time(deployment, shared):
    shared.record(ACCOUNT)
    shared.record((ACCOUNT[0], "972500000002"))
    records = sorted(p for p in deployment.rglob("*") if p.is_file())
    assert len(records) == 2 and records[0].parent == records[1].parent
    for record in records:
        assert json.loads(record.read_text()) == {
            "pid": os.getpid(), "started": handover._started(os.getpid())}


def test_a_record_is_written_again_after_its_directory_was_removed(deployment, shared):
    shared.record(ACCOUNT)
    shutil.rmtree(next(deployment.iterdir()))  # a temp cleaner ran during the deployment
    shared.record(ACCOUNT)
    assert shared.taken(ACCOUNT)


def test_a_record_without_a_start_time_does_not_count(deployment, shared):
    shared.record(ACCOUNT)
    [record] = [p for p in deployment.rglob("*") if p.is_file()]
    record.write_text(json.dumps({"pid": os.getpid(), "started": None}))
    assert not shared.taken(ACCOUNT)


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def _earlier_deployment(root, name: str, pid: int, started, age: float):
    """A deployment directory as an earlier process left it, `age` seconds ago."""
    directory = root / f"wa-webhook-{os.getuid()}" / name
    directory.mkdir(parents=True)
    record = directory / "0123abcd"
    record.write_text(json.dumps({"pid": pid, "started": started}))
    _age(record, age)
    _age(directory, age)
    return directory


def test_a_deployments_first_record_clears_out_stale_ones(deployment, shared):
    gone = exited_pid()
    stale = _earlier_deployment(deployment, "stale", gone, "1", 2 * handover.STALE_AFTER)
    damaged = _earlier_deployment(deployment, "damaged", gone, "1", 2 * handover.STALE_AFTER)
    (damaged / "0123abcd").write_text("{not json")
    _age(damaged / "0123abcd", 2 * handover.STALE_AFTER)
    _age(damaged, 2 * handover.STALE_AFTER)
    no_start = _earlier_deployment(deployment, "no-start", gone, None, 2 * handover.STALE_AFTER)
    recent = _earlier_deployment(deployment, "recent", gone, "1", handover.STALE_AFTER / 2)
    me = os.getpid()
    live = _earlier_deployment(deployment, "live", me, handover._started(me),
                               2 * handover.STALE_AFTER)
    shared.record(ACCOUNT)
    assert not stale.exists() and not damaged.exists() and not no_start.exists()
    assert recent.exists() and live.exists()  # too recent to tell; a writer still running
    assert shared.taken(ACCOUNT)


def test_a_record_written_again_lately_keeps_its_old_directory(deployment, shared):
    """Writing a record again changes the record's time, not its directory's: the sweep
    goes by the records."""
    gone = exited_pid()
    rewritten = _earlier_deployment(deployment, "rewritten", gone, "1", 2 * handover.STALE_AFTER)
    [record] = list(rewritten.iterdir())
    _age(record, handover.STALE_AFTER / 2)
    shared.record(ACCOUNT)
    assert record.exists()


def test_two_processes_may_make_the_deployments_directory_at_once(deployment):
    directory = deployment / f"wa-webhook-{os.getuid()}" / "both"
    handover._make_directory(directory)
    handover._make_directory(directory)  # the other plugin process, a moment later
    assert directory.is_dir() and oct(directory.stat().st_mode & 0o777) == "0o700"


def test_an_entry_that_cannot_be_read_does_not_stop_the_sweep(deployment, shared):
    gone = exited_pid()
    stale = [_earlier_deployment(deployment, f"stale-{i}", gone, "1", 2 * handover.STALE_AFTER)
             for i in range(10)]
    (deployment / f"wa-webhook-{os.getuid()}" / "dangling").symlink_to(deployment / "nowhere")
    shared.record(ACCOUNT)
    assert [d.name for d in stale if d.exists()] == []


def test_only_a_deployments_first_record_sweeps(deployment, shared):
    shared.record(ACCOUNT)
    stale = _earlier_deployment(deployment, "stale", exited_pid(), "1",
                                2 * handover.STALE_AFTER)
    shared.record((ACCOUNT[0], "972500000002"))  # same deployment: its directory exists
    assert stale.exists()


def test_the_replace_targets_come_from_the_cli_command_line():
    args = ["up", "--yes", "--replace", "urn:a", "--target-replace=urn:b", "--replace"]
    assert handover._targets(args) == ("urn:a", "urn:b")
    assert handover._targets(["up", "--replace", "urn:last"]) == ("urn:last",)


def test_a_replace_target_names_a_native_urn_or_a_dynamic_webhooks_name(monkeypatch):
    native = "urn:pulumi:dev::p::wa-webhook:index:Webhook::support"
    dynamic = "urn:pulumi:dev::p::acme:index:Box$pulumi-python:dynamic:Resource::support"
    shared = handover.Shared("127.0.0.1:40001", _replace_targets=(native, dynamic))
    assert shared.replacing(native)
    assert not shared.replacing(native.replace("support", "other"))
    assert shared.replacing("dynamic:wa-webhook:Webhook::support")
    assert not shared.replacing("dynamic:wa-webhook:Webhook::other")
    pattern = handover.Shared("127.0.0.1:40001",
                              _replace_targets=("urn:pulumi:dev::p::*::support",))
    assert pattern.replacing(native)


@pytest.fixture
def cli_above(tmp_path, monkeypatch):
    """A process named `pulumi` (as the CLI is) with a non-UTF-8 argument among its options,
    running a shell named `x) 1 2` with a `--replace` of its own, in a process group of its
    own (so that its stat line's parent pid and group differ); this process then looks like
    a plugin the shell started (its parent pid is the shell's). Yields the shell's pid."""
    fake_cli = tmp_path / "pulumi"
    fake_cli.symlink_to(sys.executable)
    odd_shell = tmp_path / "x) 1 2"
    odd_shell.symlink_to(shutil.which("sh"))
    cli = ("import subprocess, sys\n"
           "shell = subprocess.Popen([sys.argv[1], '-c', 'sleep 60; true', 'sh', '--replace',"
           " 'urn:shell'], start_new_session=True)\n"
           "print(shell.pid, flush=True)\n"
           "shell.wait()")
    tree = subprocess.Popen(
        [str(fake_cli), "-c", cli, str(odd_shell), "up", "--replace", "urn:a", b"\xff",
         "--target-replace=urn:b"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        shell = int(tree.stdout.readline())  # type: ignore[union-attr]
        monkeypatch.setattr(handover.os, "getppid", lambda: shell)
        yield shell
    finally:
        with contextlib.suppress(ProcessLookupError, UnboundLocalError):
            os.killpg(shell, signal.SIGKILL)  # the shell and its sleep
        os.killpg(tree.pid, signal.SIGKILL)
        tree.wait(30)


def test_the_targets_are_found_past_a_process_with_an_odd_name_and_odd_arguments(cli_above):
    """The plugin skips the shell (not `pulumi`, though its arguments hold a `--replace`),
    reads its parent from a stat line whose name holds ") ", and reads the CLI's options past
    an argument that is not UTF-8."""
    assert handover._replace_targets() == ("urn:a", "urn:b")
    assert handover.Shared("127.0.0.1:1").replace_targets() == ("urn:a", "urn:b")
    assert handover.Shared(None).replace_targets() == ()


def test_the_start_time_of_a_process_whose_name_holds_a_parenthesis(cli_above):
    stat = Path(f"/proc/{cli_above}/stat").read_text()
    fields = re.match(r"^\d+ \((.*)\) (.*)$", stat, re.S).group(2).split()  # type: ignore[union-attr]
    assert handover._started(cli_above) == fields[19]


def test_a_record_without_a_pid_and_start_time_does_not_count(deployment, shared):
    shared.record(ACCOUNT)
    [record] = [p for p in deployment.rglob("*") if p.is_file()]
    for damaged in ({}, {"pid": "abc", "started": "1"}, {"pid": os.getpid()}, []):
        record.write_text(json.dumps(damaged))
        assert not shared.taken(ACCOUNT)


@pytest.mark.parametrize("target, replacing", [
    # the dynamic Webhook's own type, at the top or under a component
    ("urn:pulumi:dev::p::pulumi-python:dynamic/wa-webhook:Webhook::support", True),
    ("urn:pulumi:dev::p::acme:x:Team$pulumi-python:dynamic/wa-webhook:Webhook::support", True),
    ("urn:pulumi:dev::p::pulumi-python:dynamic:Resource::support", True),
    ("p::pulumi-python:dynamic:Resource::support", True),  # two "::" are enough
    # another type of the same name, even under a component whose type says Webhook
    ("urn:pulumi:dev::p::random:index:RandomString::support", False),
    ("urn:pulumi:dev::p::acme:x:WebhookTeam$random:index:RandomString::support", False),
    ("urn:pulumi:dev::p::acme:x:Box$acme:x:WebhookTeam$random:index:RandomString::support",
     False),
    ("urn:pulumi:dev::p::pulumi-python:dynamic/wa-webhook:Webhook::other", False),
    ("support", False), ("x::support", False),  # no type to tell
])
def test_a_dynamic_webhook_is_replaced_by_a_target_of_its_type_and_name(target, replacing):
    shared = handover.Shared("127.0.0.1:40001", _replace_targets=(target,))
    assert shared.replacing("dynamic:wa-webhook:Webhook::support") is replacing


def test_outside_a_deployment_nothing_is_being_replaced():
    assert handover.Shared(None).replace_targets() == ()


def test_the_replace_targets_are_read_from_the_pulumi_process_above(tmp_path):
    """A process named `pulumi` (as the CLI is) runs one that reads the targets of the
    `--replace` options from its ancestor's command line."""
    fake_cli = tmp_path / "pulumi"
    fake_cli.symlink_to(sys.executable)
    plugin = "from pulumi_wa_webhook import handover; print(handover._replace_targets())"
    cli = f"import subprocess; subprocess.run([{sys.executable!r}, '-c', {plugin!r}])"
    answer = subprocess.run(
        [str(fake_cli), "-c", cli, "up", "--replace", "urn:a", "--target-replace=urn:b"],
        capture_output=True, text=True, check=True, timeout=60)
    assert answer.stdout.strip() == "('urn:a', 'urn:b')"
    assert handover._replace_targets() == ()  # pytest has no `pulumi` above it
    assert handover.Shared("127.0.0.1:40001").replace_targets() == ()
