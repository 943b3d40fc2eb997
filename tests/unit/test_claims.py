"""One account, one resource per deployment, and the first write of a
deployment to an account on a new endpoint: the core called directly, emulators
over HTTP, no engine."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Dict, List

import pytest
from processes import exited_pid

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook import handover
from pulumi_wa_webhook.emulator.testing import running_emulator
from pulumi_wa_webhook.errors import (
    AccountInUseError,
    AdoptionMismatchError,
    DuplicateAccountError,
)
from pulumi_wa_webhook.lifecycle import Deployment, Ledger, Lifecycle

ACCOUNT = "972500000001"
KEY = "test-key-1"
ENDPOINT = ("http://127.0.0.1:8080/api", ACCOUNT)
URN = "urn:pulumi:dev::p::wa-webhook:index:Webhook::"


ADDRESS = "127.0.0.1:40011"


@pytest.fixture
def deployment(monkeypatch, tmp_path):
    """The temporary directory the records go to (tmp_path)."""
    monkeypatch.setattr(handover.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


@pytest.fixture
def shared(deployment):
    """This process as a plugin of a fresh deployment, its records under tmp_path."""
    return handover.Shared(ADDRESS)


# -- handover: claims shared by the deployment's processes -------------------------------------


def test_the_first_claim_wins_and_the_same_owner_may_claim_again(shared):
    assert shared.claim(ENDPOINT, URN + "a") is None
    assert shared.claim(ENDPOINT, URN + "a") is None
    assert shared.claim(ENDPOINT, URN + "b") == URN + "a"
    assert shared.claim(("http://127.0.0.1:9090/api", ACCOUNT), URN + "b") is None


def test_outside_a_deployment_nothing_is_claimed(deployment):
    outside = handover.Shared(None)
    assert outside.claim(ENDPOINT, URN + "a") is None
    assert outside.claim(ENDPOINT, URN + "b") is None


def test_an_account_no_resource_was_checked_with_has_no_claimant(shared):
    assert shared.claimant(ENDPOINT) is None
    shared.claim(ENDPOINT, URN + "a")
    assert shared.claimant(ENDPOINT) == URN + "a"
    assert shared.claimant(("http://127.0.0.1:9090/api", ACCOUNT)) is None


def test_a_claim_that_vanishes_before_it_is_read_is_claimed_again(shared, monkeypatch):
    """Another process removed the claim it found stale between this one's link and read."""
    real_link = handover.os.link
    calls = []

    def link_found_then_gone(source, target):
        calls.append(target)
        if len(calls) == 1:
            raise FileExistsError(target)  # there a moment ago, gone when read
        real_link(source, target)

    monkeypatch.setattr(handover.os, "link", link_found_then_gone)
    assert shared.claim(ENDPOINT, URN + "a") is None
    assert len(calls) == 2 and shared.claimant(ENDPOINT) == URN + "a"


def test_a_stale_claim_removed_by_another_process_meanwhile_is_claimed(deployment, shared,
                                                                        monkeypatch):
    gone = exited_pid()
    path = handover._record_path(ADDRESS, ENDPOINT).with_suffix(".claim")
    path.parent.mkdir(parents=True)
    path.write_text(f'{{"pid": {gone}, "started": "1", "owner": "{URN}old"}}')
    real_unlink = handover.Path.unlink

    def removed_first(self, missing_ok=False):
        if self == path and self.exists():
            real_unlink(self)  # the other process's sweep or claim
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(handover.Path, "unlink", removed_first)
    assert shared.claim(ENDPOINT, URN + "new") is None
    assert shared.claimant(ENDPOINT) == URN + "new"


def test_a_claim_of_another_live_process_of_the_deployment_counts(deployment, shared):
    code = (
        "import sys, tempfile\n"
        f"tempfile.gettempdir = lambda: {str(deployment)!r}\n"
        "from pulumi_wa_webhook import handover\n"
        f"print(handover.Shared({ADDRESS!r}).claim({ENDPOINT!r}, {URN + 'a'!r}), flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "None"
        assert shared.claim(ENDPOINT, URN + "b") == URN + "a"
    finally:
        child.communicate("", timeout=30)
    # Its writer gone, the claim is an earlier deployment's (same engine address): ignored.
    assert shared.claim(ENDPOINT, URN + "b") is None


# -- lifecycle.check: the duplicate is a check failure naming both resources ---------------


def make(endpoint: str, said: List[str] | None = None,
         shared: handover.Shared | None = None) -> Lifecycle:
    """The core for `endpoint`, in the deployment `shared` (none if not given)."""
    loaded = stack_config.load({"wa-webhook:endpoint": endpoint, "wa-webhook:retries": "0",
                                "wa-webhook:apiKey": KEY})
    return Lifecycle(lambda: loaded, lambda _v: False,
                     (said.append if said is not None else lambda _line: None),
                     deployment=Deployment(Ledger(shared=shared or handover.Shared())))


def props(**kw: Any) -> Dict[str, Any]:
    return {"from_number": ACCOUNT, "url": "https://h.example.com/", **kw}


def test_two_resources_on_one_account_fail_check_naming_both(shared):
    core = make("http://127.0.0.1:8080/api", shared=shared)
    assert core.check({}, props(), owner=URN + "first")[1] == []
    _, problems = core.check({}, props(from_number="+972 50-000-0001"), owner=URN + "second")
    [problem] = problems
    assert problem.property == "from_number"
    assert "'first' and 'second' both manage account 972500000001" in problem.reason


def test_the_same_number_on_two_endpoints_is_two_accounts(shared):
    for endpoint, owner in (("http://127.0.0.1:8080/api", "a"), ("http://127.0.0.1:9090/api", "b")):
        assert make(endpoint, shared=shared).check({}, props(), owner=URN + owner)[1] == []


# -- update: a new endpoint is a first write -----------------------------------------------


def test_an_update_to_a_new_endpoint_reads_first_and_refuses_another_configuration(emulator):
    said: List[str] = []
    with running_emulator({ACCOUNT: KEY}) as moved_to:
        moved_to.set_account(ACCOUNT, url="https://other-team.example/hook")
        old = dict(props(), endpoint=emulator.base_url)
        core = make(moved_to.base_url, said)
        news, problems = core.check(old, props())
        assert problems == [] and news["endpoint"] == moved_to.base_url
        outcome = core.diff(old, news)
        assert "endpoint" in outcome.changed
        assert any("left as it is" in line for line in said), said
        with pytest.raises(AccountInUseError):
            core.update(news, old)
        assert moved_to.count("setWebhook") == 0 and moved_to.count("getWebhook") == 1
        assert moved_to.account(ACCOUNT)["url"] == "https://other-team.example/hook"
        core.update(dict(news, overwrite=True), old)
        assert moved_to.account(ACCOUNT)["url"] == "https://h.example.com/"
    assert emulator.requests() == []  # the old endpoint is left as it is


def test_an_update_on_the_same_endpoint_writes_at_once(emulator):
    emulator.set_account(ACCOUNT, url="https://changed-by-hand.example/")
    old = dict(props(), endpoint=emulator.base_url)
    core = make(emulator.base_url)
    news, _ = core.check(old, props(url="https://new.example/"))
    core.diff(old, news)
    core.update(news, old)
    assert emulator.count("getWebhook") == 0 and emulator.count("setWebhook") == 1


# -- delete: an account another resource of the deployment manages is left as it is ----------


def test_a_delete_leaves_an_account_another_checked_resource_manages(shared, emulator):
    said: List[str] = []
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    core = make(emulator.base_url, said, shared=shared)
    assert core.check({}, props(), owner=URN + "hook")[1] == []  # in the program
    state = dict(props(), endpoint=emulator.base_url)
    core.delete(ACCOUNT, state, owner=URN + "dup")  # a copy, e.g. from `pulumi import`
    core.delete(ACCOUNT, state)  # the dynamic face, which is not told the URN
    assert emulator.count("setWebhook") == 0
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"
    assert "resource 'hook' of this deployment manages it" in said[0]
    core.delete(ACCOUNT, state, owner=URN + "hook")  # its own claim does not count
    assert emulator.account(ACCOUNT)["url"] == ""


def test_the_create_half_of_up_replace_writes_without_reading(shared, emulator):
    shared = handover.Shared(ADDRESS, _replace_targets=(URN + "hook",))
    emulator.set_account(ACCOUNT, url="https://changed-by-hand.example/")
    core = make(emulator.base_url, shared=shared)
    news, problems = core.check({}, props(), owner=URN + "hook")
    assert problems == []
    core.create(news)
    assert emulator.count("getWebhook") == 0 and emulator.count("setWebhook") == 1
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


@pytest.mark.parametrize("flag", ["adopt", "overwrite"])
def test_neither_of_two_declarations_of_one_account_writes(shared, emulator, flag):
    """The copy is checked first and passes; the resource that manages the account (here
    being replaced, so its check would otherwise mark the account as in the state) fails;
    the copy's create then refuses before any call."""
    shared = handover.Shared(ADDRESS, _replace_targets=(URN + "hook",))
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    core = make(emulator.base_url, shared=shared)
    copy, problems = core.check({}, props(url="https://copy.example.com/", **{flag: True}),
                                owner=URN + "copy")
    assert problems == []
    _, problems = core.check({}, props(), owner=URN + "hook")
    assert ["'copy' and 'hook' both manage" in p.reason for p in problems] == [True]
    with pytest.raises(DuplicateAccountError, match="'copy' and 'hook' both manage account "
                       f"{ACCOUNT}.*Nothing was written"):
        core.create(copy)
    assert emulator.requests() == []
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


@pytest.mark.parametrize("flags", [{}, {"adopt": True}])
def test_a_managing_resource_whose_check_fails_marks_nothing(shared, emulator, flags):
    """Checks and creates run in parallel threads: the copy's create may find the account
    not yet contested, and the managing resource's check (it shows its state, but its claim
    fails) then runs in full before the create writes. That failed check must not make the
    account the deployment's own, or the copy writes without reading it. (A copy with
    `overwrite` writes without reading by its own declaration.)"""
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    core = make(emulator.base_url, shared=shared)
    copy, problems = core.check({}, props(url="https://copy.example.com/", **flags),
                                owner=URN + "copy")
    assert problems == []
    checked_first = shared.contested
    failed: List[Any] = []

    def contested_then_the_managing_check_runs(account):
        found = checked_first(account)
        stored = dict(props(), endpoint=emulator.base_url)
        failed.extend(core.check(stored, props(), owner=URN + "hook")[1])
        return found

    shared.contested = contested_then_the_managing_check_runs  # type: ignore[method-assign]
    with pytest.raises(AccountInUseError if not flags else AdoptionMismatchError,
                       match=f"account {ACCOUNT}"):
        core.create(copy)
    assert ["'copy' and 'hook' both manage" in p.reason for p in failed] == [True]
    assert emulator.count("setWebhook") == 0
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_the_delete_of_a_second_resource_leaves_the_claimed_account_and_says_why(shared,
                                                                                emulator):
    said: List[str] = []
    core = make(emulator.base_url, said=said, shared=shared)
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    assert core.check({}, props(), owner=URN + "hook")[1] == []
    core.delete(ACCOUNT, dict(props(), endpoint=emulator.base_url), owner=URN + "copy")
    assert said == [
        f"account {ACCOUNT} was not cleared: resource 'hook' of this deployment manages it (the "
        "resource deleted was a second one for the same account, such as a copy made with "
        "`pulumi import`)"]
    assert emulator.count("setWebhook") == 0
