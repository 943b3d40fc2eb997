"""The shared lifecycle called directly, against the emulator over HTTP: which key and
endpoint each call uses, what create refuses to overwrite, what check and diff report."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook.errors import (
    AccountAlreadyConfiguredError,
    AccountInUseError,
    AdoptionMismatchError,
    ConcurrentWriteError,
    ConfigurationError,
    ImportIdError,
    InvalidApiKeyError,
    UnreachableUrlError,
)
from pulumi_wa_webhook.lifecycle import Deployment, Lifecycle, WebhookState
from pulumi_wa_webhook.model import from_state

ACCOUNT = "972500000001"
KEY = "test-key-1"  # the emulator fixture's key for ACCOUNT
UNKNOWN = object()


@pytest.fixture(autouse=True)
def _no_environment(no_config_env):
    """Configuration comes from each test alone."""


@pytest.fixture
def deployment() -> Deployment:
    """Each test is a provider process of its own: nothing known about accounts yet."""
    return Deployment()


@pytest.fixture
def make(deployment):
    """A Lifecycle of this test's deployment, configured for the emulator (and `key`)."""

    def made(emulator, key=None, said: List[str] | None = None, **extra: str) -> Lifecycle:
        stack = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "0", **extra}
        if key:
            stack["wa-webhook:apiKey"] = key
        loaded = stack_config.load(stack)
        return Lifecycle(lambda: loaded, lambda v: v is UNKNOWN,
                         (said.append if said is not None else lambda _line: None),
                         deployment=deployment)

    return made


def props(**kw: Any) -> Dict[str, Any]:
    base = {"from_number": ACCOUNT, "url": "https://h.example.com/", "system": False,
            "system_phone_alerts": [], "read_status": False, "retry": False}
    return {**base, **kw}


# -- which key: the one in state first, then the configured one -------------------------------


def test_read_uses_the_key_in_state_when_it_is_valid(emulator, make):
    emulator.set_account(ACCOUNT, url="https://seen.example/")
    outcome = make(emulator, key="configured-but-wrong").read(ACCOUNT, props(api_key=KEY))
    assert outcome.settings.from_number == ACCOUNT
    assert outcome.outputs()["url"] == "https://seen.example/"
    assert outcome.outputs()["api_key"] == KEY
    assert outcome.outputs()["endpoint"] == emulator.base_url
    assert emulator.count("getWebhook") == 1  # the key in state was tried first


def test_read_falls_back_to_the_configured_key_after_a_rotation(emulator, make):
    outcome = make(emulator, key=KEY).read(ACCOUNT, props(api_key="old-key"))
    assert outcome.settings.from_number == ACCOUNT
    assert emulator.count("getWebhook") == 2


def test_read_with_no_valid_key_is_a_key_error(emulator, make):
    with pytest.raises(InvalidApiKeyError):
        make(emulator, key="also-wrong").read(ACCOUNT, props(api_key="old-key"))
    assert emulator.count("getWebhook") == 2


def test_read_of_an_account_that_is_gone_drops_the_resource(emulator, make):
    emulator.remove_account(ACCOUNT)
    assert make(emulator, key=KEY).read(ACCOUNT, props()) is None


def test_delete_uses_the_key_in_state_when_it_is_valid(emulator, make):
    emulator.set_account(ACCOUNT, url="https://seen.example/", retry=1)
    make(emulator, key="configured-but-wrong").delete(ACCOUNT, props(api_key=KEY))
    assert emulator.account(ACCOUNT) == {"url": "", "system": 0, "systemPhoneAlert": "",
                                         "readStatus": 0, "retry": 0}
    assert emulator.count("setWebhook") == 1


def test_delete_of_an_account_that_is_gone_succeeds(emulator, make):
    emulator.remove_account(ACCOUNT)
    make(emulator, key=KEY).delete(ACCOUNT, props())
    assert emulator.count("setWebhook") == 1


def test_the_same_key_in_state_and_configuration_is_tried_once(emulator, make):
    with pytest.raises(InvalidApiKeyError):
        make(emulator, key="wrong").read(ACCOUNT, props(api_key=" wrong "))
    assert emulator.count("getWebhook") == 1


def test_no_key_anywhere_is_a_configuration_error(emulator, monkeypatch, make):
    monkeypatch.delenv("WA_WEBHOOK_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="no 99digital API key"):
        make(emulator).read(ACCOUNT, props(api_key=""))
    assert emulator.count() == 0


# -- which endpoint: the one in state, else the configured one ---------------------------------


ELSEWHERE = {"wa-webhook:endpoint": "http://127.0.0.1:9/v2"}  # nothing listens there


@pytest.mark.parametrize("state_key", [None, KEY, "old-key"])
def test_read_and_delete_go_to_the_endpoint_kept_in_state(emulator, state_key, make):
    cycle = make(emulator, key=KEY, **ELSEWHERE)
    outcome = cycle.read(ACCOUNT, props(endpoint=emulator.base_url, api_key=state_key))
    assert outcome.outputs()["endpoint"] == emulator.base_url
    cycle.delete(ACCOUNT, props(endpoint=emulator.base_url, api_key=state_key))
    assert emulator.count() == (2 if state_key == "old-key" else 1) * 2


def test_create_and_update_go_to_the_endpoint_in_their_inputs(emulator, make):
    cycle = make(emulator, key=KEY, **ELSEWHERE)
    _, state = cycle.create(props(endpoint=emulator.base_url, api_key=KEY))
    outs = state.outputs(every_setting=True)
    assert outs["endpoint"] == emulator.base_url
    outs = cycle.update(props(endpoint=emulator.base_url, api_key=KEY, retry=True)).outputs()
    assert outs["endpoint"] == emulator.base_url
    assert emulator.account(ACCOUNT)["retry"] == 1


@pytest.mark.parametrize("stored", [None, "", 5, True])
def test_a_state_without_a_usable_endpoint_uses_the_configured_one(emulator, stored, make):
    outcome = make(emulator, key=KEY).read(ACCOUNT, props(endpoint=stored))
    assert outcome.outputs()["endpoint"] == emulator.base_url


def test_an_endpoint_in_state_is_validated(emulator, make):
    with pytest.raises(ConfigurationError) as caught:
        make(emulator, key=KEY).read(ACCOUNT, props(endpoint="http://api.example.com/v2"))
    # Named as coming from the state, not the stack configuration the user would look at.
    assert str(caught.value).startswith(
        "endpoint 'http://api.example.com/v2' (the endpoint in the resource's state) must be "
        "an https:// URL")


# -- create -----------------------------------------------------------------------------------


def test_create_on_a_cleared_account_writes_once_and_returns_the_outputs(emulator, make):
    id_, state = make(emulator, key=KEY).create(props(url="https://new.example/", retry=True))
    outs = state.outputs(every_setting=True)
    assert id_ == ACCOUNT
    assert outs == {**props(url="https://new.example/", retry=True),
                    "endpoint": emulator.base_url,
                    "key_fingerprint": stack_config.key_fingerprint(KEY)}
    assert "api_key" not in outs  # the configured key stays out of the state
    # read, write, read back (no other deployment wrote it meanwhile)
    assert [r["path"].rsplit("/", 1)[1] for r in emulator.requests()] == [
        "getWebhook", "setWebhook", "getWebhook"]
    assert emulator.account(ACCOUNT)["url"] == "https://new.example/"
    assert emulator.account(ACCOUNT)["retry"] == 1


def test_create_with_a_resource_key_keeps_it_in_the_outputs(emulator, make):
    _, state = make(emulator, key="configured-but-wrong").create(props(api_key=KEY))
    outs = state.outputs()
    assert outs["api_key"] == KEY


def test_create_that_matches_the_account_is_refused_without_adopt(emulator, make):
    """Identical settings may be another stack's: taking them silently makes two owners."""
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    with pytest.raises(AccountAlreadyConfiguredError) as refused:
        make(emulator, key=KEY).create(props())
    assert "already holds exactly this program's webhook settings" in str(refused.value)
    assert "adopt=True" in str(refused.value) and "aliases=" in str(refused.value)
    assert emulator.count("setWebhook") == 0 and emulator.count("getWebhook") == 1
    make(emulator, key=KEY).create(props(adopt=True))  # taken as it is, nothing written
    assert emulator.count("setWebhook") == 0 and emulator.count("getWebhook") == 2


@pytest.mark.parametrize("value, adopts", [("1", True), ("true", True), (" Yes\n", True),
                                           ("TRUE", True), ("0", False), ("no", False),
                                           ("", False)])
def test_adopt_for_one_run_from_the_environment(emulator, make, monkeypatch, value, adopts):
    """`WA_WEBHOOK_ADOPT=1 pulumi up` (the recovery of a killed first `up`) adopts what
    matches the program, as `adopt=True` would; any other value does not."""
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    monkeypatch.setenv(stack_config.ADOPT_ENV, value)
    if adopts:
        make(emulator, key=KEY).create(props())
    else:
        with pytest.raises(AccountAlreadyConfiguredError):
            make(emulator, key=KEY).create(props())
    assert emulator.count("setWebhook") == 0


def test_an_import_id_that_is_no_number_is_refused_naming_it():
    with pytest.raises(ImportIdError) as refused:
        Lifecycle.import_id("abc")
    assert str(refused.value).startswith(
        "cannot import 'abc': the import ID is the account's from_number, and ")
    assert Lifecycle.import_id("+972 50-000-0001") == ACCOUNT


def test_create_on_a_cleared_account_that_matches_the_program_writes_nothing(emulator, make):
    make(emulator, key=KEY).create(props(url=""))
    assert emulator.count("setWebhook") == 0 and emulator.count("getWebhook") == 1


def test_a_write_that_races_another_deployment_fails_after_reading_it_back(emulator, make,
                                                                          deployment):
    """The read after the first write answers late, after another deployment's write."""
    emulator.add_fault("getWebhook", times=1, delay=0)  # the first read: on time
    emulator.add_fault("getWebhook", times=1, delay=1.0)  # the read back: late
    timer = threading.Timer(0.5, lambda: emulator.set_account(ACCOUNT, url="https://th.em/"))
    timer.start()
    try:
        with pytest.raises(ConcurrentWriteError) as raced:
            make(emulator, key=KEY).create(props(url="https://ours.example/"))
    finally:
        timer.join()
    assert "written by someone else at the same moment" in str(raced.value)
    assert "url: 'https://th.em/' -> 'https://ours.example/'" in str(raced.value)
    assert emulator.count("setWebhook") == 1  # nothing more was written
    assert emulator.account(ACCOUNT)["url"] == "https://th.em/"
    assert not deployment.ledger.taken((emulator.base_url, ACCOUNT))


def test_a_read_back_that_fails_is_only_reported(emulator, make):
    said: List[str] = []
    emulator.add_fault("getWebhook", times=1, delay=0)
    emulator.add_fault("getWebhook", times=1, status=503)
    make(emulator, key=KEY, said=said).create(props(url="https://ours.example/"))
    assert emulator.account(ACCOUNT)["url"] == "https://ours.example/"
    assert any("could not read the account back" in line for line in said)


def test_create_refuses_an_account_configured_differently(emulator, make):
    emulator.set_account(ACCOUNT, url="https://other-stack.example/")
    with pytest.raises(AccountInUseError) as caught:
        make(emulator, key=KEY).create(props())
    assert caught.value.account == ACCOUNT
    assert "'https://other-stack.example/' -> 'https://h.example.com/'" in str(caught.value)
    assert emulator.count("setWebhook") == 0
    assert emulator.account(ACCOUNT)["url"] == "https://other-stack.example/"


def test_create_with_overwrite_writes_without_reading(emulator, make):
    emulator.set_account(ACCOUNT, url="https://other-stack.example/")
    make(emulator, key=KEY).create(props(overwrite=True))
    assert [r["path"].rsplit("/", 1)[1] for r in emulator.requests()] == ["setWebhook"]
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_adopt_takes_a_matching_account_and_refuses_a_different_one(emulator, make):
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    make(emulator, key=KEY).create(props(adopt=True))
    assert emulator.count("setWebhook") == 0
    with pytest.raises(AdoptionMismatchError) as caught:
        make(emulator, key=KEY).create(props(adopt=True, retry=True))
    assert caught.value.account == ACCOUNT
    assert "retry: False -> True" in str(caught.value)
    with pytest.raises(AdoptionMismatchError):  # a cleared account is not adopted either
        emulator.set_account(ACCOUNT, url="")
        make(emulator, key=KEY).create(props(adopt=True))
    assert emulator.count("setWebhook") == 0


def test_create_of_an_account_shown_in_state_is_a_replacement_and_writes(emulator, make):
    emulator.set_account(ACCOUNT, url="https://old.example/")
    cycle = make(emulator, key=KEY)
    cycle.check(props(url="https://old.example/"), props())  # the engine shows the old state
    cycle.create(props())
    assert [r["path"].rsplit("/", 1)[1] for r in emulator.requests()] == ["setWebhook"]
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_delete_after_this_deployment_wrote_the_account_leaves_it_and_says_so(emulator, make):
    said: List[str] = []
    cycle = make(emulator, key=KEY, said=said)
    cycle.create(props())
    cycle.delete(ACCOUNT, props())  # the old resource of a rename
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"
    assert said == [f"account {ACCOUNT} was not cleared: it is now managed by another resource "
                    "of this deployment (renamed, moved, replaced, or moved between the dynamic "
                    "and the native provider), which has just set or adopted it"]


def test_an_account_updated_in_this_deployment_is_not_cleared_by_it(emulator, make):
    cycle = make(emulator, key=KEY)
    cycle.update(props(retry=True))
    cycle.delete(ACCOUNT, props())
    assert emulator.account(ACCOUNT)["retry"] == 1
    assert emulator.count("setWebhook") == 1


def test_update_writes_once_to_the_endpoint_in_the_inputs(emulator, make):
    outs = make(emulator, key=KEY).update(props(endpoint=emulator.base_url, system=True),
                                          props(endpoint=emulator.base_url)).outputs()
    assert outs["system"] is True and outs["endpoint"] == emulator.base_url
    assert [r["path"].rsplit("/", 1)[1] for r in emulator.requests()] == ["setWebhook"]
    assert emulator.account(ACCOUNT)["system"] == 1


# -- check and diff (no API call) --------------------------------------------------------------


def test_check_normalises_leaves_defaults_out_and_records_the_endpoint(emulator, make):
    inputs, problems = make(emulator, key=KEY).check(
        {}, props(from_number="+972 50-000-0001", system=True, url=UNKNOWN, retry=False,
                  read_status=None))
    assert problems == []
    assert inputs["from_number"] == ACCOUNT and inputs["system"] is True
    assert inputs["url"] is UNKNOWN  # unknown values stay as they are
    # Settings at their default are not stored; the endpoint is (a change shows in preview).
    assert not {"retry", "read_status", "system_phone_alerts"} & set(inputs)
    assert inputs["endpoint"] == emulator.base_url
    assert emulator.count() == 0


def test_check_leaves_out_a_setting_turned_back_to_its_default_at_once(emulator, make):
    """The checked inputs depend on the program only, not on the state: a setting switched
    back off leaves no trace that a later diff could show (`[diff: -retry]` on the next,
    unrelated replacement)."""
    cycle = make(emulator, key=KEY)
    olds = {"from_number": ACCOUNT, "url": "https://h.example.com/", "retry": True}
    inputs, _ = cycle.check(olds, props(url=None, retry=False))
    assert not {"retry", "url"} & set(inputs)
    assert inputs == cycle.check({}, props(url=None, retry=False))[0]


def test_check_reports_every_problem_with_its_property(emulator, monkeypatch, make):
    monkeypatch.delenv("WA_WEBHOOK_API_KEY", raising=False)
    _, problems = make(emulator).check({}, props(url="ftp://x", adopt=True, overwrite=True))
    assert [p.property for p in problems] == ["url", "overwrite", "api_key"]
    assert problems[1].reason == "adopt=True and overwrite=True exclude each other"
    assert "WA_WEBHOOK_API_KEY" in problems[2].reason


@pytest.mark.parametrize("flag", ["adopt", "overwrite"])
def test_adopt_or_overwrite_alone_is_fine(emulator, flag, make):
    assert make(emulator, key=KEY).check({}, props(**{flag: True}))[1] == []


def test_without_a_face_every_value_is_known_and_checked(emulator):
    loaded = stack_config.load({"wa-webhook:apiKey": KEY})
    inputs, problems = Lifecycle(lambda: loaded).check({}, props(url="ftp://x", retry=True))
    assert [p.property for p in problems] == ["url"]
    assert inputs["retry"] is True


def test_check_reports_a_configuration_error_under_the_namespace(emulator):
    def broken() -> stack_config.ProviderConfig:
        raise ConfigurationError("endpoint 'http://x' must be an https:// URL")
    _, problems = Lifecycle(broken).check({}, props(api_key=KEY))
    assert [(p.property, p.reason) for p in problems] == [
        ("wa-webhook", "endpoint 'http://x' must be an https:// URL")]


def test_check_accepts_a_resource_key_without_a_configured_one(emulator, monkeypatch, make):
    monkeypatch.delenv("WA_WEBHOOK_API_KEY", raising=False)
    assert make(emulator).check({}, props(api_key=KEY))[1] == []


def state(emulator, **kw: Any) -> Dict[str, Any]:
    return {**props(**kw), "endpoint": emulator.base_url}


def test_diff_of_equal_settings_is_no_change(emulator, make):
    outcome = make(emulator, key=KEY).diff(
        state(emulator), props(from_number="+972 50-000-0001", endpoint=emulator.base_url))
    assert outcome.changed == [] and outcome.replaces == []


def test_diff_names_changed_settings_key_and_endpoint(emulator, make):
    said: List[str] = []
    cycle = make(emulator, key=KEY, said=said)
    new = props(retry=True, api_key="k2", endpoint="http://127.0.0.1:9/v2")
    outcome = cycle.diff(state(emulator, api_key="k1"), new)
    assert outcome.changed == ["retry", "api_key", "endpoint"]
    assert outcome.replaces == []
    assert said == [
        f"account {ACCOUNT}: api_key changed (secret, so not shown above)",
        f"account {ACCOUNT} moves from endpoint {emulator.root_url}/… to http://127.0.0.1:9/…: "
        "the account on the old endpoint is left as it is (see docs/ownership.md, "
        "'Moving to another endpoint', to clear it)",
    ]
    assert "k1" not in " ".join(said) and "k2" not in " ".join(said)


def test_diff_without_a_key_change_says_nothing(emulator, make):
    said: List[str] = []
    make(emulator, key=KEY, said=said).diff(state(emulator, api_key="k1"),
                                            props(api_key="k1", retry=True))
    assert said == []


def test_a_rotated_configured_key_is_seen_through_the_fingerprint_in_state(emulator, make):
    said: List[str] = []
    written = state(emulator, key_fingerprint=stack_config.key_fingerprint("old-key"))
    outcome = make(emulator, key="new-key", said=said).diff(written, props())
    assert outcome.changed == ["api_key"]
    assert said == [f"account {ACCOUNT}: api_key changed (secret, so not shown above)"]
    assert make(emulator, key="old-key").diff(written, props()).changed == []


def test_a_state_with_no_key_and_no_fingerprint_has_no_key_to_differ_from(emulator, make):
    assert make(emulator, key="any-key").diff(state(emulator), props()).changed == []


def test_an_old_state_holding_the_configured_key_is_no_change(emulator, make):
    # Versions before the fingerprint kept the configured key itself in the outputs.
    assert make(emulator, key=KEY).diff(state(emulator, api_key=KEY), props()).changed == []


def test_outputs_carry_the_fingerprint_of_the_key_in_use_and_no_configured_key(emulator, make):
    emulator.add_account(ACCOUNT, KEY)
    _, state = make(emulator, key="configured").create(props(api_key=KEY))
    outs = state.outputs()
    assert outs["api_key"] == KEY  # given to the resource: delete needs it
    assert outs["key_fingerprint"] == stack_config.key_fingerprint(KEY)
    outcome = make(emulator, key=KEY).read(ACCOUNT, {"endpoint": emulator.base_url})
    assert "api_key" not in outcome.outputs()
    assert outcome.outputs()["key_fingerprint"] == stack_config.key_fingerprint(KEY)


def test_a_key_from_the_environment_is_kept_in_the_outputs(emulator, monkeypatch, make):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY)  # nothing but the state records it
    _, state = make(emulator).create(props())
    outs = state.outputs()
    assert outs["api_key"] == KEY
    assert outs["key_fingerprint"] == stack_config.key_fingerprint(KEY)


def test_a_key_not_known_yet_is_a_change_but_not_a_rotation(emulator, make):
    said: List[str] = []
    written = state(emulator, key_fingerprint=stack_config.key_fingerprint(KEY))
    outcome = make(emulator, key=KEY, said=said).diff(written, props(api_key=UNKNOWN))
    assert outcome.changed == ["api_key"] and said == []


def test_a_states_inputs_are_the_settings_check_keeps_and_the_endpoint(emulator):
    state = WebhookState(from_state(props(url="", system=True)), emulator.base_url,
                         key_fingerprint="00000000", api_key="k", program=("adopt",))
    # The shape `check` gives: no setting at its default, so a later preview lists exactly
    # the settings that differ.
    assert state.inputs() == {
        "from_number": ACCOUNT, "system": True, "endpoint": emulator.base_url,
        "key_fingerprint": "00000000", "adopt": True}  # internal properties are not kept
    # The dynamic face's outputs are lean and keep the key and the program's other inputs
    # (its refresh and delete see nothing else); the native face's hold every setting.
    assert state.outputs() == dict(state.inputs(), api_key="k")
    assert state.outputs(every_setting=True) == dict(
        props(url="", system=True), endpoint=emulator.base_url, key_fingerprint="00000000")


def test_diff_of_another_account_is_a_replacement(emulator, make):
    outcome = make(emulator, key=KEY).diff(
        state(emulator), props(from_number="972500000002", endpoint=emulator.base_url))
    assert outcome.changed == ["from_number"]
    assert outcome.replaces == ["from_number"]


def test_diff_with_unknown_values_is_a_change_and_an_unknown_account_replaces(emulator, make):
    cycle = make(emulator, key=KEY)
    outcome = cycle.diff(state(emulator), props(url=UNKNOWN, system_phone_alerts=[UNKNOWN],
                                                endpoint=emulator.base_url))
    assert outcome.changed == ["url", "system_phone_alerts"]
    assert outcome.replaces == []
    outcome = cycle.diff(state(emulator), props(from_number=UNKNOWN, api_key=UNKNOWN,
                                                endpoint=emulator.base_url))
    assert outcome.changed == ["from_number", "api_key"]
    assert outcome.replaces == ["from_number"]


def test_diff_normalises_the_number_while_other_values_are_unknown(emulator, make):
    outcome = make(emulator, key=KEY).diff(
        state(emulator), props(from_number="+972 50-000-0001", url=UNKNOWN,
                               endpoint=emulator.base_url))
    assert outcome.changed == ["url"]
    assert outcome.replaces == []


def test_diff_after_refresh_compares_values_the_model_would_reject(emulator, make):
    read_back = props(url="not a url", endpoint=emulator.base_url)
    outcome = make(emulator, key=KEY).diff(state(emulator), read_back)
    assert outcome.changed == ["url"]


# -- verify_url: a new URL is tried before anything is written ---------------------------------

DEAD_URL = "http://127.0.0.1:9/hook"  # nothing listens on the discard port: refused


def test_create_with_verify_url_refuses_a_dead_url_before_any_call(emulator, make):
    with pytest.raises(UnreachableUrlError) as caught:
        make(emulator, key=KEY).create(props(url=DEAD_URL + "?secret=s3", verify_url=True))
    assert emulator.count() == 0
    err = caught.value
    assert err.url == "http://127.0.0.1:9/…"  # path and query hidden
    assert err.cause.startswith("refused")
    assert str(err) == (
        f"webhook URL http://127.0.0.1:9/… is not reachable ({err.cause}); nothing was written "
        "to the account. Fix the URL or the receiver, or remove verify_url=True to skip this "
        "check (the path and query are not shown: they may hold your receiver's secret)")


def test_update_with_verify_url_refuses_a_new_dead_url_and_writes_nothing(emulator, make):
    with pytest.raises(UnreachableUrlError):
        make(emulator, key=KEY).update(props(url=DEAD_URL, verify_url=True),
                                       props(url="https://h.example.com/"))
    with pytest.raises(UnreachableUrlError):
        make(emulator, key=KEY).update(props(url=DEAD_URL, verify_url=True), {})
    assert emulator.count() == 0


def test_update_with_verify_url_does_not_try_an_unchanged_url_again(emulator, make):
    make(emulator, key=KEY).update(props(url=DEAD_URL, verify_url=True, retry=True),
                                   props(url=DEAD_URL))
    assert emulator.account(ACCOUNT)["url"] == DEAD_URL
    assert emulator.account(ACCOUNT)["retry"] == 1


def test_without_verify_url_a_dead_url_is_written(emulator, make):
    make(emulator, key=KEY).update(props(url=DEAD_URL))
    assert emulator.account(ACCOUNT)["url"] == DEAD_URL


SECRET_URL = "https://hooks.example.com/p4th-S3CRET?token=S3CRET"


@pytest.mark.parametrize("current, flags, error", [
    ({"url": "https://theirs.example.com/"}, {}, AccountInUseError),
    ({"url": "https://theirs.example.com/"}, {"adopt": True}, AdoptionMismatchError),
])
def test_a_refused_takeover_never_shows_a_secret_url(emulator, make, current, flags, error):
    emulator.set_account(ACCOUNT, **current)
    with pytest.raises(error) as refused:
        make(emulator, key=KEY).create(props(url=SECRET_URL, __secret_inputs=["url"], **flags))
    assert f"account {ACCOUNT}" in str(refused.value)
    assert "S3CRET" not in str(refused.value)


def test_a_lost_race_never_shows_a_secret_url(emulator, make):
    emulator.add_fault("getWebhook", times=1, delay=0)
    emulator.add_fault("getWebhook", times=1, delay=1.0)
    timer = threading.Timer(0.5, lambda: emulator.set_account(ACCOUNT, url="https://th.em/"))
    timer.start()
    try:
        with pytest.raises(ConcurrentWriteError) as raced:
            make(emulator, key=KEY).create(props(url=SECRET_URL, __secret_inputs=["url"]))
    finally:
        timer.join()
    assert f"account {ACCOUNT}" in str(raced.value) and "S3CRET" not in str(raced.value)


def test_the_refusal_of_matching_settings_names_the_account_and_the_variable(emulator, make):
    emulator.set_account(ACCOUNT, url="https://h.example.com/")
    with pytest.raises(AccountAlreadyConfiguredError) as refused:
        make(emulator, key=KEY).create(props())
    assert f"account {ACCOUNT}" in str(refused.value)
    assert "WA_WEBHOOK_ADOPT=1" in str(refused.value)


def test_the_programs_other_inputs_are_kept_in_the_state(emulator, make):
    _, state = make(emulator, key=KEY).create(props(overwrite=True, verify_url=False))
    assert state.program == ("overwrite",)
    assert state.outputs()["overwrite"] is True and "adopt" not in state.outputs()
    _, plain = make(emulator, key="test-key-2").create(props(from_number="972500000002"))
    assert plain.program == () and plain.api_key is None


def test_while_the_secret_names_are_unknown_every_changed_setting_counts_as_secret(emulator,
                                                                                 make):
    said: List[str] = []
    core = make(emulator, key=KEY, said=said)
    stored = dict(props(), endpoint=emulator.base_url)
    core.diff(stored, dict(props(url="https://new.example.com/"), __secret_inputs=UNKNOWN))
    assert said == [f"account {ACCOUNT}: url changes (a secret, so shown only as [secret])"]


def test_an_endpoint_move_with_a_new_number_is_told_with_the_new_number(emulator, make):
    said: List[str] = []
    core = make(emulator, key=KEY, said=said)
    stored = dict(props(), endpoint="https://old.example.com/v2")
    core.diff(stored, dict(props(from_number="972500000002"), endpoint=emulator.base_url))
    assert [line for line in said if "972500000002" in line] != []
    assert not [line for line in said if ACCOUNT in line]
