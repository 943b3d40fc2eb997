"""The dynamic resource provider: the Python SDK's face of `lifecycle.Lifecycle`.

Check and diff make no HTTP calls. The instance holds no secret when it is pickled: a key
given to the resource travels as the secret `api_key` property, and everything else
(including the configured key) is read in `configure`, which runs in the provider process.

State is lean: outputs leave out settings at their default (`lifecycle.WebhookState`; the
`Webhook` class reads them back as defaults), and a configured key is not copied into each
resource (the engine keeps the stack configuration, encrypted, in the provider's state; the
resource keeps the key's fingerprint to notice a rotation).
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, Dict, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from .. import config as stack_config
from ..errors import ConfigurationError, WaWebhookError
from ..lifecycle import Deployment, Lifecycle
from ..model import check_failure
from . import workers

_F = TypeVar("_F", bound=Callable[..., Any])

#: The value the engine sends for inputs that are not known yet (during preview); the SDK
#: also hands them over as `pulumi.output.Unknown` objects, inside lists too.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


#: The input that carries the resource's name from the program to check, which claims the
#: account for it (`lifecycle.Lifecycle.check`) and leaves the name out of the state. (The
#: native provider gets the URN from the engine instead.)
NAME_INPUT = "__name"
#: What the owners of dynamic resources' claims start with (URNs of native ones differ).
DYNAMIC_OWNER = "dynamic:wa-webhook:Webhook"


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet, in either form the SDK uses."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _say(line: str) -> None:
    # The engine shows a provider's stderr lines as info diagnostics.
    print(f"wa-webhook: {line}", file=sys.stderr, flush=True)


class ProviderCallFailed(Exception):
    """Raised by the dynamic provider after an expected failure, chained to it."""


def _clear_errors(method: _F) -> _F:
    """Report an expected failure with its message as the first line the user reads.

    The SDK's dynamic server answers every exception with `traceback.format_exc()`. Python
    prints a chained cause before the exception itself, and a cause without a traceback as
    its bare `Type: message` line; so the failure, stripped of its traceback, is raised as
    the cause of a ProviderCallFailed: the error starts with the message, and the short stack
    the SDK insists on follows it.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except WaWebhookError as err:
            raise ProviderCallFailed("the call failed for the reason above") from (
                err.with_traceback(None)
            )

    return wrapper  # type: ignore[return-value]


class WebhookProvider(ResourceProvider):
    """CRUD for the webhook settings of one 99digital WhatsApp account."""

    # The pickled provider captures no secret, so it need not be stored encrypted.
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        self._stack_config: Any = req.config
        # The engine calls configure once per process, before any other call.
        self._deployment = Deployment()
        # Called once per provider process, on a thread of the SDK's server: let the server
        # run as many engine calls at once as API calls may be in flight (maxConcurrency),
        # not the SDK's 4.
        try:
            bound = self._config().options.max_concurrency
        except ConfigurationError:
            return  # check reports it; the server keeps its 4 workers
        workers.raise_worker_limit(bound)

    def _config(self) -> stack_config.ProviderConfig:
        """The stack-wide settings, resolved once per provider process.

        Stack configuration and the environment are fixed for the process, so there is no
        need to resolve them again on every engine call. A configuration error is not
        cached: it is raised (and reported by check) each time.
        """
        loaded: stack_config.ProviderConfig | None = getattr(self, "_loaded_config", None)
        if loaded is None:
            loaded = stack_config.load(getattr(self, "_stack_config", None) or {})
            self._loaded_config = loaded
        return loaded

    @property
    def _lifecycle(self) -> Lifecycle:
        # One Deployment per provider process, made by configure after unpickling (the
        # pickled provider carries none); a provider that was never configured gets one here.
        deployment: Deployment | None = getattr(self, "_deployment", None)
        if deployment is None:
            deployment = self._deployment = Deployment()
        return Lifecycle(self._config, is_unknown, _say, deployment=deployment)

    def check(self, olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        # The SDK gives a dynamic provider's check no URN: the program sends the name, which
        # the state does not keep.
        name = news.pop(NAME_INPUT, None)
        owner = f"{DYNAMIC_OWNER}::{name}" if isinstance(name, str) and name else None
        inputs, problems = self._lifecycle.check(olds, news, owner)
        return CheckResult(inputs, [CheckFailure(*check_failure(p)) for p in problems])

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        outcome = self._lifecycle.diff(olds, news)
        return DiffResult(
            changes=bool(outcome.changed),
            replaces=outcome.replaces,
            delete_before_replace=False,
        )

    @_clear_errors
    def create(self, props: Dict[str, Any]) -> CreateResult:
        id_, state = self._lifecycle.create(props)
        return CreateResult(id_, state.outputs())

    @_clear_errors
    def update(self, _id: str, _olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._lifecycle.update(news, _olds).outputs())

    @_clear_errors
    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        state = self._lifecycle.read(id_, props)
        if state is None:
            return ReadResult("", {})  # the account is gone: the resource leaves the state
        # The refreshed inputs leave the key out: the engine keeps an input secret only if
        # the old inputs held it as one. A key given to the resource stays in the outputs
        # (delete sees only those), and the program supplies it again.
        return ReadResult(state.settings.from_number, state.outputs(), state.inputs())

    @_clear_errors
    def delete(self, id_: str, props: Dict[str, Any]) -> None:
        self._lifecycle.delete(id_, props)
