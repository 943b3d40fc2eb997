"""The native plugin's translation layer without the engine: schema, names, values, errors."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_wa_webhook.errors import AccountInUseError, InvalidApiKeyError
from pulumi_wa_webhook.model import WebhookSettings
from pulumi_wa_webhook.native import WEBHOOK_TYPE
from pulumi_wa_webhook.native.names import camel, snake
from pulumi_wa_webhook.native.provider import WebhookProvider, config_mapping
from pulumi_wa_webhook.native.schema import package_schema, schema_json
from pulumi_wa_webhook.native.server import expected_failure
from pulumi_wa_webhook.native.values import (
    UNKNOWN_UUID,
    from_props,
    is_unknown,
    to_props,
)


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
