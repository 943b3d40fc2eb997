"""Emulator deliveries over real HTTP to receivers started by the tests on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest
import requests
from receivers import closed_port

from pulumi_wa_webhook.delivery import RETRY_WAITS, Attempt
from pulumi_wa_webhook.emulator.deliveries import Deliveries
from pulumi_wa_webhook.emulator.testing import TEST_ACCOUNTS, running_emulator

ACCOUNT = "972500000001"
SENDER = "972507654321"
#: Every documented payload field and its type in 99digital's example.
PAYLOAD_TYPES = {
    "status": str, "hook": str, "unique": str, "from": str, "from_id": str,
    "username": type(None), "country": str, "phone": str, "to": str, "senderName": str,
    "type": str, "body": str, "caption": str, "isForwarded": bool, "timestamp": str,
    "media": bool, "quote": bool, "quoteUnique": bool, "profilePic": str,
    "conversationTimeLeft": str,
}  # fmt: skip


@pytest.fixture
def emu():
    with running_emulator(TEST_ACCOUNTS) as emulator:
        yield emulator


def gaps(receiver):
    times = [r.at for r in receiver.received]
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_a_message_sent_over_http_is_delivered_with_the_documented_payload(emu, make_receiver):
    receiver = make_receiver()
    emu.set_account(ACCOUNT, url=receiver.url("/wa/incoming?token=abc"))
    answer = requests.post(f"{emu.root_url}/_emulator/accounts/{ACCOUNT}/messages",
                           json={"from": "+972 50-765-4321", "body": "Hello!",
                                 "type": "text", "senderName": "Dana"}, timeout=5)
    assert answer.status_code == 202
    delivery_id = answer.json()["delivery"]
    delivery = emu.wait_for_delivery(delivery_id, timeout=10)

    assert delivery["outcome"] == "delivered"
    [attempt] = delivery["attempts"]
    assert attempt["status"] == 200 and attempt["error"] is None and attempt["seconds"] < 5
    datetime.fromisoformat(attempt["at"])
    [got] = receiver.received
    assert got.path == "/wa/incoming?token=abc"
    assert got.headers["Content-Type"] == "application/json"
    payload = got.body
    assert payload == delivery["payload"]
    assert {name: type(value) for name, value in payload.items()} == PAYLOAD_TYPES
    assert payload["status"] == "OK" and payload["hook"] == "new"
    assert re.fullmatch(r"[0-9A-F]{32}", payload["unique"])
    assert payload["from"] == payload["phone"] == SENDER and payload["to"] == ACCOUNT
    assert re.fullmatch(r"IL\.\d{16}", payload["from_id"]) and payload["country"] == "IL"
    assert (payload["type"], payload["body"], payload["senderName"]) == ("text", "Hello!", "Dana")
    assert abs(int(payload["timestamp"]) - time.time()) < 60
    assert payload["conversationTimeLeft"].isdigit()

    listed = requests.get(f"{emu.root_url}/_emulator/deliveries", timeout=5).json()
    assert [d["id"] for d in listed] == [delivery_id]
    assert set(listed[0]) >= {"id", "account", "url", "payload", "outcome", "attempts"}
    one = requests.get(f"{emu.root_url}/_emulator/deliveries/{delivery_id}", timeout=5).json()
    assert one == delivery


def test_from_id_is_stable_per_sender_and_account(emu, make_receiver):
    emu.set_account(ACCOUNT, url=make_receiver().url())
    ids = [emu.send_message(ACCOUNT, SENDER, f"m{i}") for i in range(2)]
    first, second = (emu.wait_for_delivery(i, 10)["payload"] for i in ids)
    assert first["from_id"] == second["from_id"] and first["unique"] != second["unique"]


@pytest.mark.parametrize(("number", "body", "status", "words"), [
    ("972500000099", {"from": SENDER, "body": "x"}, 404, "no account 972500000099"),
    ("972500000002", {"from": SENDER, "body": "x"}, 409, "has no webhook URL"),
    (ACCOUNT, {"body": "x"}, 400, "from: must be a string"),
    (ACCOUNT, {"from": "0507654321", "body": "x"}, 400, "local format"),
    (ACCOUNT, {"from": SENDER}, 400, "body: must be a string"),
    (ACCOUNT, {"from": SENDER, "body": "x", "type": "sticker"}, 400, "type: must be one of"),
    (ACCOUNT, {"from": SENDER, "body": "x", "hook": "status"}, 400, "unknown message fields"),
])
def test_bad_messages_get_a_clear_answer_and_no_delivery(emu, number, body, status, words):
    emu.set_account(ACCOUNT, url="http://127.0.0.1:9/hook")
    answer = requests.post(f"{emu.root_url}/_emulator/accounts/{number}/messages", json=body,
                           timeout=5)
    assert answer.status_code == status
    assert words in answer.json()["error"]
    assert emu.deliveries() == []


def test_retry_off_makes_one_attempt(emu, make_receiver):
    receiver = make_receiver(statuses=[500, 200])
    emu.set_account(ACCOUNT, url=receiver.url(), retry=0)
    delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 10)
    assert delivery["outcome"] == "failed"
    assert [(a["status"], a["error"]) for a in delivery["attempts"]] == [(500, None)]
    time.sleep(0.3)  # nothing else arrives
    assert len(receiver.received) == 1


def test_retry_on_tries_again_immediately_then_after_the_scaled_wait(make_receiver):
    scale = 300  # the 5-minute wait becomes 1 s
    receiver = make_receiver(statuses=[500, 503, 200])
    with running_emulator(TEST_ACCOUNTS, time_scale=scale) as emu:
        emu.set_account(ACCOUNT, url=receiver.url(), retry=1)
        delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 20)
    assert delivery["outcome"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    immediately, five_minutes = gaps(receiver)
    assert immediately < 0.5
    assert RETRY_WAITS[1] / scale <= five_minutes < RETRY_WAITS[1] / scale + 1.5


def test_retry_on_gives_up_after_the_24_hour_attempt(make_receiver):
    scale = 36_000  # 24 h become 2.4 s; the whole schedule about 3 s
    receiver = make_receiver(statuses=[502])
    with running_emulator(TEST_ACCOUNTS, time_scale=scale) as emu:
        emu.set_account(ACCOUNT, url=receiver.url(), retry=1)
        delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 30)
    assert delivery["outcome"] == "failed"
    assert len(delivery["attempts"]) == len(receiver.received) == 7
    observed = gaps(receiver)
    for seen, wait in zip(observed, RETRY_WAITS, strict=False):
        assert wait / scale <= seen < wait / scale + 0.5, (observed, wait)


def test_the_schedule_runs_on_an_injected_clock():
    sleeps: list[float] = []
    answers = iter([500, 500, 500, 200])
    deliveries = Deliveries(
        time_scale=10,
        sleep=lambda seconds: bool(sleeps.append(seconds)),
        now=lambda: 1_600_517_209.0,
        send=lambda url, body, timeout: Attempt(next(answers), None, 0.01),
    )
    delivery_id = deliveries.start(ACCOUNT, "http://receiver.example/hook", True, {})
    delivery = deliveries.wait(delivery_id, timeout=5)
    assert delivery["outcome"] == "delivered" and len(delivery["attempts"]) == 4
    assert sleeps == [wait / 10 for wait in RETRY_WAITS[:3]]
    assert delivery["attempts"][0]["at"] == "2020-09-19T12:06:49.000+00:00"

    failing = Deliveries(sleep=lambda seconds: bool(sleeps.append(seconds)),
                         send=lambda url, body, timeout: Attempt(None, "refused: ...", 0.0))
    sleeps.clear()
    assert failing.wait(failing.start(ACCOUNT, "http://x.example/", True, {}), 5)["outcome"] \
        == "failed"
    assert sleeps == list(RETRY_WAITS)  # scale 1: the real 5 min ... 24 h


def test_a_receiver_that_answers_in_6_seconds_is_a_timeout(emu, make_receiver):
    receiver = make_receiver(delay=6)  # the 5-second limit is never scaled
    emu.set_account(ACCOUNT, url=receiver.url())
    delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 15)
    [attempt] = delivery["attempts"]
    assert delivery["outcome"] == "failed"
    assert attempt["status"] is None and attempt["error"].startswith("timeout")
    assert 4.9 <= attempt["seconds"] < 6


@pytest.mark.parametrize(("url", "kind"), [
    pytest.param(f"http://127.0.0.1:{closed_port()}/hook",
                 "refused: connection refused by 127.0.0.1:", id="closed-port"),
    pytest.param("http://receiver.invalid/hook", "DNS: cannot resolve host 'receiver.invalid'",
                 id="unknown-host"),
])
def test_unreachable_receivers_are_named_by_cause(emu, url, kind):
    emu.set_account(ACCOUNT, url=url)
    delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 10)
    [attempt] = delivery["attempts"]
    assert delivery["outcome"] == "failed" and attempt["status"] is None
    assert attempt["error"].startswith(kind)


def test_a_receiver_with_an_untrusted_certificate_is_a_tls_error(emu, self_signed_receiver):
    emu.set_account(ACCOUNT, url=self_signed_receiver)
    delivery = emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 10)
    assert delivery["attempts"][0]["error"].startswith("TLS: handshake with 127.0.0.1:")
    assert "certificate" in delivery["attempts"][0]["error"]


def test_five_accounts_are_delivered_concurrently(emu, make_receiver):
    # Each answer waits until all five requests are in: serial deliveries would break the
    # barrier (answer 500) instead of all being delivered.
    receiver = make_receiver(barrier=threading.Barrier(5, timeout=4))
    accounts = [f"9725000001{i:02d}" for i in range(5)]
    for number in accounts:
        emu.set_account(number, apiKey=f"key-{number}", url=receiver.url(f"/{number}"), retry=0)
    ids = [emu.send_message(number, SENDER, "hi") for number in accounts]
    outcomes = [emu.wait_for_delivery(i, 10) for i in ids]
    assert [d["outcome"] for d in outcomes] == ["delivered"] * 5
    assert sorted(r.path for r in receiver.received) == [f"/{n}" for n in accounts]
    assert [d["payload"]["to"] for d in outcomes] == accounts


def test_api_calls_are_answered_while_a_delivery_is_in_flight(emu, make_receiver):
    receiver = make_receiver(hold=threading.Event())
    emu.set_account(ACCOUNT, url=receiver.url())
    answer = requests.post(f"{emu.root_url}/_emulator/accounts/{ACCOUNT}/messages",
                           json={"from": SENDER, "body": "hi"}, timeout=2)
    assert answer.status_code == 202
    for _ in range(50):  # the receiver has the request but has not answered
        if receiver.received:
            break
        time.sleep(0.05)
    [listed] = requests.get(f"{emu.root_url}/_emulator/deliveries", timeout=2).json()
    assert listed["outcome"] == "pending" and listed["attempts"] == []
    api = requests.post(f"{emu.base_url}/getWebhook",
                        json={"from": ACCOUNT, "apiKey": "test-key-1"}, timeout=2)
    assert api.json()["status"] == "OK"
    receiver.hold.set()
    assert emu.wait_for_delivery(answer.json()["delivery"], 10)["outcome"] == "delivered"


def test_the_cli_help_recipe_works_with_a_time_scale(make_receiver):
    receiver = make_receiver(statuses=[500, 200])
    command = [sys.executable, "-m", "pulumi_wa_webhook.emulator", "--port", "0",
               "--account", f"{ACCOUNT}:ci-key", "--time-scale", "3600"]
    help_text = subprocess.run([*command[:3], "--help"], capture_output=True, text=True,
                               check=True).stdout
    assert "--time-scale" in help_text and "/messages" in help_text and "deliveries" in help_text
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        root = proc.stdout.readline().split()[-1].rsplit("/whatsapp", 1)[0] + "/_emulator"
        requests.put(f"{root}/accounts/{ACCOUNT}", json={"url": receiver.url(), "retry": 1},
                     timeout=5).raise_for_status()
        sent = requests.post(f"{root}/accounts/{ACCOUNT}/messages",
                             json={"from": SENDER, "body": "hi"}, timeout=5)
        delivery_id = sent.json()["delivery"]
        for _ in range(100):
            delivery = requests.get(f"{root}/deliveries/{delivery_id}", timeout=5).json()
            if delivery["outcome"] != "pending":
                break
            time.sleep(0.05)
        assert delivery["outcome"] == "delivered"
        assert [a["status"] for a in delivery["attempts"]] == [500, 200]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("value", ["0", "-5", "fast"])
def test_a_bad_time_scale_is_refused(value):
    result = subprocess.run([sys.executable, "-m", "pulumi_wa_webhook.emulator",
                             "--time-scale", value], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--time-scale" in result.stderr


def test_stopping_the_emulator_ends_pending_deliveries(make_receiver):
    receiver = make_receiver(statuses=[500])
    with running_emulator(TEST_ACCOUNTS) as emu:  # scale 1: the next try is 5 minutes away
        emu.set_account(ACCOUNT, url=receiver.url(), retry=1)
        delivery_id = emu.send_message(ACCOUNT, SENDER, "hi")
        for _ in range(100):
            if len(emu.deliveries()[0]["attempts"]) == 2:
                break
            time.sleep(0.05)
        started = time.monotonic()
    assert time.monotonic() - started < 60  # not the 5 minutes until the next try
    assert emu.backend.deliveries.get(delivery_id)["outcome"] == "pending"
    assert not [t for t in threading.enumerate() if t.name == f"delivery-{delivery_id}"]


def test_finished_deliveries_can_be_forgotten_and_unknown_ids_are_404(emu, make_receiver):
    emu.set_account(ACCOUNT, url=make_receiver().url())
    emu.wait_for_delivery(emu.send_message(ACCOUNT, SENDER, "hi"), 10)
    admin = f"{emu.root_url}/_emulator/deliveries"
    assert requests.get(f"{admin}/nope", timeout=5).status_code == 404
    assert requests.post(admin, json={}, timeout=5).status_code == 405
    assert requests.get(f"{emu.root_url}/_emulator/accounts/{ACCOUNT}/messages",
                        timeout=5).status_code == 405
    assert requests.delete(admin, timeout=5).json() == {"status": "OK", "cleared": 1}
    assert emu.deliveries() == []
    with pytest.raises(KeyError):
        emu.wait_for_delivery("nope", 1)
