"""The native Pulumi provider plugin `wa-webhook` and its Python resource.

The plugin (`pulumi-resource-wa-webhook`, see `server`) serves the resource
`wa-webhook:index:Webhook` to programs in any Pulumi language, supports `pulumi import` and the
`import_` option, and runs API calls in parallel. Python programs use it through
`pulumi_wa_webhook.native.Webhook`, which takes the same arguments as the dynamic `Webhook`.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .lookup import GetWebhookResult, get_webhook, get_webhook_output
    from .provider_resource import Provider
    from .resource import Webhook

#: The package (plugin) name and the resource type token it serves.
PACKAGE = "wa-webhook"
WEBHOOK_TYPE = f"{PACKAGE}:index:Webhook"
#: The function that reads an account without managing it.
GET_WEBHOOK = f"{PACKAGE}:index:getWebhook"


#: Names that need the Pulumi SDK (a program's), by the module that defines them: the
#: plugin's schema and server need not load them.
__getattr__ = lazy_names(__name__, {
    "Webhook": "resource",
    "Provider": "provider_resource",
    "get_webhook": "lookup",
    "get_webhook_output": "lookup",
    "GetWebhookResult": "lookup",
})


__all__ = [
    "GET_WEBHOOK", "PACKAGE", "WEBHOOK_TYPE", "GetWebhookResult", "Provider", "Webhook",
    "get_webhook", "get_webhook_output",
]
