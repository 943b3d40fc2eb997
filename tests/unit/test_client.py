"""The HTTP client against the emulator over real HTTP: calls, retries, error mapping."""

from __future__ import annotations

import pytest
import urllib3

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import (
    AccountNotFoundError,
    ApiError,
    InvalidApiKeyError,
    MalformedResponseError,
    TransportError,
    WaWebhookError,
)
from pulumi_wa_webhook.model import WebhookSettings, cleared

#: Also run by `make test-compat` against the installed wheel (oldest and newest deps).
pytestmark = pytest.mark.compat

ACCOUNT = "972500000001"
KEY = "test-key-1"
SETTINGS = WebhookSettings(ACCOUNT, url="https://hooks.example.com/wa", system=True,
                           system_phone_alerts=("972502211234",), read_status=True, retry=True)


@pytest.fixture
def client(emulator):
    options = ClientOptions(endpoint=emulator.base_url, timeout=0.5, retries=2, backoff=0.01)
    made = WebhookClient(KEY, options)
    yield made
    made.close()


def test_set_then_get_round_trip_with_one_call_each(client, emulator):
    client.set_webhook(SETTINGS)
    assert client.get_webhook(ACCOUNT) == SETTINGS
    assert [c["path"] for c in emulator.requests()] == [
        "/whatsapp/v2/setWebhook", "/whatsapp/v2/getWebhook"]


def test_clearing_sends_single_spaces(client, emulator):
    client.set_webhook(SETTINGS)
    client.set_webhook(cleared(ACCOUNT))
    body = emulator.requests("setWebhook")[-1]["body"]
    assert body["url"] == " " and body["systemPhoneAlert"] == " "
    assert client.get_webhook(ACCOUNT) == cleared(ACCOUNT)


def test_unknown_account_is_reason_2(client):
    with pytest.raises(AccountNotFoundError) as caught:
        client.get_webhook("972599999999")
    assert str(caught.value) == ("99digital getWebhook for account 972599999999 failed "
                                 "(reason 2: the 'from' account does not exist)")


def test_wrong_key_is_reason_3_and_the_key_is_not_in_the_message(emulator):
    secret = "not-the-right-key-8c1f"
    client = WebhookClient(secret, ClientOptions(endpoint=emulator.base_url))
    with pytest.raises(InvalidApiKeyError) as caught:
        client.set_webhook(SETTINGS)
    assert "(reason 3: wrong apiKey)" in str(caught.value)
    assert secret not in str(caught.value)


def test_unknown_reason_codes_are_named_by_number(client, emulator):
    emulator.add_fault("setWebhook", reason=9)
    with pytest.raises(ApiError) as caught:
        client.set_webhook(SETTINGS)
    assert "unknown reason code 9" in str(caught.value)


def test_5xx_is_retried_then_succeeds(client, emulator):
    emulator.add_fault("setWebhook", status=503, times=2)
    client.set_webhook(SETTINGS)
    assert emulator.count("setWebhook") == 3
    assert client.get_webhook(ACCOUNT) == SETTINGS


def test_persistent_5xx_fails_clearly_after_bounded_retries(client, emulator):
    emulator.add_fault("setWebhook", status=503, times=10)
    with pytest.raises(TransportError) as caught:
        client.set_webhook(SETTINGS)
    assert "kept answering with an HTTP error after 3 attempts" in str(caught.value)
    assert emulator.count("setWebhook") == 3


def test_slow_answer_times_out_and_is_retried(client, emulator):
    emulator.add_fault("getWebhook", delay=1.0, times=1)
    client.get_webhook(ACCOUNT)  # the retry is answered in time
    emulator.add_fault("getWebhook", delay=1.0, times=5)
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT)
    assert "no answer within 0.5 s after 3 attempts" in str(caught.value)


def test_connection_reset_is_retried(client, emulator):
    emulator.add_fault("setWebhook", reset=True, times=1)
    client.set_webhook(SETTINGS)
    assert emulator.count("setWebhook") == 2


def test_malformed_answer_is_a_clear_error(client, emulator):
    emulator.add_fault("getWebhook", body="<html>oops</html>")
    with pytest.raises(MalformedResponseError) as caught:
        client.get_webhook(ACCOUNT)
    assert "the answer is not JSON" in str(caught.value)


def test_unreachable_endpoint(emulator):
    client = WebhookClient(KEY, ClientOptions(endpoint="http://127.0.0.1:9/whatsapp/v2",
                                              retries=1, backoff=0.01))
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT)
    assert str(caught.value) == (
        f"99digital getWebhook for account {ACCOUNT}: could not reach "
        "http://127.0.0.1:9/whatsapp/v2/getWebhook after 2 attempts (ConnectionError)")


def test_every_error_is_a_wa_webhook_error():
    for cls in (AccountNotFoundError, InvalidApiKeyError, ApiError, TransportError,
                MalformedResponseError):
        assert issubclass(cls, WaWebhookError)


def test_requests_are_json_and_ask_for_json(make_receiver):
    receiver = make_receiver()
    client = WebhookClient(KEY, ClientOptions(endpoint=f"http://127.0.0.1:{receiver.port}/v2",
                                              retries=0))
    with pytest.raises(WaWebhookError):  # an empty answer is no API answer
        client.get_webhook(ACCOUNT)
    [request] = receiver.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert (request.path, headers["content-type"], headers["accept"]) == (
        "/v2/getWebhook", "application/json", "application/json")
    assert request.body == {"apiKey": KEY, "from": ACCOUNT}


def test_an_error_urllib3_raises_without_retrying_is_a_transport_error(monkeypatch):
    """A proxy refusing, say: urllib3 raises it at once, not as the end of its retries (one
    attempt, whatever `retries` says)."""
    client = WebhookClient(KEY, ClientOptions(endpoint="http://127.0.0.1:9/whatsapp/v2",
                                              retries=2))

    def refuse(*_args, **_kwargs):
        raise urllib3.exceptions.ProxyError("refused", OSError("407 token=S3CRET"))

    monkeypatch.setattr(client._manager, "urlopen", refuse)
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT)
    assert str(caught.value) == (
        f"99digital getWebhook for account {ACCOUNT}: could not reach "
        "http://127.0.0.1:9/whatsapp/v2/getWebhook after 1 attempt (ProxyError)")


def test_the_ca_bundle_is_certifis_unless_the_environment_names_one(monkeypatch, tmp_path):
    import requests.utils

    from pulumi_wa_webhook import client as client_module

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    endpoint = "https://api.example.com/whatsapp/v2"
    assert client_module._environment(endpoint)[1] == requests.utils.DEFAULT_CA_BUNDLE_PATH
    options = ClientOptions(endpoint=endpoint)
    kept = client_module._pool(options).connection_pool_kw
    assert kept["ca_certs"] == requests.utils.DEFAULT_CA_BUNDLE_PATH
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path))  # a directory of certificates
    in_dir = client_module._pool(options).connection_pool_kw
    assert in_dir["ca_cert_dir"] == str(tmp_path) and "ca_certs" not in in_dir
