"""Stack-wide settings from stack config and the environment: bounds, sources, key cleaning.

Where the key, endpoint and client tuning come from: stack configuration, then the
environment, then the defaults; and which endpoints are accepted (pure, no HTTP).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List

import pytest

from pulumi_wa_webhook import config
from pulumi_wa_webhook.config import ClientOptions, load, options_for, validate_endpoint
from pulumi_wa_webhook.errors import ConfigurationError

# The tests marked `compat` also run in `make test-compat` (oldest and newest deps).

BAD_RETRIES = ["inf", "nan", "1.7", "1e9", "-1", "abc", "11", "1_000"]
BAD_TIMEOUTS = ["inf", "nan", "0", "1e9", "-5", "abc", "0.01", "301"]


pytestmark = pytest.mark.usefixtures("no_config_env")


@pytest.mark.compat
@pytest.mark.parametrize("value", BAD_RETRIES)
def test_bad_retries_from_stack_config_name_the_config_key(value):
    with pytest.raises(ConfigurationError) as caught:
        config.load({config.RETRIES_CONFIG: value})
    message = str(caught.value)
    assert message.startswith("wa-webhook:retries must be a whole number from 0 to 10")
    assert repr(value) in message and "WA_WEBHOOK_RETRIES" not in message


@pytest.mark.compat
@pytest.mark.parametrize("value", BAD_RETRIES)
def test_bad_retries_from_the_environment_name_the_variable(value, monkeypatch):
    monkeypatch.setenv(config.RETRIES_ENV, value)
    with pytest.raises(ConfigurationError) as caught:
        config.load({})
    message = str(caught.value)
    assert message.startswith("environment variable WA_WEBHOOK_RETRIES must be a whole number")
    assert "wa-webhook:retries" not in message


@pytest.mark.compat
@pytest.mark.parametrize("value", BAD_TIMEOUTS)
def test_bad_timeouts_name_their_source(value, monkeypatch):
    with pytest.raises(ConfigurationError, match=r"^wa-webhook:timeout must be a number of "
                       r"seconds from 0\.1 to 300, got"):
        config.load({config.TIMEOUT_CONFIG: value})
    monkeypatch.setenv(config.TIMEOUT_ENV, value)
    with pytest.raises(ConfigurationError, match="^environment variable WA_WEBHOOK_TIMEOUT must"):
        config.load({})


@pytest.mark.compat
@pytest.mark.parametrize(("retries", "timeout"), [("0", "0.1"), ("10", "300"), (" 3 ", "2.5")])
def test_values_at_the_bounds_are_accepted(retries, timeout):
    options = config.load({config.RETRIES_CONFIG: retries, config.TIMEOUT_CONFIG: timeout}).options
    assert (options.retries, options.timeout) == (int(retries), float(timeout))


@pytest.mark.compat
def test_numbers_given_as_numbers_are_read_too():
    options = config.load({config.RETRIES_CONFIG: 2, config.TIMEOUT_CONFIG: 7.5}).options
    assert (options.retries, options.timeout) == (2, 7.5)


@pytest.mark.compat
def test_stack_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(config.RETRIES_ENV, "abc")  # not even looked at
    assert config.load({config.RETRIES_CONFIG: "5"}).options.retries == 5


@pytest.mark.compat
def test_bad_endpoint_names_its_source(monkeypatch):
    monkeypatch.setenv(config.ENDPOINT_ENV, "http://api.example.com/")
    with pytest.raises(ConfigurationError, match=r"\(environment variable WA_WEBHOOK_ENDPOINT\)"):
        config.load({})


@pytest.mark.compat
@pytest.mark.parametrize("raw", ["key-1\n", "  key-1  ", "\tkey-1\r\n"])
def test_api_key_whitespace_is_trimmed_from_config_and_environment(raw, monkeypatch):
    assert config.load({config.KEY_CONFIG: raw}).api_key == "key-1"
    monkeypatch.setenv(config.KEY_ENV, raw)
    assert config.load({}).api_key == "key-1"
    assert config.clean_key(raw) == "key-1"


@pytest.mark.compat
@pytest.mark.parametrize("raw", [None, "", " \n"])
def test_blank_api_key_is_no_key(raw):
    assert config.clean_key(raw) is None
    assert config.load({config.KEY_CONFIG: raw}).api_key is None


@pytest.mark.compat
def test_key_fingerprint_is_stable_short_and_keeps_nothing_of_the_key():
    # Stored in every state: the same key must give the same digits in every version.
    assert config.key_fingerprint("bench-key") == "fbb901dd"
    assert config.key_fingerprint("test-key-1") == "7a5707c0"
    fingerprint = config.key_fingerprint("sk-live-7f3a9c2e1d5b4a60")
    assert len(fingerprint) == 8 and int(fingerprint, 16) >= 0
    assert not any(part in fingerprint for part in ("7f3a", "9c2e", "1d5b", "4a60"))
    assert config.key_fingerprint("sk-live-7f3a9c2e1d5b4a61") != fingerprint


@pytest.mark.compat
def test_where_the_key_came_from(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_API_KEY", "from-env")
    from_env = config.load({})
    assert from_env.api_key == "from-env" and from_env.key_from_environment
    from_stack = config.load({"wa-webhook:apiKey": " from-stack\n"})
    assert from_stack.api_key == "from-stack" and not from_stack.key_from_environment
    monkeypatch.delenv("WA_WEBHOOK_API_KEY")
    nowhere = config.load({})
    assert nowhere.api_key is None and not nowhere.key_from_environment


# --- test_config_sources.py ----------------------------------------


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


# --- the configuration table ---------------------------------------------------------------

PACKAGE_DIR = Path(config.__file__).parent


def _declared_names() -> List[str]:
    """Every string constant in the package that is a whole `WA_WEBHOOK_*` name (not a
    docstring or a sentence that mentions one)."""
    names = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    re.fullmatch(r"WA_WEBHOOK_[A-Z_]+", node.value):
                names.append(node.value)
    return names


def test_each_key_and_environment_variable_is_declared_once_in_the_table():
    declared = _declared_names()
    for key in config.CONFIG_KEYS:
        assert declared.count(key.env) == 1, key.env
        assert key.env == "WA_WEBHOOK_" + re.sub(r"(?<!^)([A-Z])", r"_\1", key.name).upper()
    assert tuple(key.name for key in config.CONFIG_KEYS) == config.KNOWN_KEYS
    # every key but the API key is a ClientOptions field (the client's tuning)
    fields = set(ClientOptions.__dataclass_fields__) - {"backoff"}
    assert fields == {key.python for key in config.CONFIG_KEYS if not key.secret}


def test_every_key_is_read_from_its_environment_variable_and_bounded(monkeypatch):
    for key in config.CONFIG_KEYS:
        monkeypatch.setenv(key.env, "https://env.example.com/v2" if key.name == "endpoint"
                           else "k-env" if key.secret else f"{key.high:g}")
    loaded = config.load({})
    assert loaded.api_key == "k-env" and loaded.options.endpoint == "https://env.example.com/v2"
    assert (loaded.options.timeout, loaded.options.retries, loaded.options.max_concurrency) == (
        config.MAX_TIMEOUT, config.MAX_RETRIES, config.MAX_MAX_CONCURRENCY)
    for key in config.CONFIG_KEYS:
        if key.high is not None:
            monkeypatch.setenv(key.env, f"{key.high + 1:g}")
    with pytest.raises(config.ConfigurationProblems) as raised:
        config.load({})
    assert [k for k, _ in raised.value.problems] == [
        key.config for key in config.CONFIG_KEYS if key.high is not None]


def test_version_which_sdks_send_is_not_a_typo():
    assert config.key_problems(["version", "endpoint"]) == []


def test_the_api_key_in_plain_stack_config_is_refused():
    assert config.key_problems(["apiKey"]) == []  # stored as a secret (or not known)
    [problem] = config.key_problems(["apiKey", "endpoint"], plain=["apiKey", "endpoint"])
    assert problem.refused and problem.key == "wa-webhook:apiKey"
    assert "`pulumi config rm wa-webhook:apiKey`" in problem.message
    assert "`pulumi config set --secret wa-webhook:apiKey <key>`" in problem.message


@pytest.mark.parametrize("endpoint, what", [
    ("https://api.example.com/whatsapp/v2?x=1", "a query"),
    ("https://api.example.com/whatsapp/v2?", "a query"),
    ("https://api.example.com/whatsapp/v2#frag", "a fragment"),
    ("https://u5er:S3CRET@api.example.com/v2", "user info"),
    ("http://u5er@127.0.0.1:8080/v2?token=S3CRET#f", "user info or a query or a fragment"),
])
def test_an_endpoint_with_user_info_query_or_fragment_is_refused(endpoint, what):
    with pytest.raises(config.ConfigurationProblems) as raised:
        config.load({config.ENDPOINT_CONFIG: endpoint})
    message = str(raised.value)
    assert f"the endpoint (wa-webhook:endpoint) must not have {what}:" in message
    assert "S3CRET" not in message and "u5er" not in message and "x=1" not in message


def test_missing_key_message_names_the_explicit_provider_when_there_is_one():
    explicit = config.load({}, provider="eu").missing_key
    assert explicit == (
        "no 99digital API key: pass api_key= to the Webhook, or set `apiKey` of the explicit "
        "provider 'eu', or set the environment variable WA_WEBHOOK_API_KEY where the "
        "deployment runs")
    assert config.load({}).missing_key == config.MISSING_KEY_MESSAGE


def test_the_readme_table_has_a_row_per_key():
    rows = config.markdown_table().splitlines()[2:]
    assert [row.split(" | ")[1] for row in rows] == [f"`{k.env}`" for k in config.CONFIG_KEYS]


def test_several_configuration_problems_are_counted_one_is_told_as_it_is(monkeypatch):
    for key in config.CONFIG_KEYS:
        monkeypatch.delenv(key.env, raising=False)
    with pytest.raises(config.ConfigurationProblems) as one:
        config.load({"wa-webhook:retries": "99"})
    assert not str(one.value).startswith("1 problems") and ";" not in str(one.value)
    with pytest.raises(config.ConfigurationProblems) as two:
        config.load({"wa-webhook:retries": "99", "wa-webhook:timeout": "0"})
    first, second = (message for _key, message in two.value.problems)
    assert str(two.value) == (
        f"2 problems in the wa-webhook configuration: {first}; {second}")


@pytest.mark.parametrize("name, refused", [("apik", True), ("apikx", False), ("ap", False),
                                           ("apiurl", False)])
def test_a_key_four_fifths_like_apikey_counts_as_the_api_key(name, refused):
    """difflib's ratio of "apik" to "apikey" is exactly 0.8: the bound is inclusive."""
    assert config.looks_like_api_key(name) is refused


def test_a_key_from_a_file_loses_its_trailing_newline(monkeypatch):
    for key in config.CONFIG_KEYS:
        monkeypatch.delenv(key.env, raising=False)
    assert config.load({"wa-webhook:apiKey": "  k-1\n"}).api_key == "k-1"


def test_unknown_keys_are_told_in_full():
    refused, lookalike, typo, unknown = config.key_problems(
        ["apiKey", "api_key", "endpont", "colour"], plain=["apiKey"])
    assert (refused.key, refused.refused, refused.message) == ("wa-webhook:apiKey", True, (
        "wa-webhook:apiKey is stored unencrypted in the stack's configuration (it was set "
        "without --secret), so the API key would be in clear in the stack's files. Nothing was "
        "deployed: run `pulumi config rm wa-webhook:apiKey` and "
        "`pulumi config set --secret wa-webhook:apiKey <key>`"))
    assert (lookalike.key, lookalike.refused, lookalike.message) == ("wa-webhook:api_key", True, (
        "wa-webhook:api_key is not a wa-webhook configuration key; the API key is "
        "wa-webhook:apiKey, and a key under any other name would be stored unencrypted and "
        "ignored. Nothing was deployed: run `pulumi config rm wa-webhook:api_key` and "
        "`pulumi config set --secret wa-webhook:apiKey <key>`"))
    assert (typo.key, typo.refused) == ("wa-webhook:endpont", False)
    assert typo.message.startswith("wa-webhook:endpont is not a wa-webhook configuration key "
                                   "and is ignored; did you mean wa-webhook:endpoint? (the keys "
                                   "are apiKey, endpoint,")
    assert unknown.message.startswith("wa-webhook:colour is not a wa-webhook configuration key "
                                      "and is ignored; (the keys are apiKey, endpoint,")


def test_a_problem_from_the_environment_names_the_variable_not_the_origin(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_RETRIES", "99")
    with pytest.raises(config.ConfigurationProblems) as raised:
        config.load({}, origin=lambda key: f"`{key}` of the explicit provider 'eu'")
    [(key, message)] = raised.value.problems
    assert key == "wa-webhook:retries"
    assert message.startswith("environment variable WA_WEBHOOK_RETRIES must be ")


@pytest.mark.parametrize("endpoint, message", [
    ("https://api.example.com/v 2",
     "the endpoint (wa-webhook:endpoint) must not contain spaces or other whitespace"),
    ("https://api.example.com/v2#?x=1",
     "the endpoint (wa-webhook:endpoint) must not have a fragment: give the API's base URL "
     "only, such as https://api.99digital.co.il/whatsapp/v2"),
])
def test_an_endpoint_problem_in_full(endpoint, message):
    with pytest.raises(config.ConfigurationError) as raised:
        config.validate_endpoint(endpoint, "wa-webhook:endpoint")
    assert str(raised.value) == message
