"""The native plugin's value translation (engine PropertyValues <-> the core's plain dicts)
and the lazy `pulumi_wa_webhook.native` package.

The native plugin's translation layer without the engine: schema, names, values, errors.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CheckRequest

import pulumi_wa_webhook.native as native
from pulumi_wa_webhook.errors import AccountInUseError, InvalidApiKeyError
from pulumi_wa_webhook.model import WebhookSettings
from pulumi_wa_webhook.native import WEBHOOK_TYPE
from pulumi_wa_webhook.native.names import camel, snake
from pulumi_wa_webhook.native.provider import WebhookProvider, config_mapping
from pulumi_wa_webhook.native.schema import package_schema, schema_json
from pulumi_wa_webhook.native.server import expected_failure
from pulumi_wa_webhook.native.values import (
    UNKNOWN,
    UNKNOWN_UUID,
    from_props,
    is_unknown,
    to_plain,
    to_props,
)


def test_plain_values_pass_through_and_secrets_are_unwrapped():
    assert to_plain(PropertyValue("k", is_secret=True)) == "k"
    assert to_plain(PropertyValue(True)) is True
    assert to_plain(PropertyValue(972500000001.0)) == 972500000001.0
    assert to_plain(PropertyValue.null()) is None
    assert to_plain(PropertyValue({"a": PropertyValue([PropertyValue("x"),
                                                      PropertyValue({"b": PropertyValue(1.0)})])
                                   })) == {"a": ["x", {"b": 1.0}]}


@pytest.mark.parametrize("value", [
    PropertyValue.computed(), PropertyValue(UNKNOWN_UUID),
    PropertyValue(UNKNOWN_UUID, is_secret=True),
])
def test_both_forms_of_unknown_become_unknown(value):
    assert is_unknown(to_plain(value))
    assert is_unknown(to_plain(PropertyValue([PropertyValue("x"), value]))[1])
    assert is_unknown(to_plain(PropertyValue({"k": value}))["k"])


def test_is_unknown_only_for_the_marker():
    assert is_unknown(UNKNOWN)
    assert not is_unknown(UNKNOWN_UUID) and not is_unknown(None) and not is_unknown("")
    assert repr(UNKNOWN) == "<unknown>"


def test_props_are_renamed_both_ways():
    assert to_props({"fromNumber": PropertyValue("1"), "systemPhoneAlerts": PropertyValue([]),
                     "apiKey": PropertyValue("k", is_secret=True)}) == {
        "from_number": "1", "system_phone_alerts": [], "api_key": "k"}
    assert from_props({"read_status": True}) == {"readStatus": PropertyValue(True)}


def test_ints_are_sent_as_floats_and_bools_stay_bools():
    sent = from_props({"count": 3, "flag": False, "ratio": 0.5, "text": "t"})
    assert sent == {"count": PropertyValue(3.0), "flag": PropertyValue(False),
                    "ratio": PropertyValue(0.5), "text": PropertyValue("t")}
    assert type(sent["count"].value) is float and sent["flag"].value is False


def test_nested_lists_maps_and_unknowns_are_sent():
    sent = from_props({"alerts": ("972502211234", UNKNOWN), "extra": {"n": 1, "none": None}})
    assert sent["alerts"] == PropertyValue([PropertyValue("972502211234"),
                                            PropertyValue(UNKNOWN_UUID)])
    assert sent["extra"] == PropertyValue({"n": PropertyValue(1.0), "none": PropertyValue.null()})
    assert not sent["alerts"].is_secret


def test_secrets_only_for_the_names_asked_and_none_is_left_out():
    sent = from_props({"api_key": "k", "url": "u", "endpoint": None}, secret=["api_key"])
    assert sent == {"apiKey": PropertyValue("k", is_secret=True), "url": PropertyValue("u")}
    assert sent["apiKey"].is_secret and not sent["url"].is_secret


def test_round_trip_from_props_to_props():
    props = {"from_number": "972500000001", "system": True, "system_phone_alerts": ["1", "2"],
             "retry": 2.0, "api_key": "k"}
    assert to_props(from_props(props, secret=["api_key"])) == props


def test_an_unsupported_type_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="cannot send a bytes to the engine"):
        from_props({"x": b"raw"})
    with pytest.raises(TypeError, match="cannot send a set"):
        from_props({"x": [{1}]})


def test_the_package_resolves_webhook_lazily_and_names_itself_for_others():
    from pulumi_wa_webhook.native.resource import Webhook

    assert native.Webhook is Webhook
    assert native.WEBHOOK_TYPE == "wa-webhook:index:Webhook"
    with pytest.raises(AttributeError, match="module 'pulumi_wa_webhook.native' has no "
                                             "attribute 'Nope'"):
        native.Nope  # noqa: B018


# --- test_native_unit.py ----------------------------------------
def test_schema_follows_the_model():
    schema = package_schema()
    resource = schema["resources"][WEBHOOK_TYPE]
    fields = [camel(f.name) for f in dataclasses.fields(WebhookSettings)]
    assert fields == ["fromNumber", "url", "system", "systemPhoneAlerts", "readStatus", "retry"]
    for name in fields:
        assert resource["properties"][name]["description"]
        spec = {k: v for k, v in resource["inputProperties"][name].items() if k != "default"}
        assert spec == resource["properties"][name]
    assert resource["properties"]["systemPhoneAlerts"]["type"] == "array"
    assert resource["properties"]["system"]["type"] == "boolean"
    assert resource["requiredInputs"] == ["fromNumber"]
    assert resource["inputProperties"]["apiKey"]["secret"] is True
    assert "apiKey" not in resource["properties"]  # kept once, in the inputs
    assert schema["config"]["variables"]["apiKey"]["secret"] is True
    assert json.loads(schema_json()) == schema


@pytest.mark.parametrize("snake_name, camel_name", [
    ("from_number", "fromNumber"), ("system_phone_alerts[2]", "systemPhoneAlerts[2]"),
    ("api_key", "apiKey"), ("url", "url"),
])
def test_names_both_ways(snake_name, camel_name):
    assert camel(snake_name) == camel_name
    assert snake(camel_name.split("[")[0]) == snake_name.split("[")[0]


def test_values_unknowns_numbers_and_secrets():
    props = to_props({
        "fromNumber": PropertyValue(972500000001.0),
        "url": PropertyValue(UNKNOWN_UUID),
        "systemPhoneAlerts": PropertyValue([PropertyValue.computed(), PropertyValue("9725")]),
        "apiKey": PropertyValue("k", is_secret=True),
    })
    assert props["from_number"] == 972500000001.0
    assert is_unknown(props["url"]) and is_unknown(props["system_phone_alerts"][0])
    assert props["api_key"] == "k"
    back = from_props({"api_key": "k", "retry": True, "url": None}, secret=["api_key"])
    assert back == {"apiKey": PropertyValue("k", is_secret=True), "retry": PropertyValue(True)}


def test_config_numbers_become_text_for_config_load():
    assert config_mapping({"timeout": 5.0, "retries": 1.0, "apiKey": "k", "endpoint": ""}) == {
        "wa-webhook:timeout": "5", "wa-webhook:retries": "1", "wa-webhook:apiKey": "k"}


def test_check_names_problems_in_camel_case_and_makes_no_call():
    provider = WebhookProvider(workers=1)
    request = CheckRequest(f"urn:pulumi:dev::p::{WEBHOOK_TYPE}::h", {}, {
        "fromNumber": PropertyValue("0501234567"),
        "systemPhoneAlerts": PropertyValue([PropertyValue("12025550123")]),
        "apiKey": PropertyValue("k", is_secret=True),
    }, b"")
    answer = asyncio.run(provider.check(request))
    assert {f.property for f in answer.failures} == {"fromNumber", "systemPhoneAlerts"}
    assert answer.inputs["apiKey"].is_secret


def test_expected_failure_is_found_behind_the_sdk_wrapper():
    try:
        try:
            raise InvalidApiKeyError("getWebhook", "972500000001", 3)
        except Exception as err:
            raise Exception(f"{err}:\n  File ...") from None  # what the SDK does
    except Exception as wrapped:
        assert isinstance(expected_failure(wrapped), InvalidApiKeyError)
    assert expected_failure(ValueError("bug")) is None
    taken = AccountInUseError("1", WebhookSettings("1"), WebhookSettings("1", url="x"))
    assert expected_failure(taken) is taken
