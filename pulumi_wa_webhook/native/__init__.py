"""The native Pulumi provider plugin `wa-webhook` and its Python resource.

The plugin (`pulumi-resource-wa-webhook`, see `server`) serves the resource
`wa-webhook:index:Webhook` to programs in any Pulumi language, supports `pulumi import` and the
`import_` option, and runs API calls in parallel. Python programs use it through
`pulumi_wa_webhook.native.Webhook`, which takes the same arguments as the dynamic `Webhook`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .resource import Webhook

#: The package (plugin) name and the resource type token it serves.
PACKAGE = "wa-webhook"
WEBHOOK_TYPE = f"{PACKAGE}:index:Webhook"


def __getattr__(name: str) -> Any:
    # The resource imports the Pulumi SDK; the plugin's schema and server need not load it.
    if name == "Webhook":
        from .resource import Webhook

        return Webhook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PACKAGE", "WEBHOOK_TYPE", "Webhook"]
