"""Where the key, endpoint and client tuning come from: stack configuration, then the
environment, then the defaults; and which endpoints are accepted (pure, no HTTP)."""

from __future__ import annotations

import pytest

from pulumi_wa_webhook import config
from pulumi_wa_webhook.config import ClientOptions, load, options_for, validate_endpoint
from pulumi_wa_webhook.errors import ConfigurationError

ENV = ("WA_WEBHOOK_API_KEY", "WA_WEBHOOK_ENDPOINT", "WA_WEBHOOK_TIMEOUT", "WA_WEBHOOK_RETRIES")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_production_endpoint_and_documented_tuning():
    loaded = load({})
    assert loaded.api_key is None
    assert loaded.options == ClientOptions(
        endpoint="https://api.99digital.co.il/whatsapp/v2", timeout=10.0, retries=3)
    assert validate_endpoint(config.DEFAULT_ENDPOINT) == config.DEFAULT_ENDPOINT


def test_everything_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", " env-key ")
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", "https://staging.example.com/whatsapp/v2/")
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", "2.5")
    monkeypatch.setenv("WA_WEBHOOK_RETRIES", "5")
    loaded = load({})
    assert loaded.api_key == "env-key"
    assert loaded.options.endpoint == "https://staging.example.com/whatsapp/v2"
    assert loaded.options.timeout == 2.5
    assert loaded.options.retries == 5


def test_stack_configuration_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", "env-key")
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", "https://env.example.com/v2")
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", "2")
    monkeypatch.setenv("WA_WEBHOOK_RETRIES", "5")
    loaded = load({"wa-webhook:apiKey": "stack-key", "wa-webhook:endpoint": "http://127.0.0.1:9",
                   "wa-webhook:timeout": "4", "wa-webhook:retries": "0"})
    assert loaded.api_key == "stack-key"
    assert loaded.options.endpoint == "http://127.0.0.1:9"
    assert loaded.options.timeout == 4.0
    assert loaded.options.retries == 0


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_values_count_as_unset(monkeypatch, blank):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", blank)
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", blank)
    loaded = load({"wa-webhook:apiKey": blank, "wa-webhook:retries": blank})
    assert loaded.api_key is None
    assert (loaded.options.timeout, loaded.options.retries) == (10.0, 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WA_WEBHOOK_TIMEOUT", "soon"),
        ("WA_WEBHOOK_TIMEOUT", "0"),
        ("WA_WEBHOOK_TIMEOUT", "-1"),
        ("WA_WEBHOOK_RETRIES", "-1"),
        ("WA_WEBHOOK_RETRIES", "many"),
    ],
)
def test_bad_tuning_from_the_environment_is_a_clear_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load({})
    assert name in str(caught.value)
    assert f"got {value!r}" in str(caught.value)


def test_smallest_accepted_tuning(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", "0.1")
    monkeypatch.setenv("WA_WEBHOOK_RETRIES", "0")
    options = load({}).options
    assert (options.timeout, options.retries) == (0.1, 0)


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("https://api.99digital.co.il/whatsapp/v2", "https://api.99digital.co.il/whatsapp/v2"),
        ("https://api.example.com:8443/v2/", "https://api.example.com:8443/v2"),
        ("https://api.example.com/API-X//", "https://api.example.com/API-X"),
        ("http://127.0.0.1/API-X/", "http://127.0.0.1/API-X"),
        ("https://10.0.0.5/v2", "https://10.0.0.5/v2"),
        ("http://127.0.0.1:8080/whatsapp/v2/", "http://127.0.0.1:8080/whatsapp/v2"),
        ("http://127.0.0.2/v2", "http://127.0.0.2/v2"),
        ("http://localhost:8080/v2", "http://localhost:8080/v2"),
        ("http://[::1]:8080/v2", "http://[::1]:8080/v2"),
    ],
)
def test_https_anywhere_and_plain_http_on_loopback_are_accepted(monkeypatch, endpoint, expected):
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", endpoint)
    assert load({}).options.endpoint == expected


@pytest.mark.parametrize(
    "endpoint",
    ["http://api.99digital.co.il/whatsapp/v2", "http://10.0.0.5/v2", "http://localhost.evil/v2",
     "ftp://127.0.0.1/v2", "https:///v2", "api.99digital.co.il/whatsapp/v2"],
)
def test_other_endpoints_are_refused_naming_both_sources(monkeypatch, endpoint):
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", endpoint)
    with pytest.raises(ConfigurationError) as caught:
        load({})
    message = str(caught.value)
    assert repr(endpoint) in message
    assert "WA_WEBHOOK_ENDPOINT" in message
    assert message.endswith("must be an https:// URL; plain http:// is accepted only for "
                            "loopback hosts such as 127.0.0.1")


def test_options_for_an_endpoint_kept_in_state():
    options = ClientOptions(endpoint="https://a.example.com/v2", timeout=3.0, retries=1)
    assert options_for(options, None) is options
    assert options_for(options, "") is options
    assert options_for(options, "https://a.example.com/v2") is options
    moved = options_for(options, "https://b.example.com/v2/")
    assert moved == ClientOptions(endpoint="https://b.example.com/v2", timeout=3.0, retries=1)
    with pytest.raises(ConfigurationError):
        options_for(options, "http://b.example.com/v2")


def test_missing_key_message_names_the_three_sources():
    for source in ("api_key=", "pulumi config set --secret wa-webhook:apiKey",
                   "WA_WEBHOOK_API_KEY"):
        assert source in config.MISSING_KEY_MESSAGE
