"""`pulumi_wa_webhook.native.Webhook` under Pulumi's mocks (no engine, no plugin): what it
registers, how its outputs read back, and that it checks its arguments like the dynamic one."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pulumi
import pytest
from mocked_program import mocked_program

from pulumi_wa_webhook.native import Webhook
from pulumi_wa_webhook.program import WebhookArgumentError


def secret(value: Any) -> Dict[str, Any]:
    """A secret as the engine receives it (Pulumi's wire form: rpc._special_sig_key and
    rpc._special_secret_sig, fixed values of the protocol)."""
    return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            "value": value}


class PluginMocks(pulumi.runtime.Mocks):
    """Answers as the plugin does: the outputs are the settings, camelCase, plus the endpoint."""

    def __init__(self) -> None:
        self.registered: List[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> Any:
        self.registered.append(args)
        outputs = {k: v for k, v in args.inputs.items()
                   if k not in ("apiKey", "adopt", "overwrite", "verifyUrl")}
        outputs.update(fromNumber="972500000001", systemPhoneAlerts=["972500000002"],
                       endpoint="http://127.0.0.1:1/whatsapp/v2", keyFingerprint="0123abcd")
        return [outputs["fromNumber"], outputs]

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        return {}


@pytest.fixture
def mocks() -> Iterator[PluginMocks]:
    """A fresh mocked program run (its own monitor)."""
    mocks = PluginMocks()
    with mocked_program(mocks):
        yield mocks


def _inputs(mocks: PluginMocks) -> Dict[str, Any]:
    [registered] = mocks.registered
    assert registered.typ == "wa-webhook:index:Webhook"
    return dict(registered.inputs)


@pulumi.runtime.test
def test_registers_the_plugin_type_with_camel_case_inputs(mocks):
    webhook = Webhook("main", from_number="+972 50-000-0001", url="https://example.com/hook",
                      system=True, system_phone_alerts=["972500000002"], read_status=True)

    def check(_: Any) -> None:
        assert mocks.registered[0].name == "main"
        assert _inputs(mocks) == {
            "fromNumber": "+972 50-000-0001", "url": "https://example.com/hook",
            "system": True, "systemPhoneAlerts": ["972500000002"], "readStatus": True,
        }  # no endpoint (the plugin's output), no key, no unset flags, no setting left at
        # its default

    return webhook.urn.apply(check)


@pulumi.runtime.test
def test_settings_left_at_their_default_are_not_registered_and_read_as_defaults(mocks):
    """The plugin's check reads an absent setting as its default, so the program registers
    none (at 500 resources an output per default setting cost seconds of program CPU)."""
    webhook = Webhook("bare", from_number=972500000001)

    def check(values: List[Any]) -> None:
        assert _inputs(mocks) == {"fromNumber": 972500000001}
        assert values == ["", False, [], False, False]

    return pulumi.Output.all(webhook.url, webhook.system, webhook.system_phone_alerts,
                             webhook.read_status, webhook.retry).apply(check)


@pulumi.runtime.test
def test_the_api_key_is_sent_as_a_secret_and_flags_when_set(mocks):
    webhook = Webhook("keyed", from_number="972500000001", api_key="the-key",
                      adopt=True, verify_url=True)

    def check(_: Any) -> None:
        inputs = _inputs(mocks)
        assert inputs["apiKey"] == secret("the-key")
        assert inputs["adopt"] is True and inputs["verifyUrl"] is True
        assert "overwrite" not in inputs

    return webhook.urn.apply(check)


@pulumi.runtime.test
def test_an_api_key_output_stays_secret(mocks):
    webhook = Webhook("keyed", from_number="972500000001",
                      api_key=pulumi.Output.from_input("from-another-resource"))

    def check(_: Any) -> None:
        assert _inputs(mocks)["apiKey"] == secret("from-another-resource")

    return webhook.urn.apply(check)


@pulumi.runtime.test
def test_outputs_read_back_as_snake_case_attributes(mocks):
    webhook = Webhook("main", from_number="+972 50-000-0001", read_status=True,
                      system_phone_alerts=["+972 50-000-0002"])

    def check(values: List[Any]) -> None:
        assert values == ["972500000001", "972500000001", ["972500000002"], True, False,
                          "http://127.0.0.1:1/whatsapp/v2", "0123abcd"]

    return pulumi.Output.all(webhook.id, webhook.from_number, webhook.system_phone_alerts,
                             webhook.read_status, webhook.retry, webhook.endpoint,
                             webhook.key_fingerprint).apply(check)


@pulumi.runtime.test
def test_import_option_is_passed_to_the_engine(mocks):
    webhook = Webhook("adopted", from_number="972500000001",
                      opts=pulumi.ResourceOptions(import_="972500000001"))

    def check(_: Any) -> None:
        assert mocks.registered[0].resource_id == "972500000001"

    return webhook.urn.apply(check)


@pytest.mark.parametrize("arguments, problem", [
    ({"system": "yes"}, "system must be True or False, got str"),
    ({"system_phone_alerts": "972500000002"}, "system_phone_alerts must be a list of numbers"),
    ({"adopt": True, "overwrite": True}, "adopt=True and overwrite=True exclude each other"),
    ({"api_key": 1234}, "api_key must be a string, got int"),
])
def test_arguments_are_checked_like_the_dynamic_webhook(mocks, arguments, problem):
    with pytest.raises(WebhookArgumentError, match="Webhook 'bad' has invalid arguments: ") as e:
        Webhook("bad", from_number="972500000001", **arguments)
    assert problem in str(e.value)
    assert mocks.registered == []  # nothing reaches the engine


def test_a_wrong_type_does_not_hide_the_other_arguments_problems(mocks):
    """The provider never sees the values of a program stopped for a wrong type, so the
    program reports their problems too; values not known yet (Outputs) are left to it."""
    with pytest.raises(WebhookArgumentError) as e:
        Webhook("bad", from_number="-972500000001", system="true",
                url="ftp://user:PW@files.example.com/p?token=Q#F",
                system_phone_alerts=["0502211234", pulumi.Output.from_input("x")])
    text = str(e.value)
    assert text.startswith("Webhook 'bad' has invalid arguments: system must be True or False")
    assert "from_number: '-972500000001' starts with a minus sign" in text
    assert "url: must start with https:// or http:// (got scheme 'ftp')" in text
    assert "system_phone_alerts[0]: '0502211234' is in local format" in text
    assert "system_phone_alerts[1]" not in text
    assert not [part for part in ("PW", "token=Q", "#F") if part in text]
    assert mocks.registered == []


@pulumi.runtime.test
def test_one_number_twice_is_left_to_the_providers_check(mocks):
    """Only the provider knows each resource's endpoint: two explicit providers with
    different endpoints make the same number two accounts (the engine tests cover both)."""
    first = Webhook("first", from_number="972500000009")
    second = Webhook("second", from_number="+972 50-000-0009")

    def check(_: Any) -> None:
        assert sorted(r.name for r in mocks.registered) == ["first", "second"]

    return pulumi.Output.all(first.urn, second.urn).apply(check)


@pulumi.runtime.test
def test_the_explicit_provider_takes_every_configuration_key(mocks):
    from pulumi_wa_webhook.config import CONFIG_KEYS
    from pulumi_wa_webhook.native import Provider

    values = {"api_key": "k-1", "endpoint": "https://eu.example.com/v2", "timeout": 5.5,
              "retries": 1, "max_concurrency": 7}
    assert list(values) == [key.python for key in CONFIG_KEYS]
    provider = Provider("eu", **values)

    def check(_: Any) -> None:
        [registered] = mocks.registered
        assert registered.typ == "pulumi:providers:wa-webhook"
        assert {k: v for k, v in registered.inputs.items() if k != "version"} == {
            "apiKey": secret("k-1"), "endpoint": "https://eu.example.com/v2", "timeout": 5.5,
            "retries": 1, "maxConcurrency": 7}

    return provider.urn.apply(check)


class LookupMocks(PluginMocks):
    """Answers getWebhook as the plugin does (camelCase, the URL and phones as read)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: List[pulumi.runtime.MockCallArgs] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.calls.append(args)
        return {"fromNumber": "972500000001", "url": "https://read.example.com/",
                "system": True, "systemPhoneAlerts": ["972500000002", "972500000003"],
                "readStatus": False, "retry": True, "endpoint": "http://127.0.0.1:1/api"}


def test_get_webhook_reads_one_account_into_a_typed_result(mocks):
    from pulumi_wa_webhook.native import get_webhook
    from pulumi_wa_webhook.native.lookup import GetWebhookResult

    lookup = LookupMocks()
    pulumi.runtime.set_mocks(lookup, preview=False)
    result = get_webhook("+972 50-000-0001")
    assert result == GetWebhookResult(
        from_number="972500000001", url="https://read.example.com/", system=True,
        system_phone_alerts=("972500000002", "972500000003"), read_status=False, retry=True,
        endpoint="http://127.0.0.1:1/api")
    get_webhook(972500000001, endpoint="http://127.0.0.1:2/api")
    first, second = lookup.calls
    assert first.token == second.token == "wa-webhook:index:getWebhook"
    assert dict(first.args) == {"fromNumber": "+972 50-000-0001"}  # no endpoint: the provider's
    assert dict(second.args) == {"fromNumber": 972500000001, "endpoint": "http://127.0.0.1:2/api"}


def test_get_webhook_reads_absent_values_as_empty(mocks):
    from pulumi_wa_webhook.native import get_webhook

    class Sparse(LookupMocks):
        def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
            return {"fromNumber": "972500000001", "endpoint": "http://127.0.0.1:1/api"}

    pulumi.runtime.set_mocks(Sparse(), preview=False)
    result = get_webhook("972500000001")
    assert (result.url, result.system, result.system_phone_alerts, result.read_status,
            result.retry) == ("", False, (), False, False)


@pulumi.runtime.test
def test_get_webhook_output_takes_an_output_number(mocks):
    from pulumi_wa_webhook.native import get_webhook_output

    lookup = LookupMocks()
    pulumi.runtime.set_mocks(lookup, preview=False)
    number = pulumi.Output.from_input("972500000001")

    def check(result: Any) -> None:
        assert result.url == "https://read.example.com/" and result.retry is True
        assert result.system_phone_alerts == ("972500000002", "972500000003")
        assert [dict(call.args) for call in lookup.calls] == [{"fromNumber": "972500000001"}]

    return get_webhook_output(number).apply(check)


@pulumi.runtime.test
def test_the_explicit_provider_takes_the_programs_options(mocks):
    from pulumi_wa_webhook.native import Provider

    team = pulumi.ComponentResource("team:index:Webhooks", "team")
    provider = Provider("us", endpoint="https://us.example.com",
                        opts=pulumi.ResourceOptions(parent=team))

    def check(urn: str) -> None:
        assert urn.endswith("::team:index:Webhooks$pulumi:providers:wa-webhook::us")

    return provider.urn.apply(check)


def test_get_webhook_goes_through_the_provider_it_is_given(mocks):
    from pulumi_wa_webhook.native import Provider, get_webhook

    lookup = LookupMocks()
    pulumi.runtime.set_mocks(lookup, preview=False)
    provider = Provider("us", endpoint="https://us.example.com")
    get_webhook("972500000001", opts=pulumi.InvokeOptions(provider=provider))
    [call] = lookup.calls
    assert call.provider.startswith("urn:pulumi:") and "pulumi:providers:wa-webhook::us::" in \
        call.provider


@pulumi.runtime.test
def test_get_webhook_output_sends_the_endpoint_and_the_provider(mocks):
    from pulumi_wa_webhook.native import Provider, get_webhook_output

    lookup = LookupMocks()
    pulumi.runtime.set_mocks(lookup, preview=False)
    provider = Provider("us", endpoint="https://us.example.com")
    result = get_webhook_output("972500000001", endpoint="http://127.0.0.1:2/api",
                                opts=pulumi.InvokeOutputOptions(provider=provider))

    def check(read: Any) -> None:
        [call] = lookup.calls
        assert call.token == "wa-webhook:index:getWebhook"
        assert dict(call.args) == {"fromNumber": "972500000001",
                                   "endpoint": "http://127.0.0.1:2/api"}
        assert "pulumi:providers:wa-webhook::us::" in call.provider
        assert read.endpoint == "http://127.0.0.1:1/api"

    return result.apply(check)
