"""The old path of the dynamic provider, `pulumi_wa_webhook.dynamic.provider`.

Stacks written by 0.1.0 hold the provider as a reference to
`pulumi_wa_webhook.provider.WebhookProvider`, which `refresh` and `destroy` load from the
state: this module keeps that reference importable.
"""

from .dynamic.provider import NAME_INPUT, UNKNOWN, WebhookProvider

__all__ = ["NAME_INPUT", "UNKNOWN", "WebhookProvider"]
