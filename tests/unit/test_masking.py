"""The one masking rule (model.shown_url and friends) and the messages that use it: user
info, query values and fragments never shown; a secret URL or one read from the account shows
only its origin; a validation failure of a secret value names the property and the rule."""

from __future__ import annotations

import pytest

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.config import load, validate_endpoint
from pulumi_wa_webhook.delivery import origin
from pulumi_wa_webhook.errors import (
    AccountInUseError,
    AdoptionMismatchError,
    ConfigurationError,
)
from pulumi_wa_webhook.lifecycle import SECRET_INPUTS, Lifecycle
from pulumi_wa_webhook.model import (
    SCHEMA,
    SettingsError,
    WebhookSettings,
    describe_differences,
    parse_alert_phones,
    parse_settings,
    parse_url,
    shown_url,
)

ACCOUNT = "972500000001"
URL = "https://u5er:pw-S3CRET1@hooks.example.com:8443/p4th-S3CRET2/wa?token=S3CRET3&v=2#frag-S3CRET4"
SECRET_PARTS = ["u5er", "S3CRET1", "S3CRET2", "S3CRET3", "S3CRET4"]


@pytest.mark.parametrize(("url", "secret", "shown"), [
    (URL, True, "https://hooks.example.com:8443/…"),
    (URL, False, "https://***@hooks.example.com:8443/p4th-S3CRET2/wa?token=***&v=***#…"),
    ("https://h.example/", True, "https://h.example/"),
    ("https://h.example", True, "https://h.example"),
    ("http://[::1]:8080/x", True, "http://[::1]:8080/…"),
    ("https://h.example?q=1", True, "https://h.example/…"),
    ("https://h.example/wa?sig=c2VjcmV0==&plain", False, "https://h.example/wa?sig=***&plain=***"),
    ("https://h.example/wa?next=/in?token=s3cret", False, "https://h.example/wa?next=***"),
    ("https://user@h.example/wa", False, "https://***@h.example/wa"),
    ("", True, ""),
    ("api.example.com/wa?k=S3", False, "api.example.com/wa?k=***"),  # no scheme: as written
    ("https:///v2", False, "https:///v2"),
    ("https://h.example/#frag", True, "https://h.example/…"),
    ("https://h.example/X", True, "https://h.example/…"),
    ("https://h.example/wa?a=b=c", False, "https://h.example/wa?a=***"),
])
def test_what_a_message_may_show_of_a_url(url, secret, shown):
    assert shown_url(url, secret=secret) == shown


def test_a_url_is_shown_as_a_secret_unless_said_otherwise():
    assert shown_url("https://h.example/p4th") == "https://h.example/…"
    assert origin("https://h.example/p4th?t=1") == "https://h.example/…"


@pytest.mark.parametrize("props, secret, problem", [
    ({"url": "ftp://h.example/x"}, set(),
     ("url", "must start with https:// or http:// (got scheme 'ftp')")),
    ({"url": "ftp://h.example/x"}, {"url"}, ("url", "must start with https:// or http://")),
    ({"retry": "yes"}, set(), ("retry", "must be True or False, got 'yes'")),
    ({"retry": "yes"}, {"retry"}, ("retry", "must be True or False")),
])
def test_a_problem_quotes_the_value_unless_it_is_secret(props, secret, problem):
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": ACCOUNT, **props}, secret=secret)
    assert [(p.property, p.reason) for p in caught.value.problems] == [problem]


@pytest.mark.parametrize("url, reason", [
    (5, "must be a string URL such as https://hooks.example.com/wa"),
    ("https:///x", "has no host name"),
])
def test_url_problems_in_full(url, reason):
    with pytest.raises(SettingsError) as caught:
        parse_url(url)
    assert [p.reason for p in caught.value.problems] == [reason]


def test_a_switch_problem_in_the_schemas_spelling():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": ACCOUNT, "read_status": "yes"}, spelling=SCHEMA)
    assert [p.reason for p in caught.value.problems] == ['must be true or false, got "yes"']


@pytest.mark.parametrize("secret", [set(), {"from_number"}])
def test_a_number_problem_hides_a_secret_number(secret):
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": "0501234567"}, secret=secret)
    [reason] = [p.reason for p in caught.value.problems]
    assert ("0501234567" in reason) == (not secret)


def test_a_url_that_does_not_parse_is_not_shown():
    assert shown_url("http://[oops/path?x=1", secret=False) == "[a URL that does not parse]"


@pytest.mark.parametrize("bad", [
    "ftp://user:hunter2pw@x.example.com/p4th-S3CRET2?token=S3CRET3#S3CRET4",
    "https://user:hunter2pw@:80/p4th-S3CRET2",
    "https://user:hunter2pw@x.example.com:99999/p4th-S3CRET2",
])
def test_url_validation_names_the_rule_never_the_value(bad):
    with pytest.raises(SettingsError) as caught:
        parse_url(bad)
    text = str(caught.value)
    assert text.startswith("url: ")
    for part in ("hunter2pw", "user", "S3CRET2", "S3CRET3", "S3CRET4"):
        assert part not in text


def test_a_secret_phone_that_fails_validation_is_not_quoted():
    props = {"from_number": ACCOUNT, "system_phone_alerts": ["0527788695", "15551234567"]}
    with pytest.raises(SettingsError) as clear:
        parse_settings(props)
    assert "0527788695" in str(clear.value)  # a value written in clear may be quoted
    with pytest.raises(SettingsError) as secret:
        parse_settings(props, secret={"system_phone_alerts"})
    text = str(secret.value)
    assert "0527788695" not in text and "15551234567" not in text
    assert "system_phone_alerts[0]: " in text and "local format" in text
    assert "system_phone_alerts[1]: " in text and "Israeli" in text
    with pytest.raises(SettingsError) as switch:
        parse_settings({"from_number": ACCOUNT, "retry": "yes-S3CRET"}, secret={"retry"})
    assert "S3CRET" not in str(switch.value) and "retry: must be True or False" in str(
        switch.value)


def test_differences_show_the_accounts_url_as_origin_and_a_secret_one_likewise():
    theirs = WebhookSettings(ACCOUNT, url="https://0ther:pw@other.example.net/dr1ft?sig=x#f")
    mine = WebhookSettings(ACCOUNT, url=URL, system_phone_alerts=("972527788695",))
    clear = describe_differences(theirs, mine)
    assert clear == ("url: 'https://other.example.net/…' -> "
                     "'https://***@hooks.example.com:8443/p4th-S3CRET2/wa?token=***&v=***#…'; "
                     "system_phone_alerts: [] -> ['972527788695']")
    secret = describe_differences(theirs, mine, secret={"url", "system_phone_alerts"})
    assert secret == ("url: 'https://other.example.net/…' -> 'https://hooks.example.com:8443/…'; "
                      "system_phone_alerts: [] -> [secret]")


@pytest.mark.parametrize("error", [AccountInUseError, AdoptionMismatchError])
def test_takeover_errors_mask_every_secret_part(error):
    theirs = WebhookSettings(ACCOUNT, url="https://0ther:pw-DR1FT1@other.example.net/DR1FT2?s=DR1FT3#DR1FT4")
    text = str(error(ACCOUNT, theirs, WebhookSettings(ACCOUNT, url=URL), secret={"url"}))
    for part in SECRET_PARTS + ["0ther", "DR1FT1", "DR1FT2", "DR1FT3", "DR1FT4"]:
        assert part not in text
    assert "'https://other.example.net/…' -> 'https://hooks.example.com:8443/…'" in text


def test_a_changed_secret_setting_is_named_in_a_note():
    lines: list[str] = []
    lifecycle = Lifecycle(lambda: load({}), say=lines.append)
    olds = {"from_number": ACCOUNT, "url": "https://h.example/a",
            "endpoint": "http://127.0.0.1:1/x"}
    news = dict(olds, url="https://h.example/b", retry=True, **{SECRET_INPUTS: ["url"]})
    outcome = lifecycle.diff(olds, news)
    assert outcome.changed == ["url", "retry"]
    assert lines == [f"account {ACCOUNT}: url changes (a secret, so shown only as [secret])"]


def test_endpoint_messages_hide_user_info_and_query_values():
    with pytest.raises(ConfigurationError) as caught:
        validate_endpoint("ftp://u5er:S3CRET1@api.example.com/v2?k=S3CRET3")
    assert "must not have user info or a query" in str(caught.value)
    assert "S3CRET" not in str(caught.value) and "u5er" not in str(caught.value)
    with pytest.raises(ConfigurationError) as refused:  # the client holds the same rule
        WebhookClient("key", ClientOptions(
            endpoint="http://u5er:S3CRET1@127.0.0.1:9/v2?k=S3CRET3", retries=0, timeout=1))
    assert "S3CRET" not in str(refused.value) and "u5er" not in str(refused.value)


def test_alert_phone_problems_quote_the_number_unless_secret():
    with pytest.raises(SettingsError) as caught:
        parse_alert_phones(["12025550123", "972502211234", "+972 50-221-1234"])
    assert [(p.property, p.reason) for p in caught.value.problems] == [
        ("system_phone_alerts[0]",
         "'12025550123': alert phones must be Israeli numbers starting with 972 (API rule)"),
        ("system_phone_alerts[2]", "'+972 50-221-1234' is listed twice")]
    with pytest.raises(SettingsError) as hidden:
        parse_settings({"from_number": ACCOUNT,
                        "system_phone_alerts": ["12025550123", "972502211234", "972502211234"]},
                       secret={"system_phone_alerts"}, spelling=SCHEMA)
    assert [p.reason for p in hidden.value.problems] == [
        "the secret value: alert phones must be Israeli numbers starting with 972 (API rule)",
        "the secret value is listed twice"]


def test_alert_phone_problems_in_the_schemas_spelling():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"from_number": ACCOUNT,
                        "system_phone_alerts": ["12025550123", "972502211234", "972502211234"]},
                       spelling=SCHEMA)
    assert [p.reason for p in caught.value.problems] == [
        '"12025550123": alert phones must be Israeli numbers starting with 972 (API rule)',
        '"972502211234" is listed twice']


@pytest.mark.parametrize("value, literal", [
    ("שלום", '"שלום"'), (["972502211234", 5.0], '["972502211234", 5]'), (True, "true"),
    ({1, 2}, "{1, 2}"),
])
def test_values_in_messages_are_json_for_the_plugins_languages(value, literal):
    assert SCHEMA.literal(value) == literal


@pytest.mark.parametrize("url, reason", [
    ("https://h.example/a b", "must not contain spaces or other whitespace"),
    ("https://h.example/a\xa0b", "must not contain spaces or other whitespace"),
    ("https://h.example:99999/", "has an invalid port"),
    ("https://h.example:0/", "has port 0, which no server listens on"),
])
def test_url_rules_in_full(url, reason):
    with pytest.raises(SettingsError) as caught:
        parse_url(url)
    assert [p.reason for p in caught.value.problems] == [reason]


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\x7f", "\x9f"])
def test_a_control_character_is_refused_by_its_code(char):
    with pytest.raises(SettingsError) as caught:
        parse_url(f"https://h.example/a{char}b")
    [reason] = [p.reason for p in caught.value.problems]
    assert f"U+{ord(char):04X}" in reason
