"""The emulator's backend: what its state file keeps across restarts, which state files it
refuses, how faults are validated and served, and its out-of-band account handling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from pulumi_wa_webhook.emulator import EmulatorBackend, running_emulator
from pulumi_wa_webhook.emulator.backend import (
    Fault,
    StateFileError,
    account_number,
    call_name,
    redact,
)
from pulumi_wa_webhook.emulator.deliveries import Deliveries

ACCOUNT = "972500000001"
KEY = "test-key-1"
OTHER = "972500000002"
CLEARED = {"url": "", "system": 0, "systemPhoneAlert": "", "readStatus": 0, "retry": 0}


def get(backend: EmulatorBackend, number: str = ACCOUNT, key: str = KEY) -> Dict[str, Any]:
    return backend.get_webhook({"from": number, "apiKey": key})


# -- the state file ----------------------------------------------------------------------------


def test_a_new_state_file_is_written_with_the_given_accounts(tmp_path: Path):
    state = tmp_path / "state.json"
    EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    assert json.loads(state.read_text(encoding="utf-8"))["version"] == 1
    assert get(EmulatorBackend(state_file=state))["status"] == "OK"


def test_an_empty_emulator_with_a_state_file_creates_it(tmp_path: Path):
    state = tmp_path / "state.json"
    assert EmulatorBackend(state_file=state).state_file == str(state)
    assert json.loads(state.read_text(encoding="utf-8")) == {"version": 1, "accounts": {}}


def test_added_accounts_changed_keys_and_edited_settings_survive_a_restart(tmp_path: Path):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    backend.add_account(OTHER, "other-key")
    backend.add_account(ACCOUNT, "rotated-key")
    backend.set_account(OTHER, {"url": "https://drift.example/", "system": "1"})
    backend.set_account("972500000003", {"retry": 1}, api_key="third-key")

    restarted = EmulatorBackend(state_file=state)
    assert get(restarted)["reason"] == 3  # the old key no longer works
    assert get(restarted, key="rotated-key")["status"] == "OK"
    assert restarted.account(OTHER) == {**CLEARED, "url": "https://drift.example/", "system": 1}
    assert get(restarted, OTHER, "other-key")["url"] == "https://drift.example/"
    assert restarted.account("972500000003") == {**CLEARED, "retry": 1}
    assert get(restarted, "972500000003", "third-key")["retry"] == 1


def test_settings_written_through_the_api_and_removals_survive_a_restart(tmp_path: Path):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({ACCOUNT: KEY, OTHER: "other-key"}, state_file=state)
    backend.set_webhook({"from": ACCOUNT, "apiKey": KEY, "readStatus": 1,
                         "systemPhoneAlert": "972500000009"})
    backend.remove_account(OTHER)
    restarted = EmulatorBackend(state_file=state)
    assert restarted.accounts() == {
        ACCOUNT: {**CLEARED, "readStatus": 1, "systemPhoneAlert": "972500000009"}}


def test_a_re_key_alone_through_set_account_survives_a_restart(tmp_path: Path):
    state = tmp_path / "state.json"
    EmulatorBackend({ACCOUNT: KEY}, state_file=state).set_account(ACCOUNT, {}, api_key="k2")
    assert get(EmulatorBackend(state_file=state), key="k2")["status"] == "OK"


def test_the_state_file_is_rewritten_only_when_something_changed(tmp_path: Path):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    backend.set_account(ACCOUNT, {"url": "u"})
    written = state.stat().st_ino  # each save replaces the file
    backend.set_account(ACCOUNT, {"url": "u"})
    backend.set_account(ACCOUNT, {"url": "u"}, api_key=KEY)
    backend.add_account(ACCOUNT, KEY)
    backend.set_webhook({"from": ACCOUNT, "apiKey": KEY, "url": "u"})
    EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    assert state.stat().st_ino == written
    backend.set_webhook({"from": ACCOUNT, "apiKey": KEY, "retry": 1})
    assert state.stat().st_ino != written


def test_a_key_changed_for_one_of_several_accounts_at_start_is_saved(tmp_path: Path):
    state = tmp_path / "state.json"
    EmulatorBackend({ACCOUNT: KEY, OTHER: "other-key"}, state_file=state)
    EmulatorBackend({ACCOUNT: "new-key", OTHER: "other-key"}, state_file=state)
    assert get(EmulatorBackend(state_file=state), key="new-key")["status"] == "OK"


def test_the_state_file_is_sorted_indented_json(tmp_path: Path):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({OTHER: "k2", ACCOUNT: KEY}, state_file=state)
    backend.set_account(ACCOUNT, {"url": "https://é.example/"})
    data = json.loads(state.read_text(encoding="utf-8"))
    assert data["accounts"][ACCOUNT]["url"] == "https://é.example/"
    assert state.read_text(encoding="utf-8") == json.dumps(data, indent=2, sort_keys=True) + "\n"


def test_a_failed_save_leaves_the_old_state_and_no_temporary_file(tmp_path: Path, monkeypatch):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    before = state.read_text(encoding="utf-8")
    replaced = []

    def failing_replace(source, target):
        replaced.append(Path(source))
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        backend.set_account(ACCOUNT, {"url": "u"})
    [temporary] = replaced
    assert temporary.parent == tmp_path  # same file system: the replace is atomic
    assert temporary.name.startswith(".emulator-state-") and temporary.name.endswith(".tmp")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert state.read_text(encoding="utf-8") == before


def test_a_failed_save_reports_its_cause_even_if_the_temporary_file_is_gone(
        tmp_path: Path, monkeypatch):
    state = tmp_path / "state.json"
    backend = EmulatorBackend({ACCOUNT: KEY}, state_file=state)

    def failing_replace(source, target):
        Path(source).unlink()  # e.g. the directory was cleaned up meanwhile
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):  # not the cleanup's FileNotFoundError
        backend.set_account(ACCOUNT, {"url": "u"})


def test_keys_given_again_re_key_without_touching_settings(tmp_path: Path):
    state = tmp_path / "state.json"
    EmulatorBackend({ACCOUNT: KEY}, state_file=state).set_account(ACCOUNT, {"url": "u"})
    EmulatorBackend({ACCOUNT: "new-key"}, state_file=state)
    restarted = EmulatorBackend(state_file=state)
    assert get(restarted, key="new-key")["url"] == "u"
    assert KEY not in state.read_text(encoding="utf-8")
    assert "new-key" not in state.read_text(encoding="utf-8")


def stored(accounts: Dict[str, Any], version: Any = 1) -> str:
    return json.dumps({"version": version, "accounts": accounts})


DIGEST = "0" * 64


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{broken", "cannot read state file"),
        (stored({}, version=2), "unsupported version 2"),
        (json.dumps({"version": 1}), "is not valid"),
        ("[]", "is not valid"),
        (stored({ACCOUNT: {"keyDigest": DIGEST, "url": 5}}), f"account {ACCOUNT}: url must be a "
                                                             "string"),
        (stored({ACCOUNT: {"keyDigest": DIGEST, "retry": 2}}), f"account {ACCOUNT}: retry must "
                                                               "be 0 or 1"),
        (stored({ACCOUNT: {"keyDigest": 5}}), f"account {ACCOUNT}: keyDigest must be a string"),
        (stored({ACCOUNT: {"url": ""}}), "keyDigest"),
    ],
)
def test_state_files_that_are_not_emulator_state_are_refused(tmp_path: Path, text, words):
    state = tmp_path / "state.json"
    state.write_text(text, encoding="utf-8")
    with pytest.raises(StateFileError) as caught:
        EmulatorBackend(state_file=state)
    assert str(state) in str(caught.value)
    assert words in str(caught.value)


def test_a_state_file_may_leave_out_default_settings(tmp_path: Path):
    state = tmp_path / "state.json"
    state.write_text(stored({ACCOUNT: {"keyDigest": DIGEST, "system": "1",
                                       "url": "https://é.example/"}}), encoding="utf-8")
    assert EmulatorBackend(state_file=state).account(ACCOUNT) == {
        **CLEARED, "system": 1, "url": "https://é.example/"}


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 199}, {"status": 600}, {"status": True}, {"status": 503.0},
        {"times": 0}, {"times": -1}, {"times": True}, {"times": 1.5, "status": 503},
        {"delay": -0.1}, {"delay": "1"}, {"delay": True},
        {"reset": "yes"}, {"reset": 1},
        {"body": 5}, {"body": {"status": "OK"}},
        {"reason": "3"}, {"reason": True},
        {"status": 503, "body": "x"}, {"reset": True, "reason": 3},
        {"path": "getWebhook"},
        {"path": "deleteWebhook", "status": 503},
        {"times": 2},
    ],
)
def test_invalid_faults_are_refused(fault):
    with pytest.raises(ValueError):
        Fault.from_dict({"path": "*", **fault})


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 200}, {"status": 599}, {"delay": 0}, {"delay": 0.5}, {"delay": 2},
        {"delay": 300},
        {"reset": True}, {"body": ""}, {"body": "not json"}, {"reason": 9},
        {"delay": 0.5, "status": 503}, {"path": "/whatsapp/v2/getWebhook", "reason": 2},
        {"path": "*", "times": 3, "reset": True},
    ],
)
def test_valid_faults_are_kept_as_given(fault):
    fault = {"path": "*", **fault}
    data = Fault.from_dict(fault).to_dict()
    expected = {"times": 1, **fault, "path": call_name(fault["path"]) or "*"}
    assert data == expected
    assert isinstance(data.get("delay", 0.0), float)


@pytest.mark.parametrize(("fault", "message"), [
    ({"path": "x", "status": 503}, "fault path must be one of setWebhook, getWebhook or '*'"),
    ({"times": 0}, "fault 'times' must be a positive integer"),
    ({"status": 600}, "fault 'status' must be an HTTP status code (200-599)"),
    ({"delay": -1}, "fault 'delay' must be a number of seconds from 0 to 300"),
    ({"body": 1}, "fault 'body' must be a string (the raw answer text)"),
    ({"reason": "x"}, "fault 'reason' must be an integer reason code"),
    ({"reset": 1}, "fault 'reset' must be true or false"),
    ({}, "a fault needs one of status, delay, reset, body or reason"),
    ({"status": 503, "reset": True}, "a fault takes one of status/reset/body/reason, "
                                     "got ['status', 'reset']"),
    ({"body": "", "reason": 3}, "a fault takes one of status/reset/body/reason, "
                                "got ['body', 'reason']"),
    ({"colour": "red", "size": 1}, "unknown fault fields: colour, size"),
])
def test_fault_errors_say_what_is_wrong(fault, message):
    with pytest.raises(ValueError) as caught:
        Fault.from_dict({"path": "*", **fault})
    assert str(caught.value) == message


@pytest.mark.parametrize("fault", [{"reset": True}, {"status": 503}, {}])
def test_a_fault_without_path_is_refused_and_points_at_clearing(fault):
    """The admin endpoint's JSON names the call a fault is for: `{"reset": true}` (perhaps
    meant as "clear the faults") is not queued as a connection reset for every call."""
    with pytest.raises(ValueError) as caught:
        Fault.from_dict(fault)
    assert str(caught.value) == ("a fault needs a 'path' (setWebhook, getWebhook or '*', every "
                                 "call); to clear the queued faults, send DELETE "
                                 "/_emulator/faults")


def admin_faults(emu, method: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{emu.root_url}/_emulator/faults", timeout=5, **kwargs)


def api(emu, call: str, **body: Any) -> requests.Response:
    return requests.post(f"{emu.base_url}/{call}", json={"from": ACCOUNT, "apiKey": KEY, **body},
                         timeout=5)


def test_delay_and_body_faults_over_the_admin_api():
    with running_emulator({ACCOUNT: KEY}) as emu:
        assert admin_faults(emu, "POST", json={"path": "getWebhook", "delay": 0.3}).status_code \
            == 200
        assert admin_faults(emu, "POST", json={"path": "setWebhook", "body": "<html>"}
                            ).status_code == 200
        assert admin_faults(emu, "GET").json() == [
            {"path": "getWebhook", "times": 1, "delay": 0.3},
            {"path": "setWebhook", "times": 1, "body": "<html>"},
        ]
        slow = api(emu, "getWebhook")
        assert slow.elapsed.total_seconds() >= 0.3
        assert slow.json()["status"] == "OK"  # a delay only: answered normally, late
        assert api(emu, "setWebhook", url="https://x.example/").text == "<html>"
        assert emu.account(ACCOUNT)["url"] == ""  # a body fault answers instead of the API
        assert admin_faults(emu, "GET").json() == []


def test_faults_are_added_listed_and_cleared_over_the_admin_api():
    """The three documented fault endpoints (docs/receivers-and-emulator.md)."""
    with running_emulator({ACCOUNT: KEY}) as emu:
        refused = admin_faults(emu, "POST", json={"reset": True})
        assert refused.status_code == 400 and "DELETE /_emulator/faults" in refused.text
        assert admin_faults(emu, "GET").json() == []  # nothing queued by mistake
        added = admin_faults(emu, "POST", json={"path": "*", "reset": True, "times": 2})
        assert added.json() == {"status": "OK", "fault": {"path": "*", "times": 2, "reset": True}}
        admin_faults(emu, "POST", json={"path": "setWebhook", "status": 503,
                                        "account": ACCOUNT})
        assert admin_faults(emu, "GET").json() == [
            {"path": "*", "times": 2, "reset": True},
            {"path": "setWebhook", "times": 1, "status": 503, "account": ACCOUNT},
        ]
        assert admin_faults(emu, "DELETE").json() == {"status": "OK", "cleared": 2}
        assert admin_faults(emu, "GET").json() == []
        assert api(emu, "getWebhook").json()["status"] == "OK"  # served normally again
        assert admin_faults(emu, "PUT", json={}).status_code == 405


def test_faults_are_served_in_order_for_their_call_and_count_down():
    backend = EmulatorBackend({ACCOUNT: KEY})
    backend.add_fault(Fault("setWebhook", times=2, status=503))
    backend.add_fault(Fault("*", reason=3))
    assert backend.take_fault("getWebhook").reason == 3  # the first that matches getWebhook
    assert backend.faults() == [{"path": "setWebhook", "times": 2, "status": 503}]
    assert backend.take_fault("setWebhook").status == 503
    assert backend.faults() == [{"path": "setWebhook", "times": 1, "status": 503}]
    assert backend.take_fault("setWebhook").status == 503
    assert backend.take_fault("setWebhook") is None
    backend.add_fault(Fault(reset=True))
    backend.add_fault(Fault(reset=True))
    assert backend.clear_faults() == 2
    assert backend.faults() == []


# -- accounts, calls and the log ---------------------------------------------------------------


def test_out_of_band_changes_are_validated():
    backend = EmulatorBackend({ACCOUNT: KEY})
    with pytest.raises(ValueError, match=r"unknown fields: colour, size \(allowed: url, system"):
        backend.set_account(ACCOUNT, {"colour": "red", "size": 1})
    with pytest.raises(ValueError, match="url must be a string"):
        backend.set_account(ACCOUNT, {"url": 5})
    with pytest.raises(ValueError, match="system must be 0 or 1"):
        backend.set_account(ACCOUNT, {"system": True})
    with pytest.raises(KeyError) as caught:
        backend.set_account(OTHER, {"url": "u"})
    assert caught.value.args == (OTHER,)
    with pytest.raises(ValueError, match="must be a non-empty string"):
        backend.add_account(OTHER, "")
    with pytest.raises(ValueError) as caught:
        backend.add_account("", "k")
    assert str(caught.value) == ("the account number must be up to 15 digits in international "
                                 "format, e.g. 972500000001 (got '')")
    assert backend.accounts() == {ACCOUNT: CLEARED}
    assert backend.account(OTHER) is None


def test_set_account_stores_strings_as_given_and_switches_as_numbers():
    backend = EmulatorBackend({ACCOUNT: KEY})
    assert backend.set_account(ACCOUNT, {"url": " ", "systemPhoneAlert": "0501234567",
                                         "readStatus": "1", "retry": 1}) == {
        **CLEARED, "url": " ", "systemPhoneAlert": "0501234567", "readStatus": 1, "retry": 1}


def test_calls_by_name_and_answers():
    backend = EmulatorBackend({ACCOUNT: KEY})
    answer = backend.call("setWebhook", {"from": int(ACCOUNT), "apiKey": KEY, "url": "u",
                                         "system": "1", "retry": 1})
    assert answer == {"status": "OK", "url": "u", "system": 1, "systemPhoneAlert": "",
                      "readStatus": 0, "retry": 1, "reason": 1}
    assert backend.call("getWebhook", {"from": ACCOUNT, "apiKey": KEY}) == {
        "status": "OK", "url": "u", "system": "1", "systemPhoneAlert": "", "retry": 1,
        "readStatus": 0, "reason": 1}
    assert backend.call("getWebhook", {"from": True, "apiKey": KEY})["reason"] == 2
    assert backend.call("getWebhook", {"from": ACCOUNT})["reason"] == 3
    with pytest.raises(ValueError, match="unknown call 'deleteWebhook'"):
        backend.call("deleteWebhook", {})
    bad = backend.call("setWebhook", {"from": ACCOUNT, "apiKey": KEY, "retry": 2})
    assert bad == {"status": "FAIL", "reason": 4,
                   "message": "invalid value for 'retry': expected 0 or 1"}
    bad = backend.call("setWebhook", {"from": ACCOUNT, "apiKey": KEY, "url": None})
    assert bad == {"status": "FAIL", "reason": 4,
                   "message": "invalid value for 'url': expected a string (send \" \" to clear it)"}


def test_call_names_from_paths():
    assert call_name("/whatsapp/v2/setWebhook/") == "setWebhook"
    assert call_name("getWebhook") == "getWebhook"
    assert call_name("/whatsapp/v2/deleteWebhook") is None
    assert call_name("/whatsapp/v2/setWebhookX") is None
    assert call_name("/whatsapp/v2/getWebhook ") is None


def test_keys_are_redacted_at_any_depth_and_the_log_keeps_order():
    body = {"apiKey": "k", "nested": [{"API_KEY": "k", "token": "t"}, "x"], "from": "1"}
    assert redact(body) == {"apiKey": "***", "nested": [{"API_KEY": "***", "token": "***"}, "x"],
                            "from": "1"}
    backend = EmulatorBackend(log_limit=2)
    for n in range(3):
        logged = backend.log_request(f"/whatsapp/v2/getWebhook{n}", {"n": n, "apiKey": "k"})
        assert logged["body"] == {"n": n, "apiKey": "***"}
        logged["body"]["n"] = "changed by a test"
    backend.log_request("/whatsapp/v2/setWebhook", None)
    assert [e["body"] for e in backend.requests()] == [{"n": 2, "apiKey": "***"},
                                                        {"malformed": True}]
    assert [e["path"] for e in backend.requests("setWebhook")] == ["/whatsapp/v2/setWebhook"]
    backend.requests()[0]["body"]["n"] = "changed by a test"  # a copy: the log is unchanged
    assert backend.requests()[0]["body"] == {"n": 2, "apiKey": "***"}
    assert backend.clear_requests() == 2
    assert backend.requests() == []


def test_the_log_keeps_the_last_ten_thousand_calls_by_default():
    backend = EmulatorBackend()
    for n in range(10_001):
        backend.log_request("/whatsapp/v2/getWebhook", {"n": n})
    entries = backend.requests()
    assert len(entries) == 10_000 and entries[0]["body"] == {"n": 1}


def test_an_account_added_alone_survives_a_restart(tmp_path: Path):
    state = tmp_path / "state.json"
    EmulatorBackend({ACCOUNT: KEY}, state_file=state).add_account(OTHER, "other-key")
    assert get(EmulatorBackend(state_file=state), OTHER, "other-key")["status"] == "OK"


def test_messages_go_only_to_accounts_with_a_webhook_url():
    backend = EmulatorBackend({ACCOUNT: KEY})
    message = {"from": "972501111111", "body": "hi", "type": "text"}
    try:
        with pytest.raises(KeyError) as caught:
            backend.send_message(OTHER, message)
        assert caught.value.args == (OTHER,)
        with pytest.raises(ValueError) as refused:
            backend.send_message(ACCOUNT, message)
        assert str(refused.value) == (f"account {ACCOUNT} has no webhook URL: set one "
                                      "(setWebhook) before sending messages to it")
        backend.set_account(ACCOUNT, {"url": "http://127.0.0.1:9/hook"})
        delivery = backend.deliveries.get(backend.send_message(ACCOUNT, message))
        assert delivery is not None
        assert (delivery["account"], delivery["url"]) == (ACCOUNT, "http://127.0.0.1:9/hook")
    finally:
        backend.close()


# -- account numbers and construction ----------------------------------------------------------


@pytest.mark.parametrize(("given", "number"), [
    (972500000001, ACCOUNT), (" +972 50 000 0001 ", ACCOUNT), ("1", "1"),
    ("123456789012345", "123456789012345"),  # 15 digits, the longest E.164 number
])
def test_account_numbers_the_emulator_accepts(given, number):
    assert account_number(given) == number


@pytest.mark.parametrize("given", [True, None, 9.725e11, ["972500000001"]])
def test_account_numbers_must_be_digits_not_other_types(given):
    with pytest.raises(ValueError) as caught:
        account_number(given)
    assert str(caught.value) == "the account number must be a string of digits"


@pytest.mark.parametrize("given", ["1234567890123456", "", "+", "\u0669\u0667\u0662", "97250-1"])
def test_account_numbers_beyond_15_digits_or_not_ascii_digits_are_refused(given):
    with pytest.raises(ValueError, match="must be up to 15 digits in international format"):
        account_number(given)


def test_accounts_added_from_python_must_be_canonical():
    backend = EmulatorBackend({ACCOUNT: KEY})
    with pytest.raises(ValueError) as caught:
        backend.add_account("+972 50 000 0003", "key-3")
    assert str(caught.value) == (
        "account '+972 50 000 0003': give the number as digits only, no + or spaces")
    assert list(backend.accounts()) == [ACCOUNT]


def test_a_state_file_in_a_missing_directory_is_refused_naming_it(tmp_path: Path):
    missing = tmp_path / "no"
    with pytest.raises(StateFileError) as caught:
        EmulatorBackend({ACCOUNT: KEY}, state_file=missing / "state.json")
    assert str(caught.value) == (
        f"cannot keep state in {missing / 'state.json'}: the directory {missing} does not exist")


def test_deliveries_run_on_the_real_schedule_unless_scaled_or_injected():
    assert EmulatorBackend().deliveries.time_scale == 1.0
    assert EmulatorBackend(time_scale=3600).deliveries.time_scale == 3600.0
    injected = Deliveries(time_scale=10)
    assert EmulatorBackend(deliveries=injected).deliveries is injected
