"""Bad input fails at `pulumi preview` with the property named, no traceback, no API call."""

from __future__ import annotations

import pytest
from webhook_programs import KEY_1, webhook_program

BASE = {"name": "support", "from_number": "972500000001"}

# (arguments, words that the CLI output must contain)
BAD_AT_PREVIEW = [
    ({"from_number": "0501234567"}, "from_number"),
    ({"from_number": "97250abc"}, "contains characters other than digits"),
    ({"from_number": "123"}, "wrong number of digits"),
    ({"from_number": "+972 50-123-45678"}, "wrong number of digits"),
    ({"url": "ftp://hooks.example.com"}, "must start with https:// or http://"),
    ({"url": "https://hooks.example.com/a b"}, "whitespace"),
    ({"system_phone_alerts": ["0502211234"]}, "system_phone_alerts[0]"),
    ({"system_phone_alerts": [f"97250000000{i}" for i in range(1, 7)]}, "at most 5"),
    ({"system": "yes"}, "Webhook 'support' has invalid arguments: system must be True or False"),
]


@pytest.mark.parametrize(("args", "words"), BAD_AT_PREVIEW,
                         ids=[str(i) for i in range(len(BAD_AT_PREVIEW))])
def test_bad_input_fails_preview_cleanly(make_stack, emulator, args, words):
    stack = make_stack(
        webhook_program(dict(BASE, **args)),
        config={"wa-webhook:endpoint": emulator.base_url},
        secrets={"wa-webhook:apiKey": KEY_1},
    )
    emulator.clear_requests()
    result = stack.preview(check=False)
    assert result.code != 0
    assert words in result.output, result.output
    assert "Traceback" not in result.output
    assert emulator.requests() == []


@pytest.mark.parametrize("endpoint", ["http://api.example.com/whatsapp/v2", "ftp://127.0.0.1/"])
def test_plain_http_endpoint_is_refused_unless_loopback(make_stack, emulator, endpoint):
    stack = make_stack(webhook_program(BASE), config={"wa-webhook:endpoint": endpoint},
                       secrets={"wa-webhook:apiKey": KEY_1})
    result = stack.preview(check=False)
    assert result.code != 0
    assert "must be an https:// URL" in result.output
    assert "Traceback" not in result.output


# Bad tuning values from each source; every value in one preview is reported together. The
# whole matrix of bad values is in unit/test_config.py: here, each source through the engine.
BAD_TUNING = [
    {"WA_WEBHOOK_RETRIES": "1.7", "WA_WEBHOOK_TIMEOUT": "inf"},
    {"wa-webhook:retries": "-1", "wa-webhook:timeout": "nan"},
    {"wa-webhook:retries": "1e9", "WA_WEBHOOK_TIMEOUT": "0"},
]


def test_bad_retries_and_timeout_fail_preview_naming_their_source(make_stack, emulator):
    stack = make_stack(webhook_program(BASE), config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": KEY_1})
    emulator.clear_requests()
    for values in BAD_TUNING:
        env = {k: v for k, v in values.items() if k.startswith("WA_WEBHOOK_")}
        config = {k: v for k, v in values.items() if k not in env}
        if config:  # set-all: `config set KEY -1` would read -1 as a flag.
            pairs = [arg for k, v in config.items() for arg in ("--plaintext", f"{k}={v}")]
            stack.pulumi("config", "set-all", *pairs, "--stack", stack.name)
        result = stack.preview(check=False, env=env)
        for key in config:
            stack.pulumi("config", "rm", key, "--stack", stack.name)
        assert result.code != 0, values
        for source, value in values.items():
            named = f"environment variable {source}" if source in env else source
            assert f"{named} must be a" in result.output and repr(value) in result.output, (
                source, value, result.output)
        assert "Traceback" not in result.output
    assert emulator.requests() == []
