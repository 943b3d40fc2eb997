"""Manage 99digital WhatsApp webhook settings as infrastructure with Pulumi.

    from pulumi_wa_webhook import Webhook
    Webhook("support", from_number="972501234567", url="https://hooks.example.com/wa")
"""

from .errors import (
    AccountNotFoundError,
    ApiError,
    ConfigurationError,
    InvalidApiKeyError,
    MalformedResponseError,
    TransportError,
    WaWebhookError,
)
from .model import WebhookSettings
from .resource import Webhook, WebhookArgumentError

__version__ = "0.1.0"

__all__ = [
    "AccountNotFoundError",
    "ApiError",
    "ConfigurationError",
    "InvalidApiKeyError",
    "MalformedResponseError",
    "TransportError",
    "WaWebhookError",
    "Webhook",
    "WebhookArgumentError",
    "WebhookSettings",
    "__version__",
]
