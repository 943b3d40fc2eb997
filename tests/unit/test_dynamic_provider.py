"""The dynamic provider's methods called directly: check and diff are pure; CRUD goes over
HTTP. Its own duties: stack configuration read once per provider process, the environment used
when no stack configuration was given, and what it prints for the user."""

from __future__ import annotations

import traceback

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook import handover
from pulumi_wa_webhook.dynamic import workers as dynamic_workers
from pulumi_wa_webhook.dynamic.provider import UNKNOWN, WebhookProvider
from pulumi_wa_webhook.lifecycle import Deployment, Ledger

ACCOUNT = "972500000001"
KEY = "test-key-1"


pytestmark = pytest.mark.usefixtures("no_config_env")


def configured(emulator) -> WebhookProvider:
    """A new provider process (a deployment of its own) for the emulator, as the engine
    configures it."""
    made = WebhookProvider()
    made.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                            "wa-webhook:retries": "0"}, "test")))
    return made


@pytest.fixture
def provider(emulator):
    return configured(emulator)


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
    result = provider.check({}, props(from_number="0501234567", url="ftp://u:PW@x/?t=Q#F"))
    # A URL's problem names no property (the engine would print its value): the reason does.
    assert [f.property for f in result.failures] == ["from_number", ""]
    assert result.failures[1].reason.startswith("url must start with https:// or http://")
    assert not [w for w in ("PW", "t=Q", "#F") if w in result.failures[1].reason]


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
    # the endpoint and key fingerprint, and no key (the engine would store it in clear)
    assert read.inputs == {"from_number": ACCOUNT, "url": "https://h.example.com/",
                           "endpoint": emulator.base_url,
                           "key_fingerprint": created.outs["key_fingerprint"]}
    provider.update(ACCOUNT, created.outs, props(from_number=ACCOUNT, retry=True))
    assert emulator.account(ACCOUNT)["retry"] == 1
    assert emulator.count() == 5  # create = read + write + read back, read, update


def test_delete_clears_unless_this_deployment_wrote_the_account(provider, emulator, capfd):
    created = provider.create(provider.check({}, props()).inputs)
    provider.delete(ACCOUNT, dict(created.outs, from_number="old"))  # the renamed resource
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"
    assert "was not cleared" in capfd.readouterr().err
    configured(emulator).delete(ACCOUNT, created.outs)  # a later `pulumi destroy`
    assert emulator.account(ACCOUNT)["url"] == ""


def test_delete_falls_back_to_the_configured_key_after_rotation(emulator):
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                                "wa-webhook:apiKey": "new-key"}, "test")))
    emulator.add_account(ACCOUNT, "new-key")
    provider.delete(ACCOUNT, props(from_number=ACCOUNT, api_key="old-key"))
    assert [c["body"]["from"] for c in emulator.requests("setWebhook")] == [ACCOUNT, ACCOUNT]


def bare_props(**kw):
    """A webhook's inputs without a key (the provider must find one itself)."""
    return {"from_number": ACCOUNT, "url": "https://h.example.com/", **kw}


def test_without_configure_the_environment_is_used(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY)
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", emulator.base_url)
    provider = WebhookProvider()
    result = provider.check({}, bare_props())
    assert result.failures == []
    assert provider.create(result.inputs).outs["endpoint"] == emulator.base_url
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_stack_configuration_is_read_once_per_provider_process(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY)
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url},
                                               "test")))
    assert provider.check({}, bare_props()).failures == []
    monkeypatch.delenv("WA_WEBHOOK_API_KEY")  # the process environment is fixed in practice
    assert provider.check({}, bare_props()).failures == []
    provider.create(bare_props())
    assert emulator.account(ACCOUNT)["url"] == "https://h.example.com/"


def test_a_configuration_error_is_reported_by_every_check(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", "http://api.example.com/v2")
    provider = WebhookProvider()
    for _ in range(2):
        [failure] = provider.check({}, bare_props(api_key=KEY)).failures
        assert failure.property == "wa-webhook"
        assert "must be an https:// URL" in failure.reason


def test_informational_lines_go_to_stderr_with_the_package_prefix(emulator, capfd):
    provider = WebhookProvider()
    provider.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                                "wa-webhook:apiKey": KEY}, "test")))
    created = provider.create(bare_props())
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
        provider.create(bare_props())
    except Exception:  # what the SDK's dynamic server sends to the engine
        reported = traceback.format_exc()
    else:
        raise AssertionError("create did not fail")
    assert reported.splitlines()[0].startswith(
        f"pulumi_wa_webhook.errors.AccountInUseError: account {ACCOUNT} already holds a "
        "different webhook configuration")
    assert emulator.count("setWebhook") == 0


def test_check_claims_the_account_for_the_resource_the_program_names(emulator, monkeypatch,
                                                                    tmp_path):
    """The program sends the resource's name (`__name`, never kept in the inputs): a second
    resource on the account fails its check naming both; a check without a name (a program
    of an earlier release) claims nothing."""
    monkeypatch.setattr(handover.tempfile, "gettempdir", lambda: str(tmp_path))
    made = configured(emulator)
    made._deployment = Deployment(Ledger(shared=handover.Shared("127.0.0.1:40013")))
    for nameless in ({}, {"__name": ""}, {"__name": None}):
        assert made.check({}, dict(props(), **nameless)).failures == []
    first = made.check({}, dict(props(), __name="first"))
    assert first.failures == [] and "__name" not in first.inputs
    assert made.check({}, dict(props(), __name="first")).failures == []  # checked again
    [failure] = made.check({}, dict(props(), __name="second")).failures
    assert failure.property == "from_number"
    assert "'first' and 'second' both manage account 972500000001" in failure.reason


def test_configure_widens_the_servers_workers_to_max_concurrency(emulator, monkeypatch):
    asked = []
    monkeypatch.setattr(dynamic_workers, "raise_worker_limit", asked.append)
    made = WebhookProvider()
    made.configure(ConfigureRequest(Config({"wa-webhook:endpoint": emulator.base_url,
                                            "wa-webhook:maxConcurrency": "7"}, "test")))
    assert asked == [7]
    broken = WebhookProvider()
    broken.configure(ConfigureRequest(Config({"wa-webhook:maxConcurrency": "0"}, "test")))
    assert asked == [7]  # a configuration error: check reports it, the server keeps 4
