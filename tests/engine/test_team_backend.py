"""Team use: the root project's stack in a shared S3 bucket (Pulumi's DIY S3 backend on a local
moto server), worked on from two "machines" (own PULUMI_HOME, own checkout copy).

What Pulumi v3.274.1 does here, and these tests check:
- every machine logged in to the same bucket sees the same stacks, outputs and state;
- `pulumi up` takes a lock object (`.pulumi/locks/organization/<project>/<stack>/<id>.json`)
  for the whole update; a second `up` on the same stack meanwhile stops at once with
  "the stack is currently locked by 1 lock(s)" and changes nothing. The lock is written, then
  the lock folder listed: two `up`s started in the very same instant may both be refused,
  never both let through;
- a machine that died mid-update leaves its lock; `pulumi cancel` from any machine deletes it,
  then `refresh --clear-pending-creates` and `up` converge (the recovery the README gives).
"""

from __future__ import annotations

import json
import time

import pytest
import yaml
from harness import REPO, Result, Stack
from interrupted import kill_when_call_arrives, start_up

KEY = "demo-key-dev"  # the dev stack's committed, encrypted key
#: The dev stack's lines as committed in Pulumi.dev.yaml, by name.
LINES = {line["name"]: line for line in yaml.safe_load(
    (REPO / "Pulumi.dev.yaml").read_text())["config"]["wa-webhooks:lines"]}
SUPPORT, SALES = LINES["support"]["fromNumber"], LINES["sales"]["fromNumber"]
DEV_URLS = {SUPPORT: LINES["support"]["url"], SALES: LINES["sales"]["url"]}
LOCKED = "the stack is currently locked by 1 lock(s)"


@pytest.fixture
def accounts(emulator):
    """The dev stack's two accounts, fresh (nothing configured)."""
    for number in (SUPPORT, SALES):
        emulator.add_account(number, KEY)
    return emulator


def on_machine(machine, name: str, emulator) -> Stack:
    stack = machine(name)
    stack.set_config("wa-webhook:endpoint", emulator.base_url)
    return stack


def set_sales_url(stack: Stack, url: str) -> None:
    """Edit this checkout's Pulumi.dev.yaml, as a teammate's commit would."""
    path = stack.root / "Pulumi.dev.yaml"
    text = path.read_text()
    assert text.count(DEV_URLS[SALES]) == 1
    path.write_text(text.replace(DEV_URLS[SALES], url))


def urls_in_state(stack: Stack) -> dict[str, str]:
    """from_number -> url of every Webhook in `stack export`; no pending operations."""
    deployment = stack.export()["deployment"]
    assert not deployment.get("pending_operations")
    return {r["outputs"]["from_number"]: r["outputs"]["url"]
            for r in deployment.get("resources") or [] if r["type"].endswith(":Webhook")}


def urls_on_accounts(emulator) -> dict[str, str]:
    return {number: emulator.account(number)["url"] for number in (SUPPORT, SALES)}


def locks(s3_backend) -> list[str]:
    server, bucket = s3_backend
    return server.keys(bucket, ".pulumi/locks/")


def assert_key_never_shown(s3_backend, *stacks: Stack) -> None:
    server, bucket = s3_backend
    for key, content in server.objects(bucket).items():
        assert KEY.encode() not in content, f"API key in clear in s3://{bucket}/{key}"
    for stack in stacks:
        assert KEY not in stack.all_output()


def test_two_machines_see_the_same_stacks_and_state_in_the_bucket(machine, accounts,
                                                                   s3_backend):
    alice = on_machine(machine, "alice", accounts)
    alice.up()
    bob = on_machine(machine, "bob", accounts)

    server, bucket = s3_backend
    assert ".pulumi/stacks/wa-webhooks/dev.json" in server.keys(bucket)
    listed = json.loads(bob.pulumi("stack", "ls", "--json").stdout)
    assert [s["name"] for s in listed] == ["dev"]
    assert bob.outputs() == alice.outputs()
    accounts.clear_requests()
    bob.preview("--expect-no-changes")  # Bob's checkout matches the state Alice wrote
    assert accounts.requests() == []

    set_sales_url(bob, "https://dev.hooks.example.com/whatsapp/sales-v2")
    bob.up()
    assert urls_in_state(alice) == urls_on_accounts(accounts) == dict(
        DEV_URLS, **{SALES: "https://dev.hooks.example.com/whatsapp/sales-v2"})
    assert locks(s3_backend) == []
    assert_key_never_shown(s3_backend, alice, bob)



def wait_for(condition, what: str, process=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, f"pulumi ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_ups_on_one_stack_at_once_one_wins_the_other_is_refused(machine, accounts,
                                                                    s3_backend):
    alice = on_machine(machine, "alice", accounts)
    bob = on_machine(machine, "bob", accounts)
    set_sales_url(bob, "https://dev.hooks.example.com/whatsapp/sales-bob")
    # Alice's update is slow at the API, so Bob's `up` starts while hers is still running.
    # Her client waits longer than the API does: a call that timed out and was retried would
    # still land at the emulator when its delay ends, possibly after Bob's later write.
    alice.set_config("wa-webhook:timeout", "60")
    accounts.add_fault("setWebhook", times=2, delay=12)  # margin for a busy machine
    running = start_up(alice)
    wait_for(lambda: accounts.requests("setWebhook") and locks(s3_backend),
             "Alice's update to take the lock and call the API", running)

    refused = bob.up(check=False)
    assert running.poll() is None, "Alice's up ended before Bob's was refused: no overlap"
    assert refused.code != 0 and LOCKED in refused.output, refused.output
    assert "delete the lock file with `pulumi cancel`" in refused.output
    stdout, stderr = running.communicate(timeout=180)
    alice.transcript.append(Result(["up (background)"], running.returncode, stdout, stderr))
    assert running.returncode == 0, stdout + stderr
    assert len(accounts.requests("setWebhook")) == 2, "Alice's calls were retried"

    # Alice won: her settings on the accounts and in the state, as both machines see it;
    # Bob's refused run wrote nothing and left no lock.
    assert urls_on_accounts(accounts) == urls_in_state(bob) == urls_in_state(alice) == DEV_URLS
    assert locks(s3_backend) == []
    # Bob runs again once the lock is gone, and his change lands.
    bob.up()
    assert urls_on_accounts(accounts) == urls_in_state(alice) == dict(
        DEV_URLS, **{SALES: "https://dev.hooks.example.com/whatsapp/sales-bob"})
    assert_key_never_shown(s3_backend, alice, bob)


def test_machine_killed_mid_update_another_cancels_refreshes_and_converges(machine, accounts,
                                                                          s3_backend):
    alice = on_machine(machine, "alice", accounts)
    bob = on_machine(machine, "bob", accounts)
    delay = 3.0
    accounts.add_fault("setWebhook", times=1, delay=delay)
    accounts.clear_requests()
    process = start_up(alice)
    arrived = kill_when_call_arrives(alice, accounts, process)  # SIGKILL, like a lost runner
    [lock] = locks(s3_backend)

    refused = bob.up(check=False)
    assert refused.code != 0 and LOCKED in refused.output
    server, bucket = s3_backend
    assert f"s3://{bucket}" in refused.output and f"(pid {process.pid})" in refused.output
    assert lock.rsplit("/", 1)[1] in refused.output
    bob.pulumi("cancel", "--yes")
    assert locks(s3_backend) == []

    time.sleep(max(0.0, arrived + delay + 0.3 - time.time()))  # the call in flight lands
    bob.refresh("--clear-pending-creates")
    # The interrupted creates' writes landed: docs/errors.md's recipe takes those accounts
    # over for one run (they hold exactly the program's settings) without writing them.
    bob.up(env={"WA_WEBHOOK_ADOPT": "1"})
    assert urls_on_accounts(accounts) == urls_in_state(alice) == urls_in_state(bob) == DEV_URLS
    bob.preview("--expect-no-changes")
    assert_key_never_shown(s3_backend, alice, bob)
