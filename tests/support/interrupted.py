"""The `pulumi up` that a test kills mid-operation, like a crashed machine or CI runner."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import List

from harness import Result, Stack


def start_up(stack: Stack) -> subprocess.Popen:
    """`pulumi up` started the way the harness runs it, in its own process group."""
    command = ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive",
               "--color", "never", "--stack", stack.name]
    return subprocess.Popen(command, cwd=stack.root, env=stack.env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def session_groups(session: int) -> List[int]:
    """The process groups of the processes in a session (Linux /proc)."""
    groups = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[3]) == session and fields[0] != "Z":  # fields: state ppid pgrp session
            groups.add(int(fields[2]))
    return sorted(groups)


def kill_session(process: subprocess.Popen) -> None:
    """SIGKILL `pulumi` and every plugin it started, like a crashed machine or CI runner.

    os.killpg on the CLI's group is not enough: the CLI starts each plugin (language host,
    pulumi-resource-pulumi-python) in a process group of its own, so those would survive as
    orphans, and the provider would finish, even retry, the call in flight. They all share the
    session that start_new_session gave the CLI, so every group of that session is killed."""
    os.killpg(process.pid, signal.SIGKILL)  # first the CLI, so that nothing new is started
    deadline = time.monotonic() + 10
    while groups := session_groups(process.pid):
        assert time.monotonic() < deadline, f"processes left in groups {groups}"
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        time.sleep(0.05)


def kill_when_call_arrives(stack: Stack, emulator, process: subprocess.Popen) -> float:
    """Kill the running `pulumi up` once setWebhook reached the emulator; returns the time
    (time.time()) the call arrived."""
    deadline = time.monotonic() + 60
    while not emulator.requests("setWebhook"):
        assert process.poll() is None, "pulumi up ended before calling setWebhook"
        assert time.monotonic() < deadline, "setWebhook never arrived"
        time.sleep(0.02)
    kill_session(process)
    stdout, stderr = process.communicate(timeout=30)
    stack.transcript.append(Result(["up (killed)"], process.returncode, stdout, stderr))
    assert process.returncode == -signal.SIGKILL
    return float(emulator.requests("setWebhook")[0]["time"])
