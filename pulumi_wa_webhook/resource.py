"""The old path of the dynamic `Webhook`, `pulumi_wa_webhook.dynamic.resource`; programs that
import `pulumi_wa_webhook.resource.Webhook` keep working."""

from .dynamic.resource import Webhook
from .program import WebhookArgumentError

__all__ = ["Webhook", "WebhookArgumentError"]
