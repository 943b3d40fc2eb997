"""The local 99digital emulator, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from pulumi_wa_webhook.emulator import Emulator, EmulatorBackend, EmulatorServer, running_emulator
from pulumi_wa_webhook.emulator import server as emulator_server
from pulumi_wa_webhook.emulator.backend import Fault

pytest_plugins = ["pulumi_wa_webhook.emulator.testing"]

ACCOUNT = "972500000001"
KEY = "test-key-1"
OTHER = "972500000002"
OTHER_KEY = "test-key-2"
TIMEOUT = 5.0


def call(emu: Emulator, name: str, **body: Any) -> Dict[str, Any]:
    response = requests.post(f"{emu.base_url}/{name}", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    data: Dict[str, Any] = response.json()
    return data


def set_webhook(emu: Emulator, **fields: Any) -> Dict[str, Any]:
    return call(emu, "setWebhook", apiKey=KEY, **{"from": ACCOUNT}, **fields)


def get_webhook(emu: Emulator, number: str = ACCOUNT, key: str = KEY) -> Dict[str, Any]:
    return call(emu, "getWebhook", apiKey=key, **{"from": number})


def admin(emu: Emulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{emu.root_url}/_emulator{path}", timeout=TIMEOUT, **kwargs)


# -- the documented API ----------------------------------------------------------------------


def test_new_account_defaults_and_get_types(emulator: Emulator) -> None:
    assert get_webhook(emulator) == {
        "status": "OK",
        "url": "",
        "system": "0",  # a string, as in the documented example
        "systemPhoneAlert": "",
        "retry": 0,
        "readStatus": 0,
        "reason": 1,
    }


def test_set_every_field_then_get(emulator: Emulator) -> None:
    answer = set_webhook(
        emulator,
        url="https://hooks.example.com/wa",
        system=1,
        systemPhoneAlert="972502211234,972527788695",
        readStatus=1,
        retry=1,
    )
    assert answer == {
        "status": "OK",
        "url": "https://hooks.example.com/wa",
        "system": 1,  # setWebhook answers with numbers
        "systemPhoneAlert": "972502211234,972527788695",
        "readStatus": 1,
        "retry": 1,
        "reason": 1,
    }
    got = get_webhook(emulator)
    assert got["system"] == "1"
    assert isinstance(got["retry"], int) and got["retry"] == 1
    assert isinstance(got["readStatus"], int) and got["readStatus"] == 1
    assert got["url"] == "https://hooks.example.com/wa"
    assert got["systemPhoneAlert"] == "972502211234,972527788695"
    assert emulator.account(ACCOUNT) == {
        "url": "https://hooks.example.com/wa",
        "system": 1,
        "systemPhoneAlert": "972502211234,972527788695",
        "readStatus": 1,
        "retry": 1,
    }


def test_left_out_fields_keep_their_values(emulator: Emulator) -> None:
    set_webhook(
        emulator,
        url="https://a.example",
        system=1,
        systemPhoneAlert="972501111111",
        readStatus=1,
        retry=1,
    )
    answer = set_webhook(emulator, retry=0)
    assert answer["url"] == "https://a.example" and answer["retry"] == 0
    assert emulator.account(ACCOUNT) == {
        "url": "https://a.example",
        "system": 1,
        "systemPhoneAlert": "972501111111",
        "readStatus": 1,
        "retry": 0,
    }
    set_webhook(emulator)  # nothing to change
    assert emulator.account(ACCOUNT)["url"] == "https://a.example"


def test_single_space_clears_string_fields(emulator: Emulator) -> None:
    set_webhook(emulator, url="https://a.example", systemPhoneAlert="972501111111")
    answer = set_webhook(emulator, url=" ", systemPhoneAlert=" ")
    assert answer["url"] == "" and answer["systemPhoneAlert"] == ""
    got = get_webhook(emulator)
    assert got["url"] == "" and got["systemPhoneAlert"] == ""


def test_switches_accept_string_forms(emulator: Emulator) -> None:
    answer = set_webhook(emulator, system="1", readStatus="1", retry="0")
    assert (answer["system"], answer["readStatus"], answer["retry"]) == (1, 1, 0)


@pytest.mark.parametrize("field", ["system", "readStatus", "retry"])
@pytest.mark.parametrize("value", [2, -1, "yes", "", True, None, 1.0, [1]])
def test_bad_switch_value_fails_naming_the_field(
    emulator: Emulator, field: str, value: Any
) -> None:
    set_webhook(emulator, url="https://keep.example")
    answer = set_webhook(emulator, url="https://other.example", **{field: value})
    assert answer["status"] == "FAIL"
    assert answer["reason"] == 4
    assert field in answer["message"]
    assert emulator.account(ACCOUNT)["url"] == "https://keep.example"  # nothing half-applied


@pytest.mark.parametrize("field", ["url", "systemPhoneAlert"])
def test_non_string_text_field_fails(emulator: Emulator, field: str) -> None:
    answer = set_webhook(emulator, **{field: 972501111111})
    assert (answer["status"], answer["reason"]) == ("FAIL", 4)
    assert field in answer["message"]


@pytest.mark.parametrize("name", ["setWebhook", "getWebhook"])
def test_reason_codes(emulator: Emulator, name: str) -> None:
    fail2 = {"status": "FAIL", "reason": 2}
    fail3 = {"status": "FAIL", "reason": 3}
    assert call(emulator, name, apiKey=KEY, **{"from": "972599999999"}) == fail2
    assert call(emulator, name, apiKey="nope", **{"from": "972599999999"}) == fail2  # from first
    assert call(emulator, name, apiKey="nope", **{"from": ACCOUNT}) == fail3
    assert call(emulator, name, apiKey=OTHER_KEY, **{"from": ACCOUNT}) == fail3  # another's key
    assert call(emulator, name, **{"from": ACCOUNT}) == fail3  # missing apiKey
    assert call(emulator, name, apiKey=KEY) == fail2  # missing from
    assert call(emulator, name, apiKey=OTHER_KEY, **{"from": OTHER})["status"] == "OK"


def test_from_as_number_is_accepted(emulator: Emulator) -> None:
    assert call(emulator, "getWebhook", apiKey=KEY, **{"from": int(ACCOUNT)})["status"] == "OK"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"", b"\xff\xfe"])
def test_malformed_body_is_a_400_json_error(emulator: Emulator, raw: bytes) -> None:
    response = requests.post(
        f"{emulator.base_url}/setWebhook",
        data=raw,
        timeout=TIMEOUT,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "FAIL" and data["error"].startswith("malformed JSON")
    assert emulator.requests() == [
        {
            "path": "/whatsapp/v2/setWebhook",
            "body": {"malformed": True},
            "time": emulator.requests()[0]["time"],
        }
    ]
    assert get_webhook(emulator)["status"] == "OK"  # still serving


def test_unknown_path_and_wrong_method(emulator: Emulator) -> None:
    response = requests.post(f"{emulator.base_url}/deleteWebhook", json={}, timeout=TIMEOUT)
    assert response.status_code == 404 and response.json()["status"] == "FAIL"
    response = requests.get(f"{emulator.root_url}/nothing", timeout=TIMEOUT)
    assert response.status_code == 404 and "error" in response.json()
    response = requests.get(f"{emulator.base_url}/getWebhook", timeout=TIMEOUT)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert emulator.count() == 0


def test_keep_alive_and_chunked_bodies(emulator: Emulator) -> None:
    with requests.Session() as session:
        for _ in range(3):
            response = session.post(
                f"{emulator.base_url}/getWebhook",
                json={"apiKey": KEY, "from": ACCOUNT},
                timeout=TIMEOUT,
            )
            assert response.raw.version == 11
            assert response.headers["Content-Length"] == str(len(response.content))
        body = json.dumps({"apiKey": KEY, "from": ACCOUNT, "url": "https://chunked.example"})
        response = session.post(
            f"{emulator.base_url}/setWebhook",
            data=iter([body[:10].encode(), body[10:].encode()]),
            timeout=TIMEOUT,
        )
        assert response.json()["url"] == "https://chunked.example"


# -- faults ----------------------------------------------------------------------------------


def test_status_fault_twice_then_ok(emulator: Emulator) -> None:
    emulator.add_fault("setWebhook", times=2, status=503)
    for _ in range(2):
        response = requests.post(
            f"{emulator.base_url}/setWebhook",
            json={"apiKey": KEY, "from": ACCOUNT, "retry": 1},
            timeout=TIMEOUT,
        )
        assert response.status_code == 503
        assert response.json()["status"] == "FAIL"
    assert set_webhook(emulator, retry=1)["status"] == "OK"
    assert emulator.count("setWebhook") == 3  # faulted calls are logged too
    assert emulator.backend.faults() == []


def test_delay_fault_exceeds_client_timeout(emulator: Emulator) -> None:
    emulator.add_fault("getWebhook", delay=3)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{emulator.base_url}/getWebhook", json={"apiKey": KEY, "from": ACCOUNT}, timeout=0.15
        )
    assert time.monotonic() - started < 2.5  # the client gave up; the answer was 3 s away
    assert get_webhook(emulator)["status"] == "OK"  # the fault was served once, then gone
    emulator.add_fault("getWebhook", delay=0.05)
    assert get_webhook(emulator)["status"] == "OK"  # a short delay just answers late


def test_reset_fault_drops_the_connection(emulator: Emulator) -> None:
    emulator.add_fault("*", reset=True)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{emulator.base_url}/setWebhook",
            json={"apiKey": KEY, "from": ACCOUNT},
            timeout=TIMEOUT,
        )
    assert set_webhook(emulator)["status"] == "OK"
    assert emulator.count("setWebhook") == 2


def test_body_fault_answers_raw_text(emulator: Emulator) -> None:
    emulator.add_fault("getWebhook", body="<html>gateway oops")
    response = requests.post(
        f"{emulator.base_url}/getWebhook", json={"apiKey": KEY, "from": ACCOUNT}, timeout=TIMEOUT
    )
    assert response.status_code == 200 and response.text == "<html>gateway oops"
    with pytest.raises(ValueError):
        response.json()
    assert get_webhook(emulator)["status"] == "OK"


def test_reason_fault(emulator: Emulator) -> None:
    emulator.add_fault("setWebhook", reason=3, times=2)
    assert set_webhook(emulator, url="https://x.example") == {"status": "FAIL", "reason": 3}
    assert get_webhook(emulator)["status"] == "OK"  # another path: not consumed
    assert set_webhook(emulator, url="https://x.example") == {"status": "FAIL", "reason": 3}
    assert emulator.account(ACCOUNT)["url"] == ""  # a faulted call changes nothing
    assert set_webhook(emulator, url="https://x.example")["status"] == "OK"


def test_faults_queue_in_order_over_http(emulator: Emulator) -> None:
    for fault in ({"path": "getWebhook", "status": 500}, {"path": "*", "reason": 7, "times": 2}):
        response = admin(emulator, "POST", "/faults", json=fault)
        assert response.status_code == 200, response.text
    assert [f["path"] for f in admin(emulator, "GET", "/faults").json()] == ["getWebhook", "*"]
    statuses = []
    for _ in range(4):
        response = requests.post(
            f"{emulator.base_url}/getWebhook",
            json={"apiKey": KEY, "from": ACCOUNT},
            timeout=TIMEOUT,
        )
        statuses.append((response.status_code, response.json().get("reason")))
    assert statuses == [(500, None), (200, 7), (200, 7), (200, 1)]
    admin(emulator, "POST", "/faults", json={"path": "*", "status": 502, "times": 5})
    assert admin(emulator, "DELETE", "/faults").json()["cleared"] == 1
    assert get_webhook(emulator)["status"] == "OK"


@pytest.mark.parametrize(
    "fault",
    [
        {},
        {"path": "deleteWebhook", "status": 503},
        {"status": 503, "times": 0},
        {"status": 503, "reset": True},
        {"status": "503"},
        {"delay": -1},
        {"colour": "red"},
    ],
)
def test_invalid_fault_is_rejected(emulator: Emulator, fault: Dict[str, Any]) -> None:
    response = admin(emulator, "POST", "/faults", json=fault)
    assert response.status_code == 400 and response.json()["status"] == "FAIL"
    assert emulator.backend.faults() == []


def test_fault_objects_validate() -> None:
    with pytest.raises(ValueError):
        Fault("setWebhook")
    assert Fault("/whatsapp/v2/setWebhook", status=503).path == "setWebhook"
    assert Fault(delay=1, status=503).to_dict() == {
        "path": "*",
        "times": 1,
        "delay": 1.0,
        "status": 503,
    }


# -- request log and redaction ---------------------------------------------------------------


def test_request_log_entries_and_filters(emulator: Emulator) -> None:
    before = time.time()
    set_webhook(emulator, url="https://log.example")
    get_webhook(emulator)
    get_webhook(emulator, number=OTHER, key=OTHER_KEY)
    entries = emulator.requests()
    assert [e["path"] for e in entries] == [
        "/whatsapp/v2/setWebhook",
        "/whatsapp/v2/getWebhook",
        "/whatsapp/v2/getWebhook",
    ]
    assert entries[0]["body"] == {"apiKey": "***", "from": ACCOUNT, "url": "https://log.example"}
    assert before <= entries[0]["time"] <= time.time()
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 1
    assert len(emulator.requests("setWebhook")) == 1
    over_http = admin(emulator, "GET", "/requests").json()
    assert over_http == entries
    assert admin(emulator, "GET", "/requests", params={"path": "setWebhook"}).json() == entries[:1]
    assert admin(emulator, "DELETE", "/requests").json()["cleared"] == 3
    assert emulator.requests() == []
    get_webhook(emulator)
    emulator.clear_requests()
    assert emulator.count() == 0


def test_api_keys_never_appear_in_the_log(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-key-value-that-must-not-leak"
    emulator.add_account("972500000009", secret)
    call(emulator, "setWebhook", apiKey=secret, url="https://a.example", **{"from": "972500000009"})
    call(emulator, "getWebhook", apiKey=secret, **{"from": "972500000009"})
    call(emulator, "getWebhook", apiKey=secret, **{"from": "972599999999"})  # FAIL 2
    emulator.add_fault("*", status=503)
    requests.post(
        f"{emulator.base_url}/getWebhook",
        timeout=TIMEOUT,
        json={"apiKey": secret, "from": "972500000009"},
    )
    requests.post(
        f"{emulator.base_url}/setWebhook",
        timeout=TIMEOUT,
        data=b'{"apiKey": "' + secret.encode() + b'", "from": ',
    )  # malformed
    text = admin(emulator, "GET", "/requests").text
    assert len(json.loads(text)) == 5
    assert secret not in text
    assert secret not in json.dumps(emulator.requests())
    assert secret not in json.dumps(emulator.backend.accounts())
    out, err = capfd.readouterr()
    assert secret not in out and secret not in err


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_calls(emulator: Emulator) -> None:
    errors: List[BaseException] = []
    results: List[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        number, key = (ACCOUNT, KEY) if index % 2 else (OTHER, OTHER_KEY)
        try:
            with requests.Session() as session:
                for i in range(20):
                    name = "setWebhook" if i % 2 else "getWebhook"
                    body = {"apiKey": key, "from": number, "url": f"https://t{index}.example/{i}"}
                    response = session.post(
                        f"{emulator.base_url}/{name}", json=body, timeout=TIMEOUT
                    )
                    with lock:
                        results.append(response.json()["status"])
        except BaseException as err:  # reported below
            with lock:
                errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == ["OK"] * 160
    assert emulator.count() == 160
    assert emulator.count("setWebhook") == 80


# -- accounts out of band --------------------------------------------------------------------


def test_handle_account_management(emulator: Emulator) -> None:
    drifted = emulator.set_account(ACCOUNT, url="https://drift.example", system=1)
    assert drifted["url"] == "https://drift.example"
    assert get_webhook(emulator)["system"] == "1"
    assert emulator.count() == 1  # out-of-band changes are not API calls
    emulator.add_account("972500000003", "key-3")
    assert get_webhook(emulator, "972500000003", "key-3")["url"] == ""
    emulator.set_account("972500000003", apiKey="key-3b", retry=1)
    assert get_webhook(emulator, "972500000003", "key-3")["reason"] == 3
    assert get_webhook(emulator, "972500000003", "key-3b")["retry"] == 1
    emulator.remove_account("972500000003")
    assert get_webhook(emulator, "972500000003", "key-3b")["reason"] == 2
    with pytest.raises(KeyError):
        emulator.account("972500000003")
    with pytest.raises(KeyError):
        emulator.set_account("972500000003", url="x")
    with pytest.raises(ValueError):
        emulator.set_account(ACCOUNT, colour="red")
    with pytest.raises(ValueError):
        emulator.set_account(ACCOUNT, retry=2)


def test_admin_account_endpoints(emulator: Emulator) -> None:
    path = "/accounts/972500000004"
    assert admin(emulator, "GET", path).status_code == 404
    assert admin(emulator, "PUT", path, json={"url": "https://x.example"}).status_code == 404
    created = admin(emulator, "PUT", path, json={"apiKey": "key-4", "readStatus": "1"})
    assert created.status_code == 200
    assert created.json() == {
        "url": "",
        "system": 0,
        "systemPhoneAlert": "",
        "readStatus": 1,
        "retry": 0,
    }
    assert "apiKey" not in admin(emulator, "GET", path).json()
    assert get_webhook(emulator, "972500000004", "key-4")["readStatus"] == 1
    changed = admin(emulator, "PUT", path, json={"systemPhoneAlert": "0501234567"})
    assert changed.json()["systemPhoneAlert"] == "0501234567"
    assert admin(emulator, "PUT", path, json={"system": 5}).status_code == 400
    assert admin(emulator, "PUT", path, data=b"nope").status_code == 400
    assert set(admin(emulator, "GET", "/accounts").json()) == {ACCOUNT, OTHER, "972500000004"}
    assert admin(emulator, "DELETE", path).status_code == 200
    assert admin(emulator, "DELETE", path).status_code == 404
    assert get_webhook(emulator, "972500000004", "key-4")["reason"] == 2
    assert admin(emulator, "GET", "/health").json() == {"status": "OK"}


# -- state file ------------------------------------------------------------------------------


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running_emulator({ACCOUNT: KEY}, state_file=state) as emu:
        set_webhook(emu, url="https://kept.example", system=1, systemPhoneAlert="972501111111")
    assert KEY not in state.read_text()  # keys are stored as digests only
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp files left
    with running_emulator(state_file=state) as emu:  # no accounts given: all from the file
        got = get_webhook(emu)
        assert (got["url"], got["system"], got["systemPhoneAlert"]) == (
            "https://kept.example",
            "1",
            "972501111111",
        )
        set_webhook(emu, url=" ")
    with running_emulator({ACCOUNT: "new-key"}, state_file=state) as emu:  # re-keyed, kept
        assert get_webhook(emu)["reason"] == 3
        got = get_webhook(emu, key="new-key")
        assert (got["url"], got["system"]) == ("", "1")


def test_corrupt_state_file_is_an_error(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{broken")
    with pytest.raises(ValueError, match="state file"):
        EmulatorBackend({ACCOUNT: KEY}, state_file=state)
    assert state.read_text() == "{broken"  # never overwritten


def test_server_object_lifecycle() -> None:
    server = EmulatorServer(EmulatorBackend({ACCOUNT: KEY}))
    with server:
        assert server.running and server.port != 0
        assert server.base_url == f"http://127.0.0.1:{server.port}/whatsapp/v2"
        assert server.root_url == f"http://127.0.0.1:{server.port}"
        response = requests.post(
            f"{server.base_url}/getWebhook", json={"apiKey": KEY, "from": ACCOUNT}, timeout=TIMEOUT
        )
        assert response.json()["status"] == "OK"
    assert not server.running
    server.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server.base_url}/getWebhook", json={}, timeout=TIMEOUT)


# -- command line ----------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="0")
    return subprocess.Popen(
        [sys.executable, "-m", "pulumi_wa_webhook.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled(tmp_path: Path, stop_signal: int) -> None:
    proc = _cli(
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--account",
        f"{ACCOUNT}:{KEY}",
        "--account",
        f"{OTHER}:{OTHER_KEY}",
        "--state",
        str(tmp_path / "s.json"),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("99digital emulator listening on http://127.0.0.1:")
        base_url = line.split()[-1]
        assert base_url.endswith("/whatsapp/v2")
        response = requests.post(
            f"{base_url}/setWebhook",
            timeout=TIMEOUT,
            json={"apiKey": OTHER_KEY, "from": OTHER, "retry": 1},
        )
        assert response.json()["retry"] == 1
        response = requests.post(
            f"{base_url}/getWebhook", timeout=TIMEOUT, json={"apiKey": KEY, "from": ACCOUNT}
        )
        assert response.json()["status"] == "OK"
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert out == ""  # exactly one line in all
    assert err == ""
    assert KEY not in (tmp_path / "s.json").read_text()


def test_cli_help_mentions_every_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_wa_webhook.emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    for flag in ("--host", "--port", "--account", "--state", "--verbose", "NUMBER:KEY"):
        assert flag in result.stdout


def test_cli_rejects_bad_account_without_echoing_the_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_wa_webhook.emulator", "--account", "notanumber:hush-key"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--account" in result.stderr and "hush-key" not in result.stderr


# -- bad input: one-line errors, exit code 2 for the CLI, JSON 400 over HTTP ------------------


def _cli_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pulumi_wa_webhook.emulator", *args],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_cli_rejects_a_port_out_of_range_in_one_line(port: str) -> None:
    result = _cli_run(f"--port={port}")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"argument --port: expected a TCP port from 0 to 65535, got {port!r}" in result.stderr


def test_cli_state_in_a_missing_directory_names_the_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    result = _cli_run("--state", str(missing / "state.json"), "--account", f"{ACCOUNT}:{KEY}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"the directory {missing} does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_cli_normalises_account_numbers_like_the_admin_api(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    proc = _cli("--port", "0", "--state", str(state), "--account", f"+972 50 000 0001:{KEY}")
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().split()[-1]
        response = requests.post(f"{base_url}/getWebhook", timeout=TIMEOUT,
                                 json={"apiKey": KEY, "from": ACCOUNT})
        assert response.json()["status"] == "OK"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert list(json.loads(state.read_text())["accounts"]) == [ACCOUNT]


@pytest.mark.parametrize("number", ["abc", "97250abc", "1234567890123456", "+", "972-50"])
def test_admin_api_refuses_account_numbers_that_are_not_digits(
        emulator: Emulator, number: str) -> None:
    for method, body in (("PUT", {"apiKey": "key-x"}), ("GET", None), ("DELETE", None)):
        response = admin(emulator, method, f"/accounts/{number}", json=body)
        assert response.status_code == 400, (method, response.text)
        assert response.json()["error"].startswith("the account number must be up to 15 digits")
    assert set(emulator.backend.accounts()) == {ACCOUNT, OTHER}


@pytest.mark.parametrize("spelling", ["+972500000004", "972%20500%20000%20004", "%2B972500000004"])
def test_admin_api_normalises_plus_and_spaces_like_the_cli(
        emulator: Emulator, spelling: str) -> None:
    created = admin(emulator, "PUT", f"/accounts/{spelling}", json={"apiKey": "key-4"})
    assert created.status_code == 200, created.text
    assert "972500000004" in emulator.backend.accounts()
    assert admin(emulator, "GET", f"/accounts/{spelling}").status_code == 200
    assert get_webhook(emulator, "972500000004", "key-4")["status"] == "OK"


@pytest.mark.parametrize("delay", [301, 1e9, "Infinity", "NaN", -1])
def test_fault_delay_above_the_maximum_is_refused(emulator: Emulator, delay: Any) -> None:
    raw = json.dumps({"path": "setWebhook"})[:-1] + f', "delay": {json.dumps(delay)}' + "}"
    if isinstance(delay, str):
        raw = raw.replace(f'"{delay}"', delay)  # JSON's non-standard Infinity / NaN literals
    response = admin(emulator, "POST", "/faults", data=raw.encode())
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "fault 'delay' must be a number of seconds from 0 to 300"
    assert emulator.backend.faults() == []


@pytest.mark.parametrize("request_line", [
    b"GARBAGE\r\n\r\n",
    b'GET /_emulator/health HTTP/1.1"\r\n\r\n',
    b"GET /a b c d HTTP/1.1\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
])
def test_malformed_request_line_gets_a_json_error(emulator: Emulator, request_line: bytes) -> None:
    import socket

    with socket.create_connection((emulator.server.host, emulator.server.port), timeout=5) as conn:
        conn.sendall(request_line)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] in (b"400", b"505"), head
    assert b"Content-Type: application/json" in head
    data = json.loads(body)
    assert data["status"] == "FAIL" and data["error"]


def test_message_endpoint_takes_account_numbers_by_the_same_rule(emulator: Emulator) -> None:
    refused = admin(emulator, "POST", "/accounts/abc/messages", json={"body": "hi"})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("the account number must be up to 15 digits")
    # "+972..." names the same account as "972...": no webhook URL is set on it yet (409),
    # where an unknown account would be a 404.
    assert admin(emulator, "POST", f"/accounts/%2B{ACCOUNT}/messages",
                 json={"body": "hi"}).status_code == 409


def test_a_burst_of_64_new_connections_is_answered_from_a_deep_listen_backlog(emulator):
    """A native `pulumi up --parallel 64` opens that many connections at once. With
    socketserver's listen backlog of 5 some of them waited for the kernel's 1 s SYN retry:
    the kernel's backlog of the listening socket (`ss`: Send-Q of a LISTEN socket) holds the
    whole burst, and every call of three bursts is answered."""
    from concurrent.futures import ThreadPoolExecutor

    assert emulator_server._HTTPServer.request_queue_size >= 64  # what listen() is asked for
    if shutil.which("ss"):  # iproute2: what the kernel made of it
        port = emulator.base_url.split(":")[2].split("/")[0]
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                   text=True, check=True).stdout.split()
        assert listening[0] == "LISTEN" and int(listening[2]) >= 64, listening
    emulator.add_fault(path="*", times=10_000, delay=0.2)

    def one(_: int) -> int:
        with requests.Session() as fresh:  # a new connection for every call
            return fresh.post(f"{emulator.base_url}/getWebhook",
                              json={"from": ACCOUNT, "apiKey": KEY}, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(64) as pool:
        answers = [status for _burst in range(3) for status in pool.map(one, range(64))]
    assert answers == [200] * 192
