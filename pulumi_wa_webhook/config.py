"""Where the API key, endpoint and client tuning come from.

Order: the resource argument (API key only), stack configuration (`wa-webhook:*`), then
environment variables (`WA_WEBHOOK_*`), then defaults. No Pulumi imports: the provider
passes the stack configuration in as a plain mapping.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import ipaddress
import math
import os
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, List, Optional, Protocol, Tuple, TypeVar
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .model import shown_url, url_problem

_V = TypeVar("_V")

NAMESPACE = "wa-webhook"
KEY_CONFIG = f"{NAMESPACE}:apiKey"
ENDPOINT_CONFIG = f"{NAMESPACE}:endpoint"
TIMEOUT_CONFIG = f"{NAMESPACE}:timeout"
RETRIES_CONFIG = f"{NAMESPACE}:retries"
MAX_CONCURRENCY_CONFIG = f"{NAMESPACE}:maxConcurrency"
KEY_ENV = "WA_WEBHOOK_API_KEY"
ENDPOINT_ENV = "WA_WEBHOOK_ENDPOINT"
TIMEOUT_ENV = "WA_WEBHOOK_TIMEOUT"
RETRIES_ENV = "WA_WEBHOOK_RETRIES"
#: Every `wa-webhook:*` configuration key, spelt as after the colon. The one list of them:
#: a new key is one more name here; an unlisted key draws a warning (`key_problems`).
KNOWN_KEYS: Tuple[str, ...] = ("apiKey", "endpoint", "timeout", "retries", "maxConcurrency")
MAX_CONCURRENCY_ENV = "WA_WEBHOOK_MAX_CONCURRENCY"

DEFAULT_ENDPOINT = "https://api.99digital.co.il/whatsapp/v2"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
#: Bounds of `timeout` (seconds per answer): a typo such as 1e9 must not hang a deployment.
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 300.0
#: Upper bound of `retries`: with the backoff cap of 2 s, 10 retries wait at most ~20 s.
MAX_RETRIES = 10
#: API calls one provider process keeps in flight at most (README, "Speed": why 16). Four
#: times the 4 calls the Pulumi SDK's dynamic provider server ran before (`dynamic.workers`),
#: and the engine's default --parallel on a 4-core machine; polite towards an API whose rate
#: limits are not documented. Users raise it for a large `--parallel`.
DEFAULT_MAX_CONCURRENCY = 16
#: Upper bound of `maxConcurrency`: one thread (and one connection) per call in flight.
MAX_MAX_CONCURRENCY = 256


@dataclass(frozen=True)
class ClientOptions:
    """Where and how to call the API."""

    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = 0.2
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY


MISSING_KEY_MESSAGE = (
    "no 99digital API key: pass api_key= to the Webhook, or run "
    f"`pulumi config set --secret {KEY_CONFIG} <key>`, or set the environment variable {KEY_ENV}"
)


class ConfigSource(Protocol):
    """Anything with `get(key)`: a dict, or the dynamic provider's stack Config."""

    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class ProviderConfig:
    """Settings shared by every Webhook of a stack. `key_from_environment`: the key came
    from $WA_WEBHOOK_API_KEY, which (unlike stack configuration) the engine does not keep."""

    api_key: Optional[str]
    options: ClientOptions
    key_from_environment: bool = False


def clean_key(value: Any) -> Optional[str]:
    """An API key as given, without surrounding whitespace (a file's trailing newline); None
    when nothing is left. The program and the provider both clean keys with this."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


#: Salt and rounds of `key_fingerprint`: changing either changes every stored fingerprint.
FINGERPRINT_SALT = b"pulumi-wa-webhook api key fingerprint v1"
FINGERPRINT_ROUNDS = 20_000


@functools.lru_cache(maxsize=32)
def key_fingerprint(key: str) -> str:
    """Eight hex digits that tell one API key from another, so that a resource's state can
    show a rotated key without holding the key.

    A one-way, deliberately slow hash (PBKDF2-HMAC-SHA256, 20,000 rounds, about 10 ms, once
    per key and process) cut to 32 bits: it cannot give the key back, and a guessed key
    that matches it is one of billions that do. Stored in clear, which is why it is short.
    """
    digest = hashlib.pbkdf2_hmac("sha256", key.encode(), FINGERPRINT_SALT, FINGERPRINT_ROUNDS)
    return digest.hex()[:8]


def _configured(config: ConfigSource, config_key: str) -> Optional[str]:
    """The stack configuration's value of `config_key`, stripped; None if unset or blank."""
    value = config.get(config_key)
    if value is not None and str(value).strip():
        return str(value).strip()
    return None


def key_in_stack_config(config: ConfigSource) -> bool:
    """Whether the stack configuration itself holds an API key. The provider then uses that
    key (it wins over the environment) and never copies it into a resource's outputs."""
    return _configured(config, KEY_CONFIG) is not None


def _found(config: ConfigSource, config_key: str, env_key: str) -> Optional[Tuple[str, str]]:
    """(value, where it came from) from stack config, else the environment; None if unset.

    The source is named the way a user sets it: the config key, or "environment variable X".
    """
    configured = _configured(config, config_key)
    if configured is not None:
        return configured, config_key
    from_env = os.environ.get(env_key)
    if from_env is not None and from_env.strip():
        return from_env.strip(), f"environment variable {env_key}"
    return None


def validate_endpoint(endpoint: str, source: str = f"{ENDPOINT_CONFIG} / {ENDPOINT_ENV}") -> str:
    """An https URL, or http to a loopback host (the emulator). Raises ConfigurationError
    naming `source`, where the endpoint came from."""
    problem = url_problem(endpoint)
    if problem:
        raise ConfigurationError(f"the endpoint ({source}) {problem}")
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return endpoint.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return endpoint.rstrip("/")
    raise ConfigurationError(
        f"endpoint {shown_url(endpoint, secret=False)!r} ({source}) must be an https:// URL; "
        "plain http:// is accepted only for loopback hosts such as 127.0.0.1"
    )


def options_for(options: ClientOptions, endpoint: Optional[str]) -> ClientOptions:
    """`options` aimed at `endpoint` (e.g. the one a resource's state records), validated;
    unchanged when `endpoint` is empty."""
    if not endpoint or endpoint == options.endpoint:
        return options
    return replace(options, endpoint=validate_endpoint(endpoint))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_timeout(text: str, source: str) -> float:
    """Seconds to wait for each answer: a finite number from MIN_TIMEOUT to MAX_TIMEOUT."""
    expected = f"a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}"
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}") from None
    if not (math.isfinite(value) and MIN_TIMEOUT <= value <= MAX_TIMEOUT):
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}")
    return value


def parse_retries(text: str, source: str) -> int:
    """Retries after a failed attempt: a whole number from 0 to MAX_RETRIES."""
    expected = f"a whole number from 0 to {MAX_RETRIES}"
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}") from None
    if not 0 <= value <= MAX_RETRIES:
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}")
    return value


def parse_max_concurrency(text: str, source: str) -> int:
    """API calls in flight at most: a whole number from 1 to MAX_MAX_CONCURRENCY."""
    expected = f"a whole number from 1 to {MAX_MAX_CONCURRENCY}"
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}") from None
    if not 1 <= value <= MAX_MAX_CONCURRENCY:
        raise ConfigurationError(f"{source} must be {expected}, got {text!r}")
    return value


class ConfigurationProblems(ConfigurationError):
    """One or more unusable settings; `problems` holds (config key, message) for each, so that
    a face can point at every key at once."""

    def __init__(self, problems: List[Tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(message for _key, message in problems)
        if len(problems) > 1:
            text = f"{len(problems)} problems in the wa-webhook configuration: {text}"
        super().__init__(text)


def load(config: ConfigSource, origin: Callable[[str], str] = str) -> ProviderConfig:
    """Resolve the stack-wide settings from stack configuration and the environment.

    Raises ConfigurationProblems naming every config key or environment variable at fault;
    `origin` says where a config key's value came from (by default the key itself, e.g.
    `wa-webhook:endpoint`; the native plugin names an explicit provider instead).
    """
    problems: List[Tuple[str, str]] = []

    def parsed(config_key: str, env_key: str, parse: Callable[[str, str], _V], default: _V) -> _V:
        found = _found(config, config_key, env_key)
        if found is None:
            return default
        value, source = found
        try:
            return parse(value, origin(source) if source == config_key else source)
        except ConfigurationError as err:
            problems.append((config_key, str(err)))
            return default

    options = ClientOptions(
        endpoint=parsed(ENDPOINT_CONFIG, ENDPOINT_ENV, validate_endpoint, DEFAULT_ENDPOINT),
        timeout=parsed(TIMEOUT_CONFIG, TIMEOUT_ENV, parse_timeout, DEFAULT_TIMEOUT),
        retries=parsed(RETRIES_CONFIG, RETRIES_ENV, parse_retries, DEFAULT_RETRIES),
        max_concurrency=parsed(MAX_CONCURRENCY_CONFIG, MAX_CONCURRENCY_ENV,
                               parse_max_concurrency, DEFAULT_MAX_CONCURRENCY),
    )
    if problems:
        raise ConfigurationProblems(problems)
    key = _found(config, KEY_CONFIG, KEY_ENV)
    return ProviderConfig(
        api_key=clean_key(key[0]) if key else None,
        options=options,
        key_from_environment=key is not None and key[1] != KEY_CONFIG,
    )


# --- configuration keys -------------------------------------------------------------------

#: Spellings (lower case, letters only) that mean the API key: such a key is refused rather
#: than ignored, since its value, a key, would sit unencrypted in the stack's configuration.
_KEY_LIKE = ("apikey", "key", "apitoken", "token", "apisecret", "secret", "apikeys")


@dataclass(frozen=True)
class KeyProblem:
    """An unknown `wa-webhook:*` key: `refused` (it looks like the API key) or a warning."""

    key: str
    message: str
    refused: bool


def nearest_key(name: str) -> Optional[str]:
    """The known key `name` most likely means (difflib, case ignored), if any is close."""
    lowered = {known.lower(): known for known in KNOWN_KEYS}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def looks_like_api_key(name: str) -> bool:
    """Whether an unknown key `name` is a misspelt `apiKey` (`apikey`, `api_key`, `ApiKey`...)."""
    letters = "".join(c for c in name.lower() if c.isalpha())
    return letters in _KEY_LIKE or difflib.SequenceMatcher(None, letters, "apikey").ratio() >= 0.8


def key_problems(keys: Iterable[str]) -> List[KeyProblem]:
    """A problem for each of `keys` (names after `wa-webhook:`) that is not a known key."""
    problems = []
    for name in keys:
        if name in KNOWN_KEYS:
            continue
        key = f"{NAMESPACE}:{name}"
        if looks_like_api_key(name):
            problems.append(KeyProblem(key, (
                f"{key} is not a wa-webhook configuration key; the API key is {KEY_CONFIG}, "
                "and a key under any other name would be stored unencrypted and ignored. "
                f"Nothing was deployed: run `pulumi config rm {key}` and "
                f"`pulumi config set --secret {KEY_CONFIG} <key>`"
            ), refused=True))
            continue
        nearest = nearest_key(name)
        hint = f"did you mean {NAMESPACE}:{nearest}? " if nearest else ""
        problems.append(KeyProblem(key, (
            f"{key} is not a wa-webhook configuration key and is ignored; {hint}"
            f"(the keys are {', '.join(KNOWN_KEYS)})"
        ), refused=False))
    return problems
