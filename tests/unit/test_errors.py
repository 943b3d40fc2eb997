"""What a caller can read off each error: its class, attributes and message (and never the key),
from real API answers of the emulator."""

from __future__ import annotations

import pytest

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import (
    AccountAlreadyConfiguredError,
    AccountInUseError,
    AccountNotFoundError,
    AdoptionMismatchError,
    ApiError,
    ConcurrentWriteError,
    DuplicateAccountError,
    ImportIdError,
    InvalidApiKeyError,
    MalformedResponseError,
    TransportError,
    WaWebhookError,
    api_error,
)
from pulumi_wa_webhook.model import SCHEMA, WebhookSettings

ACCOUNT = "972500000001"
KEY = "test-key-1"


def client_for(emulator, key=KEY, **options):
    return WebhookClient(key, ClientOptions(endpoint=emulator.base_url, timeout=2.0,
                                            backoff=0.01, **{"retries": 0, **options}))


@pytest.mark.parametrize(
    ("reason", "cls", "words"),
    [
        (2, AccountNotFoundError, "reason 2: the 'from' account does not exist"),
        (3, InvalidApiKeyError, "reason 3: wrong apiKey"),
        (1, ApiError, "reason 1: OK"),
        (7, ApiError, "unknown reason code 7"),
    ],
)
def test_api_failures_carry_the_call_account_and_reason(emulator, reason, cls, words):
    emulator.add_fault("setWebhook", reason=reason)
    with pytest.raises(ApiError) as caught:
        client_for(emulator).set_webhook(WebhookSettings(ACCOUNT))
    err = caught.value
    assert type(err) is cls
    assert (err.call, err.account, err.reason) == ("setWebhook", ACCOUNT, reason)
    assert str(err) == f"99digital setWebhook for account {ACCOUNT} failed ({words})"


def test_reason_codes_sent_as_text_or_missing(emulator):
    emulator.add_fault("getWebhook", body='{"status": "FAIL", "reason": "3"}')
    with pytest.raises(InvalidApiKeyError) as caught:
        client_for(emulator).get_webhook(ACCOUNT)
    assert (caught.value.call, caught.value.reason) == ("getWebhook", 3)
    emulator.add_fault("getWebhook", body='{"status": "FAIL", "reason": "busy"}')
    with pytest.raises(ApiError) as caught:
        client_for(emulator).get_webhook(ACCOUNT)
    assert type(caught.value) is ApiError and caught.value.reason == "busy"
    assert "unknown reason code 'busy'" in str(caught.value)
    emulator.add_fault("getWebhook", body='{"status": "FAIL", "reason": [3]}')
    with pytest.raises(ApiError, match=r"unknown reason code \[3\]"):
        client_for(emulator).get_webhook(ACCOUNT)
    emulator.add_fault("getWebhook", body='{"status": "FAIL"}')
    with pytest.raises(ApiError) as caught:
        client_for(emulator).get_webhook(ACCOUNT)
    assert str(caught.value) == (f"99digital getWebhook for account {ACCOUNT} failed (the API "
                                 "answered FAIL without a reason code)")


def test_api_error_picks_the_most_specific_class():
    for reason, cls in ((2, AccountNotFoundError), (3, InvalidApiKeyError), (4, ApiError),
                        (None, ApiError)):
        err = api_error("getWebhook", ACCOUNT, reason)
        assert type(err) is cls
        assert (err.call, err.account, err.reason) == ("getWebhook", ACCOUNT, reason)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[1, 2]", "the answer has no 'status' field"),
        ('{"url": ""}', "the answer has no 'status' field"),
        ("not json", "the answer is not JSON (8 bytes)"),
    ],
)
def test_answers_that_are_not_the_documented_json(emulator, body, words):
    emulator.add_fault("getWebhook", body=body)
    with pytest.raises(MalformedResponseError) as caught:
        client_for(emulator).get_webhook(ACCOUNT)
    assert str(caught.value) == f"99digital getWebhook for account {ACCOUNT}: {words}"


def test_an_http_error_that_is_not_retried_names_the_status(emulator):
    emulator.add_fault("getWebhook", status=404)
    with pytest.raises(TransportError) as caught:
        client_for(emulator, retries=2).get_webhook(ACCOUNT)
    assert str(caught.value) == f"99digital getWebhook for account {ACCOUNT}: HTTP 404"
    assert emulator.count("getWebhook") == 1


def test_retries_given_up_name_the_last_http_status(emulator):
    emulator.add_fault("setWebhook", status=504, times=5)
    with pytest.raises(TransportError) as caught:
        client_for(emulator, retries=1).set_webhook(WebhookSettings(ACCOUNT))
    assert str(caught.value) == (
        f"99digital setWebhook for account {ACCOUNT}: the API kept answering with an HTTP "
        "error after 2 attempts (too many 504 error responses)")
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_every_documented_5xx_is_retried(emulator, status):
    emulator.add_fault("getWebhook", status=status)
    assert client_for(emulator, retries=1).get_webhook(ACCOUNT) == WebhookSettings(ACCOUNT)
    assert emulator.count("getWebhook") == 2


def test_takeover_errors_say_what_to_do_in_full():
    current = WebhookSettings(ACCOUNT, retry=True)
    desired = WebhookSettings(ACCOUNT)
    assert str(AccountInUseError(ACCOUNT, current, desired)) == (
        f"account {ACCOUNT} already holds a different webhook configuration (retry: True -> "
        "False); nothing was written. It may be managed by another stack, set by hand, or be "
        "this resource under its old name. If you renamed this Webhook or moved it to another "
        "parent, add `aliases=[pulumi.Alias(name=..., parent=...)]` with the old name or parent "
        "to its options; to take the account over and write this program's settings, pass "
        "overwrite=True; to adopt the account as it is, make the program match and pass "
        "adopt=True.")
    assert str(AdoptionMismatchError(ACCOUNT, current, desired)) == (
        f"account {ACCOUNT} was not adopted because its settings differ from the program "
        "(retry: True -> False); nothing was written. Change the program to match, or replace "
        "adopt=True with overwrite=True to write the program's settings.")


def test_takeover_errors_name_the_account_and_every_difference():
    current = WebhookSettings(ACCOUNT, url="https://other.example/", system=True)
    desired = WebhookSettings(ACCOUNT, url="https://mine.example/")
    in_use = AccountInUseError(ACCOUNT, current, desired)
    mismatch = AdoptionMismatchError(ACCOUNT, current, desired)
    for err in (in_use, mismatch):
        assert isinstance(err, WaWebhookError)
        assert err.account == ACCOUNT
        assert f"account {ACCOUNT} " in str(err)
        assert ("url: 'https://other.example/' -> 'https://mine.example/'; "
                "system: True -> False") in str(err)
        assert "nothing was written" in str(err)
    assert "overwrite=True" in str(in_use) and "adopt=True" in str(in_use)
    assert "aliases=[pulumi.Alias(" in str(in_use)
    assert "replace adopt=True with overwrite=True" in str(mismatch)


def test_ownership_errors_say_what_happened_and_what_to_do_in_full():
    configured = AccountAlreadyConfiguredError(ACCOUNT, "WA_WEBHOOK_ADOPT")
    assert configured.account == ACCOUNT
    assert str(configured) == (
        f"account {ACCOUNT} already holds exactly this program's webhook settings, but no "
        "resource of this stack manages it: another stack may, and a second owner would "
        "clear the account for both when either deletes its Webhook. Nothing was written. "
        "If this Webhook was renamed or moved to another parent, add "
        "`aliases=[pulumi.Alias(name=..., parent=...)]` with the old name or parent to "
        "its options; if no other stack manages the account (a hand-made setting, a "
        "Webhook swapped between the dynamic and the native class, a create that was "
        "interrupted), take it over with adopt=True, or run this `pulumi up` once with "
        "the environment variable WA_WEBHOOK_ADOPT=1 (see docs/ownership.md).")
    raced = ConcurrentWriteError(ACCOUNT, WebhookSettings(ACCOUNT, retry=True),
                                 WebhookSettings(ACCOUNT))
    assert str(raced) == (
        f"account {ACCOUNT} was written by someone else at the same moment: reading it back "
        "right after this deployment's first write found another configuration (retry: "
        "True -> False). This Webhook did not take the account over and nothing more was "
        "written. Find out which stack should manage the account: run `pulumi up` again to "
        "see what it holds then, or pass overwrite=True to take it over.")
    twice = DuplicateAccountError(ACCOUNT, ("support", "copy"))
    assert twice.account == ACCOUNT
    assert str(twice) == (  # the names in order, whichever the engine checked first
        f"Webhook resources 'copy' and 'support' both manage account {ACCOUNT} on the same "
        "endpoint; an account has exactly one webhook configuration, so declare it once. "
        "Nothing was written.")


def test_an_import_id_error_gives_the_reason_in_the_programs_spelling():
    refused = ImportIdError("0501234567", "it is a local number")
    assert (refused.id, refused.reason) == ("0501234567", "it is a local number")
    assert str(refused) == ("cannot import '0501234567': the import ID is the account's "
                            "from_number, and it is a local number")
    assert refused.spelt(SCHEMA) == ('cannot import "0501234567": the import ID is the '
                                     "account's from_number, and it is a local number")
