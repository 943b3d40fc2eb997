"""The native plugin's value translation (engine PropertyValues <-> the core's plain dicts)
and the lazy `pulumi_wa_webhook.native` package."""

from __future__ import annotations

import pytest
from pulumi.provider.experimental.property_value import PropertyValue

import pulumi_wa_webhook.native as native
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
