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


# (stack config key or environment variable, bad value); each is a clear error at preview.
BAD_TUNING = [
    *[("WA_WEBHOOK_RETRIES", v) for v in ("inf", "nan", "1.7", "1e9", "-1", "abc")],
    *[("WA_WEBHOOK_TIMEOUT", v) for v in ("inf", "0")],
    *[("wa-webhook:retries", v) for v in ("inf", "nan", "1.7", "1e9", "-1", "abc")],
    *[("wa-webhook:timeout", v) for v in ("inf", "nan", "0", "1e9")],
]


def test_bad_retries_and_timeout_fail_preview_naming_their_source(make_stack, emulator):
    stack = make_stack(webhook_program(BASE), config={"wa-webhook:endpoint": emulator.base_url},
                       secrets={"wa-webhook:apiKey": KEY_1})
    emulator.clear_requests()
    for source, value in BAD_TUNING:
        if source.startswith("WA_WEBHOOK_"):
            result = stack.preview(check=False, env={source: value})
            expected = f"environment variable {source}"
        else:
            # set-all: `config set KEY -1` would read -1 as a flag.
            stack.pulumi("config", "set-all", "--plaintext", f"{source}={value}",
                         "--stack", stack.name)
            result = stack.preview(check=False)
            stack.pulumi("config", "rm", source, "--stack", stack.name)
            expected = source
        assert result.code != 0, (source, value)
        assert f"{expected} must be a" in result.output and repr(value) in result.output, (
            source, value, result.output)
        assert "Traceback" not in result.output
    assert emulator.requests() == []
