"""What both `Webhook` classes (dynamic and native) do in the user's program: argument checks
that need no provider, the inputs they register, and the output attributes of settings left
at their default.

No `from __future__ import annotations`, for the reason given in `dynamic.resource`.
"""

import copy
import textwrap
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pulumi

from .model import ACCOUNT_SETTINGS, SETTING_DEFAULTS, SETTINGS, SettingsError, parse_settings


class WebhookArgumentError(pulumi.RunError):
    """A Webhook was declared with arguments that can never work (shown without a traceback)."""


_NUMBER = (str, int)


def _value_problems(args: Dict[str, Any], wrong_type: List[str]) -> List[str]:
    """The problems the provider's check would report with the settings known now (not an
    `Output`) whose type is right: a program stopped here for another problem still hears
    of every one (the provider never sees its values)."""
    skipped = object()

    def known(name: str) -> Any:
        value = args[name]
        if isinstance(value, pulumi.Output) or any(
            p.startswith((name + " ", name + "[")) for p in wrong_type
        ):
            return skipped
        if isinstance(value, (list, tuple)):  # an item not known yet is checked at preview
            return [skipped if isinstance(v, pulumi.Output) else v for v in value]
        return value

    settings = {row.python: known(row.python) for row in ACCOUNT_SETTINGS}
    try:
        parse_settings(settings, lambda value: value is skipped)
    except SettingsError as err:
        return [f"{p.property}: {p.reason}" for p in err.problems]
    return []


def _type_problem(name: str, value: Any, expected: Tuple[type, ...], what: str) -> List[str]:
    wrong = value is not None and (
        isinstance(value, bool) and bool not in expected
        or not isinstance(value, (pulumi.Output, *expected))
    )
    return [f"{name} must be {what}, got {type(value).__name__}"] if wrong else []


def _argument_problems(args: Dict[str, Any]) -> List[str]:
    """Every argument whose Python type can never work (values are checked at preview)."""
    problems = _type_problem("from_number", args["from_number"], _NUMBER, "a phone number")
    problems += _type_problem("url", args["url"], (str,), "a URL string")
    for name in ("system", "read_status", "retry", "adopt", "overwrite", "verify_url"):
        problems += _type_problem(name, args[name], (bool,), "True or False")
    alerts = args["system_phone_alerts"]
    problems += _type_problem("system_phone_alerts", alerts, (list, tuple), "a list of numbers")
    if isinstance(alerts, (list, tuple)):
        for index, item in enumerate(alerts):
            problems += _type_problem(
                f"system_phone_alerts[{index}]", item, _NUMBER, "a phone number"
            )
    problems += _type_problem("api_key", args["api_key"], (str,), "a string")
    if args["adopt"] and args["overwrite"]:
        problems.append("adopt=True and overwrite=True exclude each other")
    return problems


def webhook_inputs(
    resource_name: str, args: Dict[str, Any], problems: List[str]
) -> Dict[str, Any]:
    """The inputs both `Webhook` classes send for their arguments `args` (without the key).

    Raises WebhookArgumentError naming the resource and every argument problem (`problems`
    holds those the caller found itself). Two resources on one account are found by the
    provider's check (in the core, for every face), not here: only it knows the endpoint.
    """
    problems = _argument_problems(args) + problems
    if problems:
        problems += _value_problems(args, problems)
        raise WebhookArgumentError(
            f"Webhook '{resource_name}' has invalid arguments: " + "; ".join(problems)
        )
    props: Dict[str, Any] = {
        "from_number": args["from_number"],
        "url": args["url"] or "",
        "system": args["system"],
        "system_phone_alerts": args["system_phone_alerts"] or [],
        "read_status": args["read_status"],
        "retry": args["retry"],
    }
    props.update((flag, True) for flag in ("adopt", "overwrite", "verify_url") if args[flag])
    return props


class _SettingOutput:
    """The output attribute of a setting, which the program does not register (nor the
    dynamic provider's state keep) when it is at its default: read as that default
    (`hook.retry` is False, not None).

    The SDK stores each output in the instance's `__dict__`; this data descriptor wins over
    it on lookup and derives the defaulted output only when a program reads the attribute
    (an `apply` per setting and resource would cost every program, read or not).
    """

    def __init__(self, default: Any) -> None:
        self._default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, resource: Any, owner: Optional[type] = None) -> Any:
        if resource is None:
            return self
        stored = resource.__dict__.get(self._name)
        if stored is None:  # left out at its default: known, and depending on the resource
            return resource.urn.apply(lambda _: copy.copy(self._default))
        return stored.apply(lambda v: copy.copy(self._default) if v is None else v)

    def __set__(self, resource: Any, value: Any) -> None:
        resource.__dict__[self._name] = value


def setting_output(name: str) -> Any:
    """The class attribute of the setting `name` on a Webhook class (see _SettingOutput)."""
    return _SettingOutput(SETTING_DEFAULTS[name])


def arguments_doc(summary: str) -> str:
    """The docstring of a `Webhook.__init__`: `summary`, then one `:param` per row of the
    settings table (`model.SETTINGS`), so both classes document each argument the same way."""
    params = [
        textwrap.fill(f":param {row.python}: {row.doc}", width=88, subsequent_indent="    ")
        for row in SETTINGS
    ]
    return summary + "\n\n" + "\n".join(params) + "\n"


class WebhookBase:
    """What both `Webhook` classes share: their arguments (one per row of `model.SETTINGS`)
    and the outputs of the settings. A class that uses it registers its resource in
    `_declare`."""

    from_number: pulumi.Output[str]
    """The account, canonical international digits (API field `from`); the resource ID."""
    url: pulumi.Output[str] = setting_output("url")
    """Webhook URL that receives messages and acknowledgements; "" when none."""
    system: pulumi.Output[bool] = setting_output("system")
    """Whether system-message notifications are on."""
    system_phone_alerts: pulumi.Output[Sequence[str]] = setting_output("system_phone_alerts")
    """Phones (international digits, sorted) that receive system notifications by WhatsApp."""
    read_status: pulumi.Output[bool] = setting_output("read_status")
    """Whether read-status notifications (sent / delivered / read) are on."""
    retry: pulumi.Output[bool] = setting_output("retry")
    """Whether failed deliveries are retried (immediately, then 5 min ... 24 h)."""

    def __init__(
        self,
        resource_name: str,
        *,
        from_number: pulumi.Input[Union[str, int]],
        url: Optional[pulumi.Input[str]] = None,
        system: pulumi.Input[bool] = False,
        system_phone_alerts: Optional[pulumi.Input[Sequence[pulumi.Input[Union[str, int]]]]] = None,
        read_status: pulumi.Input[bool] = False,
        retry: pulumi.Input[bool] = False,
        api_key: Optional[pulumi.Input[str]] = None,
        adopt: bool = False,
        overwrite: bool = False,
        verify_url: bool = False,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        args = {k: v for k, v in locals().items() if k not in ("self", "resource_name", "opts")}
        self._declare(resource_name, args, opts)

    def _declare(
        self, resource_name: str, args: Dict[str, Any], opts: Optional[pulumi.ResourceOptions]
    ) -> None:
        raise NotImplementedError  # each face registers the resource its own way


WebhookBase.__init__.__doc__ = arguments_doc(
    "Declare the webhook settings of the account `from_number`. The dynamic `Webhook` takes "
    "`adopt=True` where the native one takes `opts.import_` (the account number, in any form "
    "`from_number` accepts): both adopt an existing account, writing nothing when it matches."
)
