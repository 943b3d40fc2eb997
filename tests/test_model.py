"""Normalisation, validation and the wire mapping (pure, no HTTP)."""

from __future__ import annotations

import pytest

from pulumi_wa_webhook.model import (
    SettingsError,
    WebhookSettings,
    cleared,
    from_wire,
    parse_settings,
    without_defaults,
)

#: Also run by `make test-compat` against the installed wheel (oldest and newest deps).
pytestmark = pytest.mark.compat

GOOD = {"from_number": "972500000001"}
#: What setWebhook receives for an account with nothing set: single spaces clear, switches 0.
CLEARED_WIRE = {"from": "972500000001", "url": " ", "system": 0, "systemPhoneAlert": " ",
                "readStatus": 0, "retry": 0}


@pytest.mark.parametrize(
    "given",
    [
        "972501234567",
        "+972501234567",
        "+972 50-123-4567",
        " 972-50-123-4567 ",
        "+972 (50) 123.4567",
    ],
)
def test_accepted_forms_of_the_account_number(given):
    assert parse_settings({"from_number": given}).from_number == "972501234567"


# (properties, property named in the failure, words the message must contain)
BAD_INPUTS = [
    ({"from_number": "0501234567"}, "from_number", "local format"),
    ({"from_number": "050-123-4567"}, "from_number", "local format"),
    ({"from_number": "97250abc4567"}, "from_number", "characters other than digits"),
    ({"from_number": "phone"}, "from_number", "characters other than digits"),
    ({"from_number": ""}, "from_number", "must not be empty"),
    ({"from_number": "   "}, "from_number", "must not be empty"),
    ({"from_number": None}, "from_number", "must be a string"),
    ({"from_number": -972501234567}, "from_number", "must be a string"),
    ({"from_number": 97250.5}, "from_number", "must be a string"),
    ({"from_number": "123"}, "from_number", "wrong number of digits"),
    ({"from_number": "97250123456789012"}, "from_number", "wrong number of digits"),
    # One digit too many for an Israeli mobile; ten digits is only a 1-800 / 1-700 length.
    ({"from_number": "+972 50-123-45678"}, "from_number", "wrong number of digits"),
    ({"from_number": "+44 7911 1234567"}, "from_number", "wrong number of digits"),
    ({"from_number": "99912345678"}, "from_number", "not a phone number"),
    ({"from_number": "+972+501234567"}, "from_number", "characters other than digits"),
    ({**GOOD, "url": "ftp://hooks.example.com/x"}, "url", "https://"),
    ({**GOOD, "url": "hooks.example.com/x"}, "url", "https://"),
    ({**GOOD, "url": "https://hooks.example.com/a b"}, "url", "whitespace"),
    ({**GOOD, "url": " https://hooks.example.com/"}, "url", "whitespace"),
    ({**GOOD, "url": "https://"}, "url", "no host"),
    ({**GOOD, "url": "https://example.com:99999/x"}, "url", "invalid port"),
    ({**GOOD, "url": "https://example.com/" + "a" * 2100}, "url", "at most 2048"),
    ({**GOOD, "url": 42}, "url", "string URL"),
    ({**GOOD, "system": "yes"}, "system", "True or False"),
    ({**GOOD, "read_status": 2}, "read_status", "True or False"),
    ({**GOOD, "retry": "1"}, "retry", "True or False"),
    ({**GOOD, "system_phone_alerts": "972502211234"}, "system_phone_alerts", "list"),
    ({**GOOD, "system_phone_alerts": ["0502211234"]}, "system_phone_alerts[0]", "local format"),
    (
        {**GOOD, "system_phone_alerts": ["972502211234", "97250x"]},
        "system_phone_alerts[1]",
        "characters other than digits",
    ),
    (
        {**GOOD, "system_phone_alerts": ["+1 202 555 0143"]},
        "system_phone_alerts[0]",
        "starting with 972",
    ),
    (
        {**GOOD, "system_phone_alerts": ["972502211234", "+972 50-221-1234"]},
        "system_phone_alerts[1]",
        "listed twice",
    ),
    (
        {**GOOD, "system_phone_alerts": [f"97250000000{i}" for i in range(1, 7)]},
        "system_phone_alerts",
        "at most 5",
    ),
]


@pytest.mark.parametrize(
    ("props", "prop", "words"), BAD_INPUTS, ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD_INPUTS)]
)
def test_bad_input_is_rejected_with_a_message_naming_the_property(props, prop, words):
    with pytest.raises(SettingsError) as caught:
        parse_settings(props)
    problems = {p.property: p.reason for p in caught.value.problems}
    assert prop in problems, problems
    assert words in problems[prop]


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": "0501234567", "url": "ftp://x", "retry": "no"})
    assert [p.property for p in caught.value.problems] == ["from_number", "url", "retry"]


def test_unset_values_mean_no_url_no_phones_switches_off():
    settings = parse_settings(
        {"from_number": "972500000001", "url": None, "system_phone_alerts": None}
    )
    assert settings == WebhookSettings("972500000001")
    assert settings.to_wire() == CLEARED_WIRE


def test_full_settings_to_wire():
    settings = parse_settings(
        {
            "from_number": "+972 50-000-0001",
            "url": "https://hooks.example.com/wa",
            "system": True,
            "system_phone_alerts": ["+972 50-221-1234", "972527788695"],
            "read_status": True,
            "retry": False,
        }
    )
    assert settings.to_wire() == {
        "from": "972500000001",
        "url": "https://hooks.example.com/wa",
        "system": 1,
        "systemPhoneAlert": "972502211234,972527788695",
        "readStatus": 1,
        "retry": 0,
    }


def test_delete_settings_clear_everything():
    assert cleared("972500000001").to_wire() == CLEARED_WIRE


def test_get_webhook_answer_is_normalised():
    # The documented example: system as a string, retry/readStatus as numbers, and the
    # alert number in Israeli local format.
    answer = {
        "status": "OK",
        "url": "your-webhook.example.com",
        "system": "1",
        "systemPhoneAlert": "0501234567",
        "retry": 1,
        "readStatus": 1,
        "reason": 1,
    }
    assert from_wire("972500000001", answer) == WebhookSettings(
        "972500000001",
        url="your-webhook.example.com",
        system=True,
        system_phone_alerts=("972501234567",),
        read_status=True,
        retry=True,
    )


def test_empty_answer_reads_as_cleared():
    answer = {
        "status": "OK",
        "url": "",
        "system": "0",
        "systemPhoneAlert": "",
        "retry": 0,
        "readStatus": 0,
    }
    assert from_wire("972500000001", answer) == cleared("972500000001")


def test_equivalent_inputs_compare_equal():
    a = parse_settings(
        {"from_number": "+972 50-000-0001", "system_phone_alerts": ["+972 50-221-1234"]}
    )
    b = parse_settings({"from_number": "972500000001", "system_phone_alerts": ["972502211234"]})
    assert a == b and a.changed_fields(b) == []
    assert a.changed_fields(WebhookSettings("972500000001", retry=True)) == [
        "system_phone_alerts",
        "retry",
    ]


def test_without_defaults_keeps_the_account_and_every_setting_that_differs():
    unknown = object()
    props = {"from_number": "972500000001", "url": "", "system": 0, "system_phone_alerts": [],
             "read_status": False, "retry": True, "endpoint": "", "api_key": unknown}
    assert without_defaults(props) == {"from_number": "972500000001", "retry": True,
                                       "endpoint": "", "api_key": unknown}
    assert without_defaults({"url": "https://h.example.com/", "system_phone_alerts": ["9725"],
                             "read_status": unknown}) == {
        "url": "https://h.example.com/", "system_phone_alerts": ["9725"], "read_status": unknown}
