"""`Provider`: an explicit instance of the native `wa-webhook` provider, for Python programs.

A program that talks to two regions (two endpoints) or two API keys declares one Provider
each and passes it to its Webhooks (`opts=pulumi.ResourceOptions(provider=...)`) and to
`get_webhook`. Its arguments are the `wa-webhook:*` configuration keys, typed; an argument
not given falls back to the environment and the default, as a stack's configuration does.

No `from __future__ import annotations`, for the reason given in `pulumi_wa_webhook.resource`.
"""

from typing import Optional, Union

import pulumi

from . import PACKAGE


class Provider(pulumi.ProviderResource):
    """The `wa-webhook` provider, configured by the program instead of the stack."""

    def __init__(
        self,
        resource_name: str,
        *,
        api_key: Optional[pulumi.Input[str]] = None,
        endpoint: Optional[pulumi.Input[str]] = None,
        timeout: Optional[pulumi.Input[Union[int, float]]] = None,
        retries: Optional[pulumi.Input[int]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        """:param api_key: the 99digital API key, kept as a secret; else $WA_WEBHOOK_API_KEY.
        :param endpoint: the API base URL (https, or http to a loopback host); else
            $WA_WEBHOOK_ENDPOINT, else the production API.
        :param timeout: seconds to wait for each API answer (0.1 to 300; default 10).
        :param retries: retries after a 5xx answer, timeout or dropped connection (0 to 10;
            default 3).
        """
        props = {
            "apiKey": None if api_key is None else pulumi.Output.secret(api_key),
            "endpoint": endpoint,
            "timeout": timeout,
            "retries": retries,
        }
        super().__init__(PACKAGE, resource_name, props, opts)
