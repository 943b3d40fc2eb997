"""The `Webhook` resource that users write in their Pulumi programs.

No `from __future__ import annotations` here: the SDK resolves the output annotations of a
resource class with `typing.get_type_hints` on every resource it creates, and string
annotations would be compiled again each time.
"""

from typing import Any, Dict, List, Optional

import pulumi
from pulumi.dynamic import Resource

from .. import config as stack_config
from ..lifecycle import SECRET_INPUTS, SETTING_NAMES
from ..model import without_defaults
from ..program import (
    WebhookArgumentError,
    WebhookBase,
    webhook_inputs,
)
from .provider import NAME_INPUT, WebhookProvider

_PROVIDER = WebhookProvider()


class _ProgramConfig:
    """The stack configuration as the program sees it (the provider gets the same values)."""

    @staticmethod
    def get(key: str) -> Any:
        return pulumi.runtime.config.get_config(key)


_PROGRAM_CONFIG = _ProgramConfig()


#: The program run whose `wa-webhook:*` keys were checked (see `_check_config_keys`).
_KEYS_CHECKED: List[Any] = [None]


def _config_keys() -> List[str]:
    """The names after `wa-webhook:` of every key in the stack configuration."""
    prefix = f"{stack_config.NAMESPACE}:"
    every = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return sorted({key[len(prefix):].removeprefix("config:")
                   for key in every if key.startswith(prefix)})


def _plain_config_keys(keys: List[str]) -> List[str]:
    """Those of `keys` (names after `wa-webhook:`) stored without --secret. The provider
    cannot tell (the engine hands it the configuration unwrapped); the program can."""
    secret = set(pulumi.runtime.config.get_config_secret_keys_env())

    def is_secret(name: str) -> bool:
        key = f"{stack_config.NAMESPACE}:{name}"
        return key in secret or pulumi.runtime.is_config_secret(key)

    return [name for name in keys if not is_secret(name)]


def _check_config_keys() -> None:
    """Once per program run: warn about each unknown `wa-webhook:*` key, naming the nearest
    known one, and refuse the API key stored in clear or a key that looks like it under
    another spelling (its value would be ignored and sit unencrypted in the stack's
    configuration)."""
    run = pulumi.runtime.settings.get_monitor()
    if _KEYS_CHECKED[0] is run:
        return
    _KEYS_CHECKED[0] = run
    keys = _config_keys()
    problems = stack_config.key_problems(keys, _plain_config_keys(keys))
    refused = [p.message for p in problems if p.refused]
    if refused:
        raise WebhookArgumentError("; ".join(refused))
    for problem in problems:
        pulumi.log.warn(problem.message)


def _explicit_api_key(api_key: Optional[pulumi.Input[str]]) -> Optional[pulumi.Output[str]]:
    """The key given to this resource, as a secret; None when none was given.

    Without one, the provider uses the key it is configured with (stack config
    `wa-webhook:apiKey`, else $WA_WEBHOOK_API_KEY): the program does not copy that key into
    the resource, whose state keeps only its fingerprint. Whitespace around the key (a file's
    trailing newline) is dropped with the rule the provider applies to the keys it reads
    itself (`config.clean_key`).
    """
    if api_key is None:
        return None
    return pulumi.Output.secret(api_key).apply(_clean_key)


def _clean_key(key: str) -> str:
    return stack_config.clean_key(key) or ""  # "" counts as no key in the provider's check


async def _is_secret(value: Any) -> bool:
    if isinstance(value, pulumi.Output):
        return await value.is_secret()
    if isinstance(value, (list, tuple)):
        return any([await _is_secret(item) for item in value])
    return False


def secret_inputs(props: Dict[str, Any]) -> Optional[pulumi.Output[Optional[List[str]]]]:
    """The names of the settings in `props` that the program marked secret, as an input for
    the dynamic provider (the engine hands it values without their secret marks): its
    messages then never show those values. None when no setting is an Output (only an Output
    can be secret); the Output is None, and the input absent, when none is secret."""
    outputs = {
        name: value for name, value in props.items()
        if name in SETTING_NAMES and (
            isinstance(value, pulumi.Output)
            or isinstance(value, (list, tuple)) and any(isinstance(v, pulumi.Output) for v in value)
        )
    }
    if not outputs:
        return None

    async def names() -> Optional[List[str]]:
        found = [name for name, value in outputs.items() if await _is_secret(value)]
        return found or None

    return pulumi.Output.from_input(names())


class Webhook(WebhookBase, Resource, module="wa-webhook", name="Webhook"):
    """The webhook settings of one 99digital WhatsApp account.

    The program states the complete configuration: after `pulumi up` the account holds
    exactly these settings, and `pulumi destroy` clears the URL and alert phones and turns
    the switches off. Changing `from_number` replaces the resource.
    """

    api_key: pulumi.Output[str]
    """The key given as `api_key` (a secret); only when one was given."""

    def _declare(
        self, resource_name: str, args: Dict[str, Any], opts: Optional[pulumi.ResourceOptions]
    ) -> None:
        _check_config_keys()
        problems = []
        if opts is not None and opts.import_:
            problems.append(
                "the import_ option does not work for Python dynamic resources (the engine "
                "reads imports without the serialised provider, pulumi/pulumi#16175). Pass "
                "adopt=True instead: the first `pulumi up` reads the account once and adopts "
                "it if it matches the program, or stops and shows the differences. Or use "
                "pulumi_wa_webhook.native.Webhook (same arguments), which supports import_."
            )
        # Settings at their default are left out: the SDK registers no output for them
        # (`_SettingOutput` reads them as the default), and the state does not hold them.
        props = without_defaults(webhook_inputs(resource_name, args, problems))
        props[NAME_INPUT] = resource_name
        secret = secret_inputs(props)
        if secret is not None:
            props[SECRET_INPUTS] = secret
        api_key = args["api_key"]
        if api_key is not None:
            props["api_key"] = _explicit_api_key(api_key)
        if api_key is not None or not stack_config.key_in_stack_config(_PROGRAM_CONFIG):
            # The key may land in the outputs (given here, or taken from the environment):
            # kept secret there. A key from stack configuration never does, and the state
            # then need not carry the option for every resource.
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["api_key"])
            )
        Resource.__init__(self, _PROVIDER, resource_name, props, opts)
