"""Stack-wide settings from stack config and the environment: bounds, sources, key cleaning."""

from __future__ import annotations

import pytest

from pulumi_wa_webhook import config
from pulumi_wa_webhook.errors import ConfigurationError

#: Also run by `make test-compat` against the installed wheel (oldest and newest deps).
pytestmark = pytest.mark.compat

BAD_RETRIES = ["inf", "nan", "1.7", "1e9", "-1", "abc", "11", "1_000"]
BAD_TIMEOUTS = ["inf", "nan", "0", "1e9", "-5", "abc", "0.01", "301"]


@pytest.fixture(autouse=True)
def _no_settings_in_the_environment(monkeypatch):
    for name in (config.KEY_ENV, config.ENDPOINT_ENV, config.TIMEOUT_ENV, config.RETRIES_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("value", BAD_RETRIES)
def test_bad_retries_from_stack_config_name_the_config_key(value):
    with pytest.raises(ConfigurationError) as caught:
        config.load({config.RETRIES_CONFIG: value})
    message = str(caught.value)
    assert message.startswith("wa-webhook:retries must be a whole number from 0 to 10")
    assert repr(value) in message and "WA_WEBHOOK_RETRIES" not in message


@pytest.mark.parametrize("value", BAD_RETRIES)
def test_bad_retries_from_the_environment_name_the_variable(value, monkeypatch):
    monkeypatch.setenv(config.RETRIES_ENV, value)
    with pytest.raises(ConfigurationError) as caught:
        config.load({})
    message = str(caught.value)
    assert message.startswith("environment variable WA_WEBHOOK_RETRIES must be a whole number")
    assert "wa-webhook:retries" not in message


@pytest.mark.parametrize("value", BAD_TIMEOUTS)
def test_bad_timeouts_name_their_source(value, monkeypatch):
    with pytest.raises(ConfigurationError, match=r"^wa-webhook:timeout must be a number of "
                       r"seconds from 0\.1 to 300, got"):
        config.load({config.TIMEOUT_CONFIG: value})
    monkeypatch.setenv(config.TIMEOUT_ENV, value)
    with pytest.raises(ConfigurationError, match="^environment variable WA_WEBHOOK_TIMEOUT must"):
        config.load({})


@pytest.mark.parametrize(("retries", "timeout"), [("0", "0.1"), ("10", "300"), (" 3 ", "2.5")])
def test_values_at_the_bounds_are_accepted(retries, timeout):
    options = config.load({config.RETRIES_CONFIG: retries, config.TIMEOUT_CONFIG: timeout}).options
    assert (options.retries, options.timeout) == (int(retries), float(timeout))


def test_numbers_given_as_numbers_are_read_too():
    options = config.load({config.RETRIES_CONFIG: 2, config.TIMEOUT_CONFIG: 7.5}).options
    assert (options.retries, options.timeout) == (2, 7.5)


def test_stack_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(config.RETRIES_ENV, "abc")  # not even looked at
    assert config.load({config.RETRIES_CONFIG: "5"}).options.retries == 5


def test_bad_endpoint_names_its_source(monkeypatch):
    monkeypatch.setenv(config.ENDPOINT_ENV, "http://api.example.com/")
    with pytest.raises(ConfigurationError, match=r"\(environment variable WA_WEBHOOK_ENDPOINT\)"):
        config.load({})


@pytest.mark.parametrize("raw", ["key-1\n", "  key-1  ", "\tkey-1\r\n"])
def test_api_key_whitespace_is_trimmed_from_config_and_environment(raw, monkeypatch):
    assert config.load({config.KEY_CONFIG: raw}).api_key == "key-1"
    monkeypatch.setenv(config.KEY_ENV, raw)
    assert config.load({}).api_key == "key-1"
    assert config.clean_key(raw) == "key-1"


@pytest.mark.parametrize("raw", [None, "", " \n"])
def test_blank_api_key_is_no_key(raw):
    assert config.clean_key(raw) is None
    assert config.load({config.KEY_CONFIG: raw}).api_key is None


def test_key_fingerprint_is_stable_short_and_keeps_nothing_of_the_key():
    # Stored in every state: the same key must give the same digits in every version.
    assert config.key_fingerprint("bench-key") == "fbb901dd"
    assert config.key_fingerprint("test-key-1") == "7a5707c0"
    fingerprint = config.key_fingerprint("sk-live-7f3a9c2e1d5b4a60")
    assert len(fingerprint) == 8 and int(fingerprint, 16) >= 0
    assert not any(part in fingerprint for part in ("7f3a", "9c2e", "1d5b", "4a60"))
    assert config.key_fingerprint("sk-live-7f3a9c2e1d5b4a61") != fingerprint


def test_where_the_key_came_from(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", "from-env")
    from_env = config.load({})
    assert from_env.api_key == "from-env" and from_env.key_from_environment
    from_stack = config.load({"wa-webhook:apiKey": " from-stack\n"})
    assert from_stack.api_key == "from-stack" and not from_stack.key_from_environment
    monkeypatch.delenv("WA_WEBHOOK_API_KEY")
    nowhere = config.load({})
    assert nowhere.api_key is None and not nowhere.key_from_environment
