"""The plugin's functions (Invoke): `wa-webhook:index:getWebhook`.

getWebhook reads an account's current settings without managing it, on the same core as
the resource (`Lifecycle.lookup`: the number rule of `fromNumber`, the configured key and
endpoint, one getWebhook call). Its result holds the settings and the endpoint, never the key;
the URL is a secret.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from pulumi.provider.experimental.provider import CheckFailure, InvokeRequest, InvokeResponse

from ..lifecycle import ENDPOINT, FROM_NUMBER, Lifecycle
from ..model import SETTING, SettingsError
from . import GET_WEBHOOK
from .messages import property_and_reason
from .values import from_props, to_props


async def invoke(
    lifecycle: Lifecycle,
    blocking: Callable[..., Awaitable[Any]],
    request: InvokeRequest,
) -> InvokeResponse:
    """Answer one Invoke; `blocking` runs a core call off the event loop."""
    if request.tok != GET_WEBHOOK:
        return InvokeResponse(failures=[CheckFailure("", f"unknown function {request.tok!r}; "
                                                      f"this plugin has {GET_WEBHOOK}")])
    args = to_props(request.args)
    try:
        outputs = await blocking(lifecycle.lookup, args.get(FROM_NUMBER), args.get(ENDPOINT))
    except SettingsError as err:
        failures = [CheckFailure(*property_and_reason(p.property, p.reason))
                    for p in err.problems]
        return InvokeResponse(failures=failures)
    # The URL is read from an account: it may carry another team's token (secret).
    return InvokeResponse(return_value=from_props(outputs, secret=[SETTING["url"].python]))
