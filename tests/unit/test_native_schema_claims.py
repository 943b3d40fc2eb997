"""Every schema description that states a behaviour is checked on the plugin (over gRPC,
against the emulator), so the registry docs cannot say what the provider does not do.

Each claim is (where in the schema, the phrase that states it); a test below performs it.
A description that states no behaviour (only what a value means) is listed in MEANINGS; a new
description must be added to one or the other (`test_every_description_is_claimed_or_a_meaning`).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

import grpc
import pytest
from plugin_client import URN, plain, running_plugin, secret, struct
from pulumi.runtime import proto
from receivers import closed_port
from webhook_programs import ACCOUNT_1, KEY_1, stored

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook.config import key_fingerprint
from pulumi_wa_webhook.emulator.testing import TEST_ACCOUNTS, running_emulator
from pulumi_wa_webhook.native import GET_WEBHOOK, WEBHOOK_TYPE
from pulumi_wa_webhook.native.schema import package_schema

CLAIMS = {
    "properties.fromNumber": ["canonical international digits", "the resource ID",
                              "Changing it replaces the resource."],
    "properties.url": ["empty for none"],
    "properties.systemPhoneAlerts": ["Up to 5 Israeli phones", "any order"],
    "properties.endpoint": ["refresh and destroy use it"],
    "properties.keyFingerprint": ["written or imported with",
                                  "a rotated key shows as a change of this property"],
    "inputProperties.apiKey": ["Defaults to the provider configuration `apiKey`, then the "
                               "environment variable WA_WEBHOOK_API_KEY"],
    "inputProperties.adopt": ["instead of writing, fails if its settings differ"],
    "inputProperties.overwrite": ["take over an account that holds a different configuration"],
    "inputProperties.verifyUrl": ["fail, writing nothing", "Never in preview."],
    "config.endpoint": ["no user info, query or fragment",
                        "When not set: $WA_WEBHOOK_ENDPOINT, else the default, "
                        "https://api.99digital.co.il/whatsapp/v2."],
    "config.timeout": ["from 0.1 to 300", "When not set: $WA_WEBHOOK_TIMEOUT, else the "
                       "default, 10."],
    "config.retries": ["from 0 to 10", "When not set: $WA_WEBHOOK_RETRIES, else the default, 3."],
    "config.apiKey": ["When not set: $WA_WEBHOOK_API_KEY, which the plugin reads itself"],
    "config.maxConcurrency": ["whatever `--parallel` is", "from 1 to 256",
                              "When not set: $WA_WEBHOOK_MAX_CONCURRENCY, else the default, 16."],
    "function": ["one getWebhook call", "nothing is written"],
    "function.inputs.fromNumber": ["in any form `fromNumber` of a Webhook accepts"],
    "function.inputs.endpoint": ["the provider's `endpoint` when not given"],
    "resource": ["destroy clears it"],
}
#: Descriptions that say what a value means, and state no behaviour of the provider.
MEANINGS = {
    "properties.system", "properties.readStatus", "properties.retry",
    "function.outputs.fromNumber", "function.outputs.endpoint", "package", "provider",
}


def descriptions() -> Iterator[Tuple[str, str]]:
    """(where, description) for every description in the schema (inputs and outputs that
    repeat a property's description count once, under `properties`)."""
    schema = package_schema()
    resource = schema["resources"][WEBHOOK_TYPE]
    function = schema["functions"][GET_WEBHOOK]
    yield "package", schema["description"]
    yield "provider", schema["provider"]["description"]
    yield "resource", resource["description"]
    yield "function", function["description"]
    seen = set()
    for where, props in [("properties", resource["properties"]),
                         ("inputProperties", resource["inputProperties"]),
                         ("config", schema["config"]["variables"]),
                         ("provider", schema["provider"]["inputProperties"]),
                         ("function.inputs", function["inputs"]["properties"]),
                         ("function.outputs", function["outputs"]["properties"])]:
        for name, spec in props.items():
            if spec["description"] in seen:
                continue
            seen.add(spec["description"])
            yield f"{where}.{name}", spec["description"]


def test_every_description_is_claimed_or_a_meaning():
    found = dict(descriptions())
    assert set(found) == set(CLAIMS) | MEANINGS
    for where, phrases in CLAIMS.items():
        for phrase in phrases:
            assert phrase in found[where], (where, phrase)


def test_defaults_in_the_schema_are_the_configuration_defaults(no_config_env):
    variables = package_schema()["config"]["variables"]
    options = stack_config.load({}).options
    assert f"else the default, {options.endpoint}." in variables["endpoint"]["description"]
    assert f"else the default, {options.timeout:g}." in variables["timeout"]["description"]
    assert f"else the default, {options.retries}." in variables["retries"]["description"]
    assert f"else the default, {options.max_concurrency}." in \
        variables["maxConcurrency"]["description"]


# -- the claims, performed ---------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("no_config_env")


def checked(served, **news: Any) -> Dict[str, Any]:
    answer = served.check(news)
    assert list(answer.failures) == []
    return plain(answer.inputs)


def failures(served, **news: Any) -> Dict[str, str]:
    return {f.property: f.reason for f in served.check(news).failures}


def create(served, inputs: Dict[str, Any], preview: bool = False) -> Any:
    return served.call("Create", proto.CreateRequest(urn=URN, properties=struct(inputs),
                                                     preview=preview))


def test_from_number_is_canonical_the_id_and_a_change_replaces(plugin, emulator):
    inputs = checked(plugin, fromNumber="+972 50-000-0001")
    assert inputs["fromNumber"] == ACCOUNT_1
    answer = create(plugin, inputs)
    assert answer.id == ACCOUNT_1 == plain(answer.properties)["fromNumber"]
    diff = plugin.call("Diff", proto.DiffRequest(
        urn=URN, id=ACCOUNT_1, olds=answer.properties,
        news=struct(dict(inputs, fromNumber="972500000002"))))
    assert list(diff.replaces) == ["fromNumber"]


def test_url_is_empty_for_none(plugin, emulator):
    answer = create(plugin, checked(plugin, fromNumber=ACCOUNT_1))
    assert plain(answer.properties)["url"] == ""


def test_alert_phones_up_to_five_israeli_in_any_order(plugin):
    six = [f"97250221123{i}" for i in range(6)]
    assert "systemPhoneAlerts" in failures(plugin, fromNumber=ACCOUNT_1, systemPhoneAlerts=six)
    assert "systemPhoneAlerts" in failures(plugin, fromNumber=ACCOUNT_1,
                                           systemPhoneAlerts=["12025550123"])
    one = checked(plugin, fromNumber=ACCOUNT_1, systemPhoneAlerts=six[:5])
    other = checked(plugin, fromNumber=ACCOUNT_1, systemPhoneAlerts=list(reversed(six[:5])))
    assert one["systemPhoneAlerts"] == other["systemPhoneAlerts"]


def test_refresh_and_destroy_use_the_endpoint_in_state(emulator):
    with running_emulator(TEST_ACCOUNTS) as elsewhere, running_plugin() as served:
        served.configure(endpoint=elsewhere.base_url, apiKey=secret(KEY_1))  # moved since
        emulator.set_account(ACCOUNT_1, url="https://h.example.com/")
        state = {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/",
                 "endpoint": emulator.base_url}
        read = served.call("Read", proto.ReadRequest(id=ACCOUNT_1, urn=URN,
                                                     properties=struct(state)))
        assert plain(read.properties)["url"] == "https://h.example.com/"
        served.call("Delete", proto.DeleteRequest(id=ACCOUNT_1, urn=URN,
                                                  properties=struct(state)))
        assert stored(emulator)["url"] == "" and elsewhere.requests() == []


def test_the_fingerprint_after_a_write_and_an_import_and_a_rotation(plugin, emulator):
    written = create(plugin, checked(plugin, fromNumber=ACCOUNT_1))
    assert plain(written.properties)["keyFingerprint"] == key_fingerprint(KEY_1)
    imported = plugin.call("Read", proto.ReadRequest(id=ACCOUNT_1, urn=URN))
    assert plain(imported.properties)["keyFingerprint"] == key_fingerprint(KEY_1)
    state = dict(plain(written.properties), keyFingerprint=key_fingerprint("old-key"))
    diff = plugin.call("Diff", proto.DiffRequest(urn=URN, id=ACCOUNT_1, olds=struct(state),
                                                 news=struct(checked(plugin,
                                                                     fromNumber=ACCOUNT_1))))
    assert list(diff.diffs) == ["keyFingerprint"]


def test_the_key_defaults_to_the_configuration_then_the_environment(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", "not-the-key")
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1))
        assert create(served, checked(served, fromNumber=ACCOUNT_1)).id == ACCOUNT_1
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", KEY_1)
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)
        assert create(served, checked(served, fromNumber=ACCOUNT_1)).id == ACCOUNT_1


def test_adopt_fails_instead_of_writing_and_overwrite_takes_over(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/")
    inputs = checked(plugin, fromNumber=ACCOUNT_1, url="https://mine.example.com/")
    with pytest.raises(grpc.RpcError, match="was not adopted"):
        create(plugin, dict(inputs, adopt=True))
    assert stored(emulator)["url"] == "https://by-hand.example.com/"
    create(plugin, dict(inputs, overwrite=True))
    assert stored(emulator)["url"] == "https://mine.example.com/"


def test_verify_url_fails_writing_nothing_and_never_in_preview(plugin, emulator):
    dead = f"http://127.0.0.1:{closed_port()}/hook"
    inputs = checked(plugin, fromNumber=ACCOUNT_1, url=dead, verifyUrl=True)
    assert create(plugin, inputs, preview=True).id == ""
    with pytest.raises(grpc.RpcError, match="not reachable"):
        create(plugin, inputs)
    assert emulator.count("setWebhook") == 0


def test_configuration_defaults_and_environment_fallbacks(monkeypatch):
    assert stack_config.load({}).options.endpoint == "https://api.99digital.co.il/whatsapp/v2"
    assert (stack_config.load({}).options.timeout, stack_config.load({}).options.retries) == (
        10.0, 3)
    assert stack_config.load({}).options.max_concurrency == 16
    monkeypatch.setenv("WA_WEBHOOK_MAX_CONCURRENCY", "5")
    assert stack_config.load({}).options.max_concurrency == 5
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", "https://eu.example.com/v2")
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", "7")
    monkeypatch.setenv("WA_WEBHOOK_RETRIES", "1")
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", "from-env")
    loaded = stack_config.load({})
    assert (loaded.options.endpoint, loaded.options.timeout, loaded.options.retries,
            loaded.api_key) == ("https://eu.example.com/v2", 7.0, 1, "from-env")


def test_the_endpoint_has_no_user_info_query_or_fragment_and_the_bounds_hold():
    with running_plugin() as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:wa-webhook::eu", news=struct({
                "endpoint": "https://u:p@api.example.com/v2?q=1#f", "timeout": 300.5,
                "retries": 11.0, "maxConcurrency": 257.0})))
    reasons = sorted(f.reason.split(" must ")[1].split(",")[0] for f in answer.failures)
    assert reasons == ["be a number of seconds from 0.1 to 300", "be a whole number from 0 to 10",
                       "be a whole number from 1 to 256",
                       "not have user info or a query or a fragment: give the API's base URL "
                       "only"]


def test_get_webhook_one_call_nothing_written_any_form_provider_endpoint(plugin, emulator):
    answer = plugin.call("Invoke", proto.InvokeRequest(
        tok=GET_WEBHOOK, args=struct({"fromNumber": "(972) 50-000-0001"})))
    assert plain(getattr(answer, "return"))["endpoint"] == emulator.base_url
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0


def test_destroy_clears_the_account(plugin, emulator):
    inputs = checked(plugin, fromNumber=ACCOUNT_1, url="https://h.example.com/", retry=True)
    answer = create(plugin, inputs)
    with running_plugin() as later:  # a later `pulumi destroy`: another deployment
        later.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1), retries=0.0)
        later.call("Delete", proto.DeleteRequest(id=ACCOUNT_1, urn=URN,
                                                 properties=answer.properties,
                                                 old_inputs=struct(inputs)))
    assert stored(emulator) == {"url": "", "system": 0, "systemPhoneAlert": "", "readStatus": 0,
                                "retry": 0}
