"""Where the API key, endpoint and client tuning come from.

Order: the resource argument (API key only), stack configuration (`wa-webhook:*`), then
environment variables (`WA_WEBHOOK_*`), then defaults. No Pulumi imports: the provider
passes the stack configuration in as a plain mapping.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import os
from dataclasses import dataclass, replace
from typing import Any, Optional, Protocol, Tuple
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .model import shown_url

NAMESPACE = "wa-webhook"
KEY_CONFIG = f"{NAMESPACE}:apiKey"
ENDPOINT_CONFIG = f"{NAMESPACE}:endpoint"
TIMEOUT_CONFIG = f"{NAMESPACE}:timeout"
RETRIES_CONFIG = f"{NAMESPACE}:retries"
KEY_ENV = "WA_WEBHOOK_API_KEY"
ENDPOINT_ENV = "WA_WEBHOOK_ENDPOINT"
TIMEOUT_ENV = "WA_WEBHOOK_TIMEOUT"
RETRIES_ENV = "WA_WEBHOOK_RETRIES"

DEFAULT_ENDPOINT = "https://api.99digital.co.il/whatsapp/v2"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
#: Bounds of `timeout` (seconds per answer): a typo such as 1e9 must not hang a deployment.
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 300.0
#: Upper bound of `retries`: with the backoff cap of 2 s, 10 retries wait at most ~20 s.
MAX_RETRIES = 10


@dataclass(frozen=True)
class ClientOptions:
    """Where and how to call the API."""

    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = 0.2


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


def load(config: ConfigSource) -> ProviderConfig:
    """Resolve the stack-wide settings from stack configuration and the environment.

    Raises ConfigurationError naming the config key or environment variable at fault.
    """
    endpoint = _found(config, ENDPOINT_CONFIG, ENDPOINT_ENV)
    timeout = _found(config, TIMEOUT_CONFIG, TIMEOUT_ENV)
    retries = _found(config, RETRIES_CONFIG, RETRIES_ENV)
    options = ClientOptions(
        endpoint=validate_endpoint(*endpoint) if endpoint else DEFAULT_ENDPOINT,
        timeout=parse_timeout(*timeout) if timeout else DEFAULT_TIMEOUT,
        retries=parse_retries(*retries) if retries else DEFAULT_RETRIES,
    )
    key = _found(config, KEY_CONFIG, KEY_ENV)
    return ProviderConfig(
        api_key=clean_key(key[0]) if key else None,
        options=options,
        key_from_environment=key is not None and key[1] != KEY_CONFIG,
    )
