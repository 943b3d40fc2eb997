"""Manage 99digital WhatsApp webhook settings as infrastructure with Pulumi.

from pulumi_wa_webhook import Webhook
Webhook("support", from_number="972501234567", url="https://hooks.example.com/wa")
"""

from typing import TYPE_CHECKING

from .errors import (
    AccountNotFoundError,
    AdoptionMismatchError,
    ApiError,
    ConfigurationError,
    InvalidApiKeyError,
    MalformedResponseError,
    TransportError,
    UnreachableUrlError,
    WaWebhookError,
)
from .lazy import lazy_names

if TYPE_CHECKING:
    from .dynamic.resource import Webhook
    from .model import WebhookSettings
    from .program import WebhookArgumentError

def _version() -> str:
    """The installed distribution's version: pyproject.toml's `version` is the one source
    (the plugin's --version, the schema, the SDKs and `make dist` read it from here)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi-wa-webhook")
    except PackageNotFoundError:  # a source tree on sys.path without an install
        return "0.0.0+unknown"


__version__ = _version()

# The Pulumi SDK takes half a second to import; load it only when the resource is used, so
# the emulator (`python -m pulumi_wa_webhook.emulator`) starts quickly.
__getattr__ = lazy_names(__name__, {
    "Webhook": "dynamic.resource",
    "WebhookArgumentError": "program",
    "WebhookSettings": "model",
})


__all__ = [
    "AccountNotFoundError",
    "AdoptionMismatchError",
    "ApiError",
    "ConfigurationError",
    "InvalidApiKeyError",
    "MalformedResponseError",
    "TransportError",
    "UnreachableUrlError",
    "WaWebhookError",
    "Webhook",
    "WebhookArgumentError",
    "WebhookSettings",
    "__version__",
]
