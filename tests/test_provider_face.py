"""The dynamic provider's own duties: stack configuration read once per provider process, the
environment used when no stack configuration was given, and what it prints for the user."""

from __future__ import annotations

import traceback

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_wa_webhook import lifecycle
from pulumi_wa_webhook.dynamic.provider import WebhookProvider

ACCOUNT = "972500000001"
KEY = "test-key-1"


@pytest.fixture(autouse=True)
def new_deployment(monkeypatch):
    monkeypatch.setattr(lifecycle, "_LEDGER", lifecycle._Ledger())
    monkeypatch.delenv("WA_WEBHOOK_API_KEY", raising=False)


def props(**kw):
    return {"from_number": ACCOUNT, "url": "https://h.example.com/", **kw}


def test_without_configure_the_environment_is_used(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY)
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", emulator.base_url)
    provider = WebhookProvider()
    result = provider.check({}, props())
    assert result.failures == []
    assert provider.create(result.inputs).outs["endpoint"] == emulator.base_url
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_stack_configuration_is_read_once_per_provider_process(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY)
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url},
                                               "test")))
    assert provider.check({}, props()).failures == []
    monkeypatch.delenv("WA_WEBHOOK_API_KEY")  # the process environment is fixed in practice
    assert provider.check({}, props()).failures == []
    provider.create(props())
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_a_configuration_error_is_reported_by_every_check(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", "http://api.example.com/v2")
    provider = WebhookProvider()
    for _ in range(2):
        [failure] = provider.check({}, props(api_key=KEY)).failures
        assert failure.property == "wa-webhook"
        assert "must be an https:// URL" in failure.reason


def test_informational_lines_go_to_stderr_with_the_package_prefix(emulator, capfd):
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                                "wa-webhook:apiKey": KEY}, "test")))
    created = provider.create(props())
    provider.delete(ACCOUNT, created.outs)
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith(f"wa-webhook: account {ACCOUNT} was not cleared")


def test_an_expected_failure_is_the_first_line_of_the_reported_error(emulator):
    emulator.set_account(ACCOUNT, url="https://other.example/")
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                                "wa-webhook:apiKey": KEY}, "test")))
    try:
        provider.create(props())
    except Exception:  # what the SDK's dynamic server sends to the engine
        reported = traceback.format_exc()
    else:
        raise AssertionError("create did not fail")
    assert reported.splitlines()[0].startswith(
        f"pulumi_wa_webhook.errors.AccountInUseError: account {ACCOUNT} already holds a "
        "different webhook configuration")
    assert emulator.count("setWebhook") == 0
