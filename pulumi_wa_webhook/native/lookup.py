"""`get_webhook` / `get_webhook_output`: the function `wa-webhook:index:getWebhook` for
Python programs. It reads an account's current settings (one getWebhook call by the plugin)
without managing it; the result holds no key.

No `from __future__ import annotations`, for the reason given in
`pulumi_wa_webhook.dynamic.resource`.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import pulumi
import pulumi.runtime

from ..model import ACCOUNT_SETTINGS
from . import GET_WEBHOOK


@dataclass(frozen=True)
class GetWebhookResult:
    """The settings an account holds now, and the endpoint they were read from (a field per
    row of `model.ACCOUNT_SETTINGS`, a test checks the two agree)."""

    from_number: str
    url: str
    system: bool
    system_phone_alerts: Tuple[str, ...]
    read_status: bool
    retry: bool
    endpoint: str


#: How the plugin's answer becomes each field's Python value, by the setting's schema type.
_AS_PYTHON: Dict[str, Callable[[Any], Any]] = {
    "boolean": bool, "array": lambda v: tuple(v or ()), "string": lambda v: v or ""}


def _result(values: Mapping[str, Any]) -> GetWebhookResult:
    settings = {row.python: _AS_PYTHON[row.schema_type](values.get(row.schema))
                for row in ACCOUNT_SETTINGS}
    return GetWebhookResult(**settings, endpoint=values["endpoint"])


def _args(from_number: Any, endpoint: Any) -> Dict[str, Any]:
    args: Dict[str, Any] = {"fromNumber": from_number}
    if endpoint is not None:
        args["endpoint"] = endpoint
    return args


def get_webhook(
    from_number: Union[str, int],
    endpoint: Optional[str] = None,
    opts: Optional[pulumi.InvokeOptions] = None,
) -> GetWebhookResult:
    """The current settings of account `from_number` (any form `from_number` of a Webhook
    accepts), from `endpoint` or the provider's; `opts.provider` picks an explicit Provider."""
    answer = pulumi.runtime.invoke(GET_WEBHOOK, _args(from_number, endpoint), opts)
    return _result(answer.value)


def get_webhook_output(
    from_number: pulumi.Input[Union[str, int]],
    endpoint: Optional[pulumi.Input[str]] = None,
    opts: Optional[pulumi.InvokeOutputOptions] = None,
) -> pulumi.Output[GetWebhookResult]:
    """`get_webhook` for Outputs (e.g. the number of another resource)."""
    output = pulumi.runtime.invoke_output(GET_WEBHOOK, _args(from_number, endpoint), opts)
    return output.apply(_result)
