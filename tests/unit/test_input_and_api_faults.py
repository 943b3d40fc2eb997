"""Inputs that must be refused and API faults that real services have,
and the emulator's fault injection aimed at one account. No engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
import urllib3
from api_answers import QuietHandler, StandInServer, send_ok, serving

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.emulator.backend import Fault, account_number
from pulumi_wa_webhook.errors import ApiError, TransportError
from pulumi_wa_webhook.model import SettingsError, parse_url

ACCOUNT = "972500000001"
OTHER = "972500000002"
KEY = "test-key-1"


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u009b"])
def test_control_characters_anywhere_in_a_url_are_refused(char):
    for url in (f"https://hooks.example.com/wa{char}x", f"https://hooks.exa{char}mple.com/",
                f"https://hooks.example.com/wa?t=a{char}"):
        with pytest.raises(SettingsError) as caught:
            parse_url(url)
        [problem] = caught.value.problems
        assert problem.property == "url"
        assert "control character" in problem.reason
        assert "hooks" not in problem.reason  # the rule, not the value


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\u3000", "\t", "\n"])
def test_whitespace_anywhere_in_a_url_is_refused(space):
    with pytest.raises(SettingsError, match="whitespace|control character"):
        parse_url(f"https://hooks.example.com/a{space}b")


@pytest.mark.parametrize("url", ["https://hooks.example.com:0/wa", "http://[::1]:0/",
                                 "https://hooks.example.com:00/"])
def test_port_zero_is_refused(url):
    with pytest.raises(SettingsError) as caught:
        parse_url(url)
    [problem] = caught.value.problems
    assert "port 0" in problem.reason


def test_ordinary_urls_still_pass():
    for url in ("https://hooks.example.com:8443/wa?token=x#f", "http://127.0.0.1:1/hook",
                "https://h\u00e9.example.com/p\u00e4th"):
        assert parse_url(url) == url


# -- API answers ---------------------------------------------------------------------------


def test_a_fail_answer_without_a_reason_code_is_explained(emulator):
    emulator.add_fault("getWebhook", body=json.dumps({"status": "FAIL"}))
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=0))
    with pytest.raises(ApiError) as caught:
        client.get_webhook(ACCOUNT)
    message = str(caught.value)
    assert "None" not in message and "unknown reason code" not in message
    assert "without a reason code" in message
    assert caught.value.reason is None


def test_http_429_without_retry_after_is_retried_within_retries(emulator):
    emulator.add_fault("getWebhook", status=429, times=2)
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=2,
                                              backoff=0.01))
    client.get_webhook(ACCOUNT)
    assert emulator.count("getWebhook") == 3


def test_http_429_beyond_retries_is_a_clear_transport_error(emulator):
    emulator.add_fault("setWebhook", status=429, times=5)
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=1,
                                              backoff=0.01))
    settings = client.get_webhook(ACCOUNT)
    with pytest.raises(TransportError, match="429"):
        client.set_webhook(settings)
    assert emulator.count("setWebhook") == 2


class _TooManyOnce(QuietHandler):
    """429 with `Retry-After: 1` for the first request, then getWebhook's OK."""

    seen = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen += 1
        if type(self).seen == 1:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        send_ok(self)


def test_http_429_with_retry_after_is_retried():
    _TooManyOnce.seen = 0  # the count lives on the class: a second run starts over
    with serving(StandInServer(_TooManyOnce)) as server:
        client = WebhookClient(KEY, ClientOptions(endpoint=f"{server.url}/whatsapp/v2",
                                                  retries=1))
        client.get_webhook(ACCOUNT)
    assert _TooManyOnce.seen == 2


def test_a_retry_after_longer_than_the_timeout_is_cut_to_the_timeout():
    client = WebhookClient(KEY, ClientOptions(endpoint="http://127.0.0.1:1/api", retries=2,
                                              timeout=3))
    answer = urllib3.HTTPResponse(status=429, headers={"Retry-After": "3600"})
    assert client._retry.get_retry_after(answer) == 3  # noqa: SLF001 - the policy itself
    answer = urllib3.HTTPResponse(status=429, headers={"Retry-After": "1"})
    assert client._retry.new(total=1).get_retry_after(answer) == 1  # noqa: SLF001


# -- the emulator: a fault for one account -----------------------------------------------------


def test_a_fault_can_target_one_account_and_one_call(emulator):
    emulator.add_fault("setWebhook", reason=7, account="+972 500 000 002", times=5)
    first = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=0))
    other = WebhookClient("test-key-2", ClientOptions(endpoint=emulator.base_url, retries=0))
    first.set_webhook(first.get_webhook(ACCOUNT))  # another account: served normally
    other.get_webhook(OTHER)  # another call: served normally
    with pytest.raises(ApiError, match="reason code 7"):
        other.set_webhook(other.get_webhook(OTHER))
    [queued] = emulator.backend.faults()
    assert queued["account"] == OTHER and queued["times"] == 4


def test_the_admin_endpoint_takes_a_fault_for_one_account(emulator):
    answer = requests.post(f"{emulator.root_url}/_emulator/faults", timeout=10,
                           json={"path": "getWebhook", "account": OTHER, "status": 503})
    assert answer.status_code == 200, answer.text
    assert answer.json()["fault"]["account"] == OTHER
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=0))
    client.get_webhook(ACCOUNT)
    assert len(emulator.backend.faults()) == 1


def test_a_fault_for_an_account_in_local_format_is_refused():
    with pytest.raises(ValueError, match="local format"):
        Fault("setWebhook", status=503, account="0500000002")


def test_a_local_format_account_number_is_refused_as_the_provider_refuses_it():
    with pytest.raises(ValueError, match="local format"):
        account_number("0500000001")
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_wa_webhook.emulator", "--port", "0",
         "--account", "0500000001:k"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "local format" in result.stderr
