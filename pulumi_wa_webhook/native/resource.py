"""`Webhook` on the native provider, for Python programs: same arguments as the dynamic
`pulumi_wa_webhook.Webhook`, served by the `wa-webhook` plugin.

No `from __future__ import annotations`, for the reason given in
`pulumi_wa_webhook.dynamic.resource`.
"""

from typing import Any, Dict, Optional

import pulumi

from ..model import without_defaults
from ..program import WebhookBase, webhook_inputs
from . import WEBHOOK_TYPE
from .names import camel, snake


class Webhook(WebhookBase, pulumi.CustomResource):
    """The webhook settings of one 99digital WhatsApp account, managed by the native
    `wa-webhook` provider plugin (`pulumi-resource-wa-webhook`).

    Unlike the dynamic `Webhook` it supports `pulumi import` and the `import_` option, runs
    API calls in parallel, and is the same resource that other Pulumi languages use. The API
    key comes from `api_key`, else the provider configuration `wa-webhook:apiKey`, else
    $WA_WEBHOOK_API_KEY in the plugin's environment; it is kept (as a secret) in the inputs
    only, so there is no `api_key` output.
    """

    endpoint: pulumi.Output[str]
    """The API endpoint the settings were written to; refresh and destroy use it."""
    key_fingerprint: pulumi.Output[Optional[str]]
    """Eight hex digits that identify the key the settings were written or imported with (a
    one-way hash, not the key)."""

    def _declare(
        self, resource_name: str, args: Dict[str, Any], opts: Optional[pulumi.ResourceOptions]
    ) -> None:
        # Settings at their default are not registered (the provider's check leaves them out
        # anyway): the SDK makes no output for them, and they read as their default.
        props = without_defaults(webhook_inputs(resource_name, args, []))
        if args["api_key"] is not None:
            props["api_key"] = pulumi.Output.secret(args["api_key"])
        props["endpoint"] = None
        props["key_fingerprint"] = None
        pulumi.CustomResource.__init__(self, WEBHOOK_TYPE, resource_name, props, opts)

    def translate_input_property(self, prop: str) -> str:
        return camel(prop)

    def translate_output_property(self, prop: str) -> str:
        return snake(prop)
