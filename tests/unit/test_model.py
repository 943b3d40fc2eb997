"""Normalisation, validation and the wire mapping (pure, no HTTP).

The input rules at their exact limits, the accepted forms, and reading back what the API or
the state holds (pure, no HTTP).
"""

from __future__ import annotations

import pytest

from pulumi_wa_webhook.model import (
    MAX_ALERT_PHONES,
    MAX_URL_LENGTH,
    SCHEMA,
    SettingsError,
    WebhookSettings,
    cleared,
    describe_differences,
    from_state,
    from_wire,
    parse_alert_phones,
    parse_phone,
    parse_settings,
    parse_switch,
    parse_url,
    without_defaults,
)

# The tests marked `compat` also run in `make test-compat` (oldest and newest deps).

GOOD = {"from_number": "972500000001"}
#: What setWebhook receives for an account with nothing set: single spaces clear, switches 0.
CLEARED_WIRE = {"from": "972500000001", "url": " ", "system": 0, "systemPhoneAlert": " ",
                "readStatus": 0, "retry": 0}


@pytest.mark.compat
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
    ({"from_number": -972501234567}, "from_number", "starts with a minus sign"),
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


@pytest.mark.compat
@pytest.mark.parametrize(
    ("props", "prop", "words"), BAD_INPUTS, ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD_INPUTS)]
)
def test_bad_input_is_rejected_with_a_message_naming_the_property(props, prop, words):
    with pytest.raises(SettingsError) as caught:
        parse_settings(props)
    problems = {p.property: p.reason for p in caught.value.problems}
    assert prop in problems, problems
    assert words in problems[prop]


@pytest.mark.compat
def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": "0501234567", "url": "ftp://x", "retry": "no"})
    assert [p.property for p in caught.value.problems] == ["from_number", "url", "retry"]


@pytest.mark.compat
def test_unset_values_mean_no_url_no_phones_switches_off():
    settings = parse_settings(
        {"from_number": "972500000001", "url": None, "system_phone_alerts": None}
    )
    assert settings == WebhookSettings("972500000001")
    assert settings.to_wire() == CLEARED_WIRE


@pytest.mark.compat
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


@pytest.mark.compat
def test_delete_settings_clear_everything():
    assert cleared("972500000001").to_wire() == CLEARED_WIRE


@pytest.mark.compat
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


@pytest.mark.compat
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


@pytest.mark.compat
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


@pytest.mark.compat
def test_without_defaults_keeps_the_account_and_every_setting_that_differs():
    unknown = object()
    props = {"from_number": "972500000001", "url": "", "system": 0, "system_phone_alerts": [],
             "read_status": False, "retry": True, "endpoint": "", "api_key": unknown}
    assert without_defaults(props) == {"from_number": "972500000001", "retry": True,
                                       "endpoint": "", "api_key": unknown}
    assert without_defaults({"url": "https://h.example.com/", "system_phone_alerts": ["9725"],
                             "read_status": unknown}) == {
        "url": "https://h.example.com/", "system_phone_alerts": ["9725"], "read_status": unknown}


# --- test_model_rules.py ----------------------------------------
ACCOUNT = "972500000001"


def problems(props):
    with pytest.raises(SettingsError) as caught:
        parse_settings(props)
    return {p.property: p.reason for p in caught.value.problems}


def url_of_length(length: int) -> str:
    base = "https://hooks.example.com/"
    return base + "a" * (length - len(base))


# -- URL -------------------------------------------------------------------------------------


def test_url_of_exactly_the_maximum_length_is_accepted_one_more_is_not():
    longest = url_of_length(MAX_URL_LENGTH)
    assert MAX_URL_LENGTH == 2048
    assert parse_url(longest) == longest
    reason = problems({"from_number": ACCOUNT, "url": longest + "a"})["url"]
    assert reason == "is 2049 characters long; at most 2048"


@pytest.mark.parametrize("url", ["http://hooks.example.com/wa", "https://hooks.example.com:8443/wa",
                                 "HTTPS://hooks.example.com/wa?x=1"])
def test_http_and_https_webhook_urls_are_accepted_as_given(url):
    assert parse_settings({"from_number": ACCOUNT, "url": url}).url == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (42, "must be a string URL such as https://hooks.example.com/wa"),
        ("https://hooks.example.com/a b", "must not contain spaces or other whitespace"),
        (" https://hooks.example.com/", "must not contain spaces"),
        ("https://hooks.example.com/\t", "must not contain control characters (found U+0009)"),
        ("ftp://hooks.example.com/", "got scheme 'ftp'"),
        ("hooks.example.com/wa", "must start with https:// or http://"),
        ("https:///wa", "has no host name"),
        ("https://hooks.example.com:99999/", "has an invalid port"),
        ("https://hooks.example.com:port/", "has an invalid port"),
    ],
)
def test_bad_urls_are_rejected_with_the_reason(url, words):
    reason = problems({"from_number": ACCOUNT, "url": url})["url"]
    assert words in reason
    assert str(url) not in reason  # the rule, never the URL (it may hold a token)


@pytest.mark.parametrize("unset", [None, ""])
def test_no_url_means_none(unset):
    assert parse_url(unset) == ""


# -- switches ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [(True, True), (False, False), (None, False)])
def test_switches_take_booleans(given, expected):
    assert parse_switch(given, "system") is expected
    settings = parse_settings({"from_number": ACCOUNT, "system": given, "read_status": given,
                               "retry": given})
    assert (settings.system, settings.read_status, settings.retry) == (expected,) * 3


@pytest.mark.parametrize("given", [1, 0, 1.0, 0.0, 2, -1, 0.5, "1", "true", "false", [1]])
def test_every_other_switch_value_is_rejected_naming_the_value(given):
    """A number is no boolean, whatever its value: `1` is refused as `2` is."""
    reason = problems({"from_number": ACCOUNT, "read_status": given})["read_status"]
    assert reason == f"must be True or False, got {given!r}"


@pytest.mark.parametrize(("given", "shown"), [
    (1.0, "1"), (2.0, "2"), (0.5, "0.5"), ("false", '"false"'), ([1.0], "[1]"),
])
def test_switch_problems_for_the_plugin_use_json_literals(given, shown):
    with pytest.raises(SettingsError) as caught:
        parse_switch(given, "retry", spelling=SCHEMA)
    assert caught.value.problems[0].reason == f"must be true or false, got {shown}"


# -- phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("given", [972501234567, 972501234567.0, "972501234567"])
def test_account_numbers_given_as_whole_numbers_are_accepted(given):
    assert parse_phone(given, "from_number") == "972501234567"


@pytest.mark.parametrize("given", [972501234567.5, True, None, ["972501234567"]])
def test_numbers_that_are_neither_text_nor_whole_numbers_are_rejected(given):
    with pytest.raises(SettingsError) as caught:
        parse_phone(given, "from_number")
    [problem] = caught.value.problems
    assert problem.property == "from_number"
    assert problem.reason.startswith("must be a string (international digits")


@pytest.mark.parametrize(("given", "words"), [
    (-972501234567, "-972501234567 starts with a minus sign"),
    (-972501234567.0, "-972501234567.0 starts with a minus sign"),
    (-1, "-1 starts with a minus sign"),
    ("-972501234567", "'-972501234567' starts with a minus sign"),
    ("--972501234567", "'--972501234567' starts with a minus sign"),
    (" -972 50-123-4567", "starts with a minus sign"),
    ("+-972501234567", "'+-972501234567' must start with a digit, after at most one +"),
    ("++972501234567", "'++972501234567' contains characters other than digits"),
    (0, "0 is not a phone number"),
    ("000", "'000' is not a phone number"),
])
def test_sign_prefixed_and_zero_numbers_are_refused_with_their_reason(given, words):
    """Only one leading `+` is allowed: `-972…` is not read as 972…, on any path (a negative
    int from config gets the same reason as the text)."""
    with pytest.raises(SettingsError) as caught:
        parse_phone(given, "from_number")
    assert words in caught.value.problems[0].reason
    alerts = problems({"from_number": ACCOUNT, "system_phone_alerts": [given]})
    assert words in alerts["system_phone_alerts[0]"]


@pytest.mark.parametrize("given", ["+972501234567", "+ 972 50-123-4567", "(972) 50-123-4567",
                                   "+(972) 50 123 4567"])
def test_one_leading_plus_or_parenthesis_is_fine(given):
    assert parse_phone(given, "from_number") == "972501234567"


def test_phone_problems_for_the_plugin_use_json_literals():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": 501234567.0, "system_phone_alerts": "972502211234"},
                       spelling=SCHEMA)
    reasons = [p.reason for p in caught.value.problems]
    assert reasons[0].startswith("501234567 ")  # the plugin gets every number as a float
    assert reasons[1] == 'must be a list of phone numbers, e.g. ["972502211234"]'
    with pytest.raises(SettingsError) as caught:
        parse_url("ftp://h.example/", spelling=SCHEMA)
    assert caught.value.problems[0].reason.endswith('(got scheme "ftp")')


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("  ", "must not be empty"),
        ("972-50-abc", "contains characters other than digits"),
        ("0501234567", "in local format; use the international form without the leading 0"),
        ("(050) 123-4567", "in local format; use the international form without the leading 0"),
        ("(-)", "is not a phone number"),
        (1, "is not a phone number"),
        ("99912345678", "is not a phone number"),  # no such country code
        ("9725012", "has the wrong number of digits for its country"),
        ("97250123456789012", "has the wrong number of digits for its country"),
    ],
)
def test_bad_numbers_name_the_rule_they_break(given, words):
    with pytest.raises(SettingsError) as caught:
        parse_phone(given, "from_number")
    [problem] = caught.value.problems
    assert problem.property == "from_number"
    assert words in problem.reason
    assert "e.g. 972501234567" in problem.reason


def test_numbers_of_other_countries_are_accepted_as_the_account():
    assert parse_phone("+1 202-555-0143", "from_number") == "12025550143"


# -- alert phones ----------------------------------------------------------------------------


def alerts(count: int):
    return [f"97250000000{i}" for i in range(1, count + 1)]


def test_exactly_five_alert_phones_are_accepted_six_are_not():
    assert MAX_ALERT_PHONES == 5
    assert parse_alert_phones(alerts(5)) == tuple(alerts(5))
    reason = problems({"from_number": ACCOUNT, "system_phone_alerts": alerts(6)})
    assert reason == {"system_phone_alerts": "has 6 numbers; the API takes at most 5"}


def test_every_bad_alert_phone_is_reported_by_its_position():
    found = problems({"from_number": ACCOUNT, "system_phone_alerts": [
        "0501234567", "972500000001", "+1 202 555 0143", "972 50-000-0001", "x"]})
    assert sorted(found) == [f"system_phone_alerts[{i}]" for i in (0, 2, 3, 4)]
    assert "local format" in found["system_phone_alerts[0]"]
    assert "must be Israeli numbers starting with 972" in found["system_phone_alerts[2]"]
    assert found["system_phone_alerts[3]"] == "'972 50-000-0001' is listed twice"
    assert "characters other than digits" in found["system_phone_alerts[4]"]


def test_bad_phones_and_too_many_are_reported_together():
    found = problems({"from_number": ACCOUNT,
                      "system_phone_alerts": ["0501234567", *alerts(5)]})
    assert set(found) == {"system_phone_alerts[0]", "system_phone_alerts"}


@pytest.mark.parametrize("unset", [None, "", [], ()])
def test_no_alert_phones(unset):
    assert parse_alert_phones(unset) == ()


@pytest.mark.parametrize("given", ["972500000001", 972500000001, {"a": 1}])
def test_alert_phones_must_be_a_list(given):
    assert problems({"from_number": ACCOUNT, "system_phone_alerts": given}) == {
        "system_phone_alerts": "must be a list of phone numbers, e.g. ['972502211234']"}


def test_alert_phones_are_sorted_and_unknown_items_count_towards_the_limit():
    unknown = object()
    got = parse_alert_phones(["972500000002", unknown, "972500000001"],
                             is_unknown=lambda v: v is unknown)
    assert got == ("972500000001", "972500000002")
    with pytest.raises(SettingsError, match="has 6 numbers"):
        parse_alert_phones([*alerts(5), unknown], is_unknown=lambda v: v is unknown)


def test_unknown_values_are_skipped_and_known_ones_still_checked():
    unknown = object()
    def is_unknown(value):
        return value is unknown
    settings = parse_settings({"from_number": unknown, "url": unknown, "retry": True},
                              is_unknown)
    assert settings == WebhookSettings(from_number="", retry=True)
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": unknown, "url": "ftp://x"}, is_unknown)
    assert [p.property for p in caught.value.problems] == ["url"]


def test_the_error_message_lists_every_problem():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": ACCOUNT, "url": "ftp://x", "retry": 2})
    assert str(caught.value) == (
        "url: must start with https:// or http:// (got scheme 'ftp'); "
        "retry: must be True or False, got 2"
    )


def test_settings_as_properties():
    settings = parse_settings({"from_number": "+972 50-000-0001", "url": "https://h.example/",
                               "system": True, "system_phone_alerts": ["972500000002"],
                               "read_status": True, "retry": False})
    assert settings.to_props() == {
        "from_number": ACCOUNT, "url": "https://h.example/", "system": True,
        "system_phone_alerts": ["972500000002"], "read_status": True, "retry": False,
    }


# -- reading back what the API or the state holds ----------------------------------------------


@pytest.mark.parametrize(("stored", "expected"), [
    ("0501234567", "972501234567"),              # Israeli local form, as the API may return it
    ("+972 50-123-4567", "972501234567"),
    ("972501234567", "972501234567"),
    ("972 050-123-4567", "972501234567"),        # international with the trunk 0 left in
    ("+44 020 7946 0958", "442079460958"),
    ("12", "12"),                               # not a number: kept as its digits
])
def test_alert_phones_the_api_returns_are_read_in_international_form(stored, expected):
    got = from_wire(ACCOUNT, {"systemPhoneAlert": f" {stored} ,, "})
    assert got.system_phone_alerts == (expected,)


def test_entries_without_digits_are_dropped():
    assert from_wire(ACCOUNT, {"systemPhoneAlert": "972500000001, -,"}).system_phone_alerts == (
        "972500000001",)
    assert from_wire(ACCOUNT, {"systemPhoneAlert": "972500000002,972500000001"}
                     ).system_phone_alerts == ("972500000001", "972500000002")
    assert from_wire(ACCOUNT, {}).system_phone_alerts == ()
    assert from_state({"system_phone_alerts": None}).system_phone_alerts == ()


@pytest.mark.parametrize(("stored", "expected"), [
    (1, True), ("1", True), (" 1 ", True), (True, True),
    (0, False), ("0", False), ("", False), (None, False), ("yes", False), (False, False),
])
def test_switches_the_api_returns_in_any_type(stored, expected):
    got = from_wire(ACCOUNT, {"system": stored, "readStatus": stored, "retry": stored})
    assert (got.system, got.read_status, got.retry) == (expected,) * 3


def test_state_is_read_leniently():
    state = {"from_number": ACCOUNT, "url": " https://h.example/ ", "system": True,
             "system_phone_alerts": ["0500000002", "972500000001"], "read_status": 1,
             "retry": "1", "api_key": "k", "endpoint": "http://127.0.0.1:1/x"}
    assert from_state(state) == WebhookSettings(
        from_number=ACCOUNT, url="https://h.example/", system=True,
        system_phone_alerts=("972500000001", "972500000002"), read_status=True, retry=True)
    assert from_state({**state, "system": 0, "read_status": "0", "retry": False}) == \
        WebhookSettings(from_number=ACCOUNT, url="https://h.example/",
                        system_phone_alerts=("972500000001", "972500000002"))
    assert from_state({"from_number": ACCOUNT, "system_phone_alerts": "972500000002,0500000001"}
                      ).system_phone_alerts == ("972500000001", "972500000002")
    assert from_state({}) == WebhookSettings(from_number="")


def test_differences_name_old_and_new_values_and_mask_url_query_values():
    old = WebhookSettings(ACCOUNT, url="https://h.example/wa?token=s3cret&v=2", retry=True)
    new = WebhookSettings(ACCOUNT, url="https://h.example/wa?token=mine",
                          system_phone_alerts=("972500000002",))
    text = describe_differences(old, new)
    # The account's URL shows as its origin only; the program's (written in clear) its path.
    assert text == ("url: 'https://h.example/…' -> 'https://h.example/wa?token=***'; "
                    "system_phone_alerts: [] -> ['972500000002']; retry: True -> False")
    assert describe_differences(old, old) == ""


def test_query_values_containing_equals_signs_are_masked_whole():
    new = WebhookSettings(ACCOUNT, url="https://h.example/wa?sig=c2VjcmV0==&plain")
    text = describe_differences(WebhookSettings(ACCOUNT), new)
    assert text == "url: '' -> 'https://h.example/wa?sig=***&plain=***'"
    assert "c2VjcmV0" not in text
    redirect = WebhookSettings(ACCOUNT, url="https://h.example/wa?next=/in?token=s3cret")
    assert describe_differences(WebhookSettings(ACCOUNT), redirect) == \
        "url: '' -> 'https://h.example/wa?next=***'"
