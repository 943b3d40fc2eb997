"""Manage 99digital WhatsApp webhook settings as infrastructure with Pulumi.

from pulumi_wa_webhook import Webhook
Webhook("support", from_number="972501234567", url="https://hooks.example.com/wa")
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .dynamic.resource import Webhook
    from .model import WebhookSettings
    from .program import WebhookArgumentError

__version__ = "0.1.0"

# The Pulumi SDK takes half a second to import; load it only when the resource is used, so
# the emulator (`python -m pulumi_wa_webhook.emulator`) starts quickly.
_LAZY = {
    "Webhook": "dynamic.resource",
    "WebhookArgumentError": "program",
    "WebhookSettings": "model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
