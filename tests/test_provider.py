"""Provider methods called directly: check and diff are pure; CRUD goes over HTTP."""

from __future__ import annotations

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook import lifecycle
from pulumi_wa_webhook.dynamic.provider import UNKNOWN, WebhookProvider

ACCOUNT = "972500000001"
KEY = "test-key-1"


@pytest.fixture(autouse=True)
def new_deployment(monkeypatch):
    """Each test is a provider process of its own: nothing known about accounts yet."""
    monkeypatch.setattr(lifecycle, "_LEDGER", lifecycle._Ledger())


@pytest.fixture
def provider(emulator):
    made = WebhookProvider()
    made.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                            "wa-webhook:retries": "0"}, "test")))
    return made


def props(**kw):
    base = {"from_number": "+972 50-000-0001", "url": "https://h.example.com/", "system": False,
            "system_phone_alerts": [], "read_status": False, "retry": False, "api_key": KEY}
    return dict(base, **kw)


def test_check_normalises_and_makes_no_call(provider, emulator):
    result = provider.check({}, props())
    assert result.failures == []
    assert result.inputs["from_number"] == ACCOUNT
    assert emulator.requests() == []


def test_check_reports_each_bad_property(provider):
    result = provider.check({}, props(from_number="0501234567", url="ftp://x"))
    assert [f.property for f in result.failures] == ["from_number", "url"]


def test_check_tolerates_unknown_values_during_preview(provider):
    result = provider.check({}, props(url=UNKNOWN, system_phone_alerts=[UNKNOWN]))
    assert result.failures == []
    assert result.inputs["url"] == UNKNOWN


def test_check_without_any_key_names_the_three_sources(provider, monkeypatch):
    monkeypatch.delenv("WA_WEBHOOK_API_KEY", raising=False)
    result = provider.check({}, props(api_key=None))
    [failure] = result.failures
    assert failure.property == "api_key"
    for source in ("api_key=", "wa-webhook:apiKey", "WA_WEBHOOK_API_KEY"):
        assert source in failure.reason


def test_diff_compares_normalised_settings(provider):
    olds = dict(props(from_number=ACCOUNT), __provider="old-blob")
    news = dict(props(), __provider="new-blob")
    assert provider.diff(ACCOUNT, olds, news).changes is False
    changed = provider.diff(ACCOUNT, olds, props(retry=True))
    assert changed.changes is True and changed.replaces == []
    replaced = provider.diff(ACCOUNT, olds, props(from_number="972500000002"))
    assert replaced.replaces == ["from_number"] and replaced.delete_before_replace is False
    assert provider.diff(ACCOUNT, olds, props(api_key="other")).changes is True


def test_diff_with_unknown_inputs_is_a_change(provider):
    olds = props(from_number=ACCOUNT)
    assert provider.diff(ACCOUNT, olds, props(url=UNKNOWN)).changes is True
    assert provider.diff(ACCOUNT, olds, props(from_number=UNKNOWN)).replaces == ["from_number"]


def test_crud_over_http(provider, emulator):
    created = provider.create(provider.check({}, props()).inputs)
    assert created.id == ACCOUNT and emulator.count("setWebhook") == 1
    assert created.outs["endpoint"] == emulator.base_url
    # Lean state: no setting at its default; the key given to the resource (delete needs
    # it) and its fingerprint.
    assert created.outs == {"from_number": ACCOUNT, "url": "https://h.example.com/",
                            "endpoint": emulator.base_url, "api_key": KEY,
                            "key_fingerprint": stack_config.key_fingerprint(KEY)}
    read = provider.read(ACCOUNT, created.outs)
    assert read.outs == created.outs
    # the refreshed inputs are the settings as `check` keeps them (none at its default) and
    # the endpoint, and no key (the engine would store it in clear)
    assert read.inputs == {"from_number": ACCOUNT, "url": "https://h.example.com/",
                           "endpoint": emulator.base_url}
    provider.update(ACCOUNT, created.outs, props(from_number=ACCOUNT, retry=True))
    assert emulator.account(ACCOUNT)["retry"] == 1
    assert emulator.count() == 4  # create = read + write, read, update


def test_delete_clears_unless_this_deployment_wrote_the_account(provider, emulator, capfd):
    created = provider.create(provider.check({}, props()).inputs)
    provider.delete(ACCOUNT, dict(created.outs, from_number="old"))  # the renamed resource
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"
    assert "was not cleared" in capfd.readouterr().err
    lifecycle._LEDGER = lifecycle._Ledger()  # a later `pulumi destroy`: a new process
    provider.delete(ACCOUNT, created.outs)
    assert emulator.account(ACCOUNT)["url"] == ""


def test_delete_falls_back_to_the_configured_key_after_rotation(emulator):
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                                "wa-webhook:apiKey": "new-key"}, "test")))
    emulator.add_account(ACCOUNT, "new-key")
    provider.delete(ACCOUNT, props(from_number=ACCOUNT, api_key="old-key"))
    assert [c["body"]["from"] for c in emulator.requests("setWebhook")] == [ACCOUNT, ACCOUNT]
