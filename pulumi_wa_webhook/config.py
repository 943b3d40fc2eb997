"""Where the API key, endpoint and client tuning come from.

Order: the resource argument (API key only), stack configuration (`wa-webhook:*`), then
environment variables (`WA_WEBHOOK_*`), then defaults. No Pulumi imports: the provider
passes the stack configuration in as a plain mapping.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace
from typing import Any, Optional, Protocol
from urllib.parse import urlsplit

from .errors import ConfigurationError

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
    """Settings shared by every Webhook of a stack."""

    api_key: Optional[str]
    options: ClientOptions


def _pick(config: ConfigSource, config_key: str, env_key: str) -> Optional[str]:
    value = config.get(config_key) or os.environ.get(env_key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def validate_endpoint(endpoint: str) -> str:
    """An https URL, or http to a loopback host (the emulator). Raises ConfigurationError."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return endpoint.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return endpoint.rstrip("/")
    raise ConfigurationError(
        f"endpoint {endpoint!r} ({ENDPOINT_CONFIG} / {ENDPOINT_ENV}) must be an https:// URL; "
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


def _number(text: Optional[str], name: str, default: float, minimum: float) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {text!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum:g}, got {text!r}")
    return value


def load(config: ConfigSource) -> ProviderConfig:
    """Resolve the stack-wide settings from stack configuration and the environment."""
    endpoint = validate_endpoint(_pick(config, ENDPOINT_CONFIG, ENDPOINT_ENV) or DEFAULT_ENDPOINT)
    timeout = _number(
        _pick(config, TIMEOUT_CONFIG, TIMEOUT_ENV), TIMEOUT_CONFIG, DEFAULT_TIMEOUT, 0.1
    )
    retries = int(
        _number(_pick(config, RETRIES_CONFIG, RETRIES_ENV), RETRIES_CONFIG, DEFAULT_RETRIES, 0)
    )
    return ProviderConfig(
        api_key=_pick(config, KEY_CONFIG, KEY_ENV),
        options=ClientOptions(endpoint=endpoint, timeout=timeout, retries=retries),
    )
