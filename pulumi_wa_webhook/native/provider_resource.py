"""`Provider`: an explicit instance of the native `wa-webhook` provider, for Python programs.

A program that talks to two regions (two endpoints) or two API keys declares one Provider
each and passes it to its Webhooks (`opts=pulumi.ResourceOptions(provider=...)`) and to
`get_webhook`. Its arguments are the `wa-webhook:*` configuration keys (`config.CONFIG_KEYS`),
typed; an argument not given falls back to the environment and the default, as a stack's
configuration does.

No `from __future__ import annotations`, for the reason given in `pulumi_wa_webhook.resource`.
"""

import textwrap
from typing import Optional, Union

import pulumi

from ..config import CONFIG_KEYS
from . import PACKAGE
from .schema import config_description


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
        max_concurrency: Optional[pulumi.Input[int]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        given = locals()
        props = {}
        for key in CONFIG_KEYS:
            value = given[key.python]
            props[key.name] = pulumi.Output.secret(value) if key.secret and value is not None \
                else value
        super().__init__(PACKAGE, resource_name, props, opts)


Provider.__init__.__doc__ = "\n".join(
    textwrap.fill(f":param {key.python}: {config_description(key)}", width=88,
                  subsequent_indent="    ")
    for key in CONFIG_KEYS
) + "\n"
