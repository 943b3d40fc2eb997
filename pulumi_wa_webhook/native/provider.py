"""The native provider: the experimental Provider API's face of `lifecycle.Lifecycle`.

It translates requests (camelCase PropertyValues) to the core's plain snake_case dicts and
back, and runs every blocking API call in a thread pool so that the engine's `--parallel`
calls really run in parallel. Every rule (validation, normalisation, adoption, ownership,
which key and endpoint to use) stays in the core.

Secret marks travel with values, as in Pulumi's own providers: an output or checked input is
secret when the program marked its input secret (or the state held it as one); the core gets
the names of those inputs (`SECRET_INPUTS`) and never shows their values.

A key given to the resource lives in its inputs only (a secret), not in its outputs: the
engine sends the old inputs to Diff, Read and Delete (see `server`), so one copy in state
suffices; a configured key lives in the provider's state, and the resource keeps its
fingerprint. Inputs leave out settings at their default (the core's check); outputs hold
every setting, so that every language reads them without knowing the defaults.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, TypeVar

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from .. import config as stack_config
from .. import handover
from ..errors import ConfigurationError
from ..lifecycle import (
    API_KEY,
    ENDPOINT,
    KEY_FINGERPRINT,
    PROGRAM_INPUTS,
    SECRET_INPUTS,
    SETTING_NAMES,
    Deployment,
    Lifecycle,
)
from ..model import SCHEMA, SETTING, SETTING_DEFAULTS
from . import functions
from .messages import for_schema, property_and_reason
from .names import camel, snake
from .schema import schema_json
from .values import from_props, is_unknown, to_plain, to_props

_T = TypeVar("_T")

#: Threads for API calls: enough for `pulumi up --parallel 64`.
DEFAULT_WORKERS = 64
#: What a resource keeps in its outputs: the settings, the endpoint they were written to and
#: the fingerprint of the key that wrote them.
OUTPUT_NAMES = SETTING_NAMES + (ENDPOINT, KEY_FINGERPRINT)
#: The setting that may carry a credential (a token in the URL).
URL = SETTING["url"].python


def _say(line: str) -> None:
    # Without an engine to tell (tests), the line goes to stderr.
    print(f"wa-webhook: {line}", file=sys.stderr, flush=True)


def explicit_provider(urn: str) -> Optional[str]:
    """The name of the explicit provider `urn`; None for a default provider (the stack
    configuration), whose name the engine starts with `default`."""
    name = urn.rsplit("::", 1)[-1]
    return None if not urn or name.startswith("default") else name


def config_origin(urn: str) -> Callable[[str], str]:
    """Names where a config key's value came from, for the provider `urn`: the stack
    configuration for the default provider, else the explicit provider resource."""
    name = explicit_provider(urn)
    if name is None:
        return lambda key: f"stack config {key}"
    return lambda key: f"`{key.split(':')[-1]}` of the explicit provider '{name}'"


def config_diff(
    olds: Mapping[str, PropertyValue], news: Mapping[str, PropertyValue]
) -> DiffResponse:
    """DiffConfig: each changed configuration property is an update (`old => new` in
    `preview --diff`); none replaces the provider (its resources stay)."""

    def value(props: Mapping[str, PropertyValue], name: str) -> Dict[str, str]:
        return config_mapping({name: to_plain(props[name])}) if name in props else {}

    changed = [name for name in stack_config.KNOWN_KEYS if value(olds, name) != value(news, name)]
    detailed = {name: PropertyDiff(PropertyDiffKind.UPDATE, input_diff=True) for name in changed}
    return DiffResponse(changes=bool(changed), diffs=changed, detailed_diff=detailed)


def config_mapping(values: Mapping[str, Any]) -> Dict[str, str]:
    """Provider configuration (camelCase names, any scalar type: YAML and the engine send
    numbers as numbers) as the `wa-webhook:*` text mapping `config.load` resolves."""
    mapping: Dict[str, str] = {}
    for name in stack_config.KNOWN_KEYS:
        value = values.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is not None and value != "" and not is_unknown(value):
            mapping[f"{stack_config.NAMESPACE}:{name}"] = str(value)
    return mapping


def _planned_outputs(props: Mapping[str, Any]) -> Dict[str, Any]:
    """A preview's outputs: those among the inputs `props` (values may not be known yet),
    with every setting (a default where `props` has none), as `WebhookState.outputs` gives
    them after the call."""
    outputs = {name: props[name] for name in OUTPUT_NAMES if name in props}
    return dict(SETTING_DEFAULTS, **outputs)


def secret_names(*values: Mapping[str, PropertyValue]) -> List[str]:
    """The snake_case names of the properties that are, or hold, a secret in any of `values`."""
    names = {snake(name) for each in values for name, value in each.items()
             if value.contains_secret()}
    return sorted(names)


def _props(values: Mapping[str, PropertyValue]) -> Dict[str, Any]:
    """`values` as the core's plain dict, with the names of those that are secret
    (SECRET_INPUTS) when there are any."""
    props = to_props(values)
    secret = secret_names(values)
    if secret:
        props[SECRET_INPUTS] = secret
    return props


def _values(props: Mapping[str, Any], secret: Iterable[str]) -> Dict[str, PropertyValue]:
    """The core's dict as PropertyValues: SECRET_INPUTS left out, the names in `secret`
    marked secret, and the key always."""
    names = set(secret) | {API_KEY}
    return from_props({k: v for k, v in props.items() if k != SECRET_INPUTS}, secret=names)


def _with_inputs(props: Dict[str, Any], inputs: Mapping[str, PropertyValue]) -> Dict[str, Any]:
    """`props` (a state: it never holds the key, nor the program's other inputs) with the
    API key of `inputs` and the program's other inputs (`PROGRAM_INPUTS`) that are on."""
    given = to_props(inputs)
    kept = {k: given[k] for k in (API_KEY,) + PROGRAM_INPUTS if given.get(k)}
    return dict(props, **kept) if kept else props


class WebhookProvider(Provider):
    """Serves `wa-webhook:index:Webhook` on the shared Webhook lifecycle."""

    def __init__(
        self, workers: int = DEFAULT_WORKERS, say: Callable[[str], None] = _say,
        warn: Callable[[str], None] = _say,
    ) -> None:
        """`say` shows an informational line to the user, `warn` a warning (the server
        passes the engine's log; a plugin's stderr is only shown at high verbosity)."""
        self._warn = warn
        self._urn = ""
        self._config_source: Dict[str, str] = {}
        self._loaded: Optional[stack_config.ProviderConfig] = None
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._deployment = Deployment()
        self._lifecycle = Lifecycle(
            self._config, is_unknown, lambda line: say(for_schema(line)), SCHEMA,
            self._deployment,
        )

    def join(self, engine_address: str) -> None:
        """Share records and claims with the other plugins of the deployment at
        `engine_address` (the engine starts each plugin with its address)."""
        self._deployment.ledger.shared = handover.Shared(engine_address)

    def _config(self) -> stack_config.ProviderConfig:
        """The provider configuration, resolved once (errors are raised again each time)."""
        if self._loaded is None:
            self._loaded = stack_config.load(self._config_source, config_origin(self._urn),
                                             explicit_provider(self._urn))
        return self._loaded

    async def _blocking(self, call: Callable[..., _T], *args: Any) -> _T:
        """Run a blocking core call (it may call the API) in the thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(call, *args))

    # --- provider ----------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        inputs = dict(request.new_inputs)
        if camel(API_KEY) in inputs and explicit_provider(request.urn) is not None:
            # An explicit provider's key is kept as a secret in its state, whatever the SDK
            # sent (TypeScript sends a key it read from $WA_WEBHOOK_API_KEY unmarked). The
            # default provider's stays as the stack has it: the engine marks a key stored
            # with --secret again, and `configure` refuses one stored in clear.
            inputs[camel(API_KEY)] = inputs[camel(API_KEY)].with_secret(True)
        plain = {name: to_plain(value) for name, value in request.new_inputs.items()}
        self._urn = request.urn
        failures = []
        for problem in stack_config.key_problems(plain):
            if problem.refused:  # no property: the engine would show its value in clear
                failures.append(CheckFailure("", problem.message))
            else:
                self._warn(problem.message)
        try:
            stack_config.load(config_mapping(plain), config_origin(request.urn))
        except stack_config.ConfigurationProblems as err:
            # A URL's problem names no property: the engine would print the value whole,
            # user info and query included (the message names the key).
            failures += [CheckFailure("" if key == stack_config.ENDPOINT_CONFIG
                                      else key.split(":")[-1], message)
                         for key, message in err.problems]
        return CheckResponse(inputs, failures)

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        return config_diff(request.old_state, request.new_inputs)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        return await functions.invoke(self._lifecycle, self._blocking, request)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        plain = {name: to_plain(value) for name, value in request.args.items()}
        if not plain:  # an engine that only sends variables ("wa-webhook:config:apiKey")
            prefix = f"{stack_config.NAMESPACE}:config:"
            plain = {k[len(prefix):]: v for k, v in request.variables.items()
                     if k.startswith(prefix)}
        self._urn = getattr(request, "urn", "") or self._urn
        if explicit_provider(self._urn) is None:
            # The default provider's args are the stack configuration, a value stored without
            # --secret arriving unmarked. (An explicit provider's key is the program's: the
            # SDKs mark it secret, and check_config keeps it one.)
            in_clear = [name for name, value in request.args.items()
                        if value.value not in (None, "") and not value.contains_secret()]
            refused = [p.message for p in stack_config.key_problems(in_clear, in_clear)
                       if p.refused]
            if refused:
                raise ConfigurationError("; ".join(refused))
        self._config_source = config_mapping(plain)
        self._loaded = None
        # Output values stay off (the default): the experimental layer cannot unmarshal an
        # unknown output value (no "value" field) or one without a "secret" field.
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    # --- resource ----------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        news = _props(request.new_inputs)
        # The checked inputs hold the key's fingerprint: a rotated key shows on the resource
        # as `keyFingerprint: "old" => "new"` in `preview --diff` (see `diff`).
        inputs, problems = self._lifecycle.check(
            to_props(request.old_inputs), news, request.urn
        )
        return CheckResponse(
            _values(inputs, news.get(SECRET_INPUTS) or ()),
            [CheckFailure(*property_and_reason(p.property, p.reason)) for p in problems],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds = _with_inputs(to_props(request.old_state), request.old_inputs)  # type: ignore[attr-defined]
        news = _props(request.new_inputs)
        if not olds.get(API_KEY) and not olds.get(KEY_FINGERPRINT):
            # Imported with `pulumi import` (the state holds no key): the key the program or
            # configuration now gives is a credential, not a difference from the account.
            news.pop(API_KEY, None)
        outcome = self._lifecycle.diff(olds, news)
        if API_KEY in outcome.changed and camel(API_KEY) not in request.new_inputs:
            # A rotated configured key shows on the resource as its fingerprint's change.
            outcome.changed[outcome.changed.index(API_KEY)] = KEY_FINGERPRINT
        detailed = {
            camel(name): PropertyDiff(
                PropertyDiffKind.UPDATE_REPLACE if name in outcome.replaces
                else PropertyDiffKind.UPDATE,
                input_diff=name not in (ENDPOINT, KEY_FINGERPRINT),
            )
            for name in dict.fromkeys(outcome.changed + outcome.replaces)
        }
        return DiffResponse(
            changes=bool(detailed),
            replaces=[camel(name) for name in outcome.replaces],
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = _props(request.properties)
        secret = props.get(SECRET_INPUTS) or ()
        if request.preview:  # no API call in preview: the outputs will be the inputs
            return CreateResponse(properties=_values(_planned_outputs(props), secret))
        id_, state = await self._blocking(self._lifecycle.create, props)
        return CreateResponse(id_, _values(state.outputs(every_setting=True), secret))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        props = _props(request.news)
        secret = props.get(SECRET_INPUTS) or ()
        if request.preview:
            return UpdateResponse(_values(_planned_outputs(props), secret))
        state = await self._blocking(self._lifecycle.update, props, to_props(request.olds))
        return UpdateResponse(_values(state.outputs(every_setting=True), secret))

    async def read(self, request: ReadRequest) -> ReadResponse:
        # Refresh sends the state and the inputs; `import_` only the program's inputs;
        # `pulumi import` nothing but the ID.
        importing = not request.properties
        # What the state or the program held as a secret stays one.
        secret = secret_names(request.properties, request.inputs)
        props = _with_inputs(to_props(request.properties or request.inputs), request.inputs)
        state = await self._blocking(
            self._lifecycle.read, request.resource_id, props, importing
        )
        if state is None:
            return ReadResponse()  # no id: the server answers "does not exist"
        if importing and state.settings.url != props.get(URL):
            # A URL read from the account, not the program's: it may carry a token.
            secret.append(URL)
        inputs = state.inputs()
        if props.get(API_KEY):  # always marked secret here (see `_values`)
            inputs[API_KEY] = props[API_KEY]
        return ReadResponse(
            resource_id=state.settings.from_number,
            properties=_values(state.outputs(every_setting=True), secret),
            inputs=_values(inputs, secret),
        )

    async def delete(self, request: DeleteRequest) -> None:
        props = _with_inputs(to_props(request.properties), request.old_inputs)  # type: ignore[attr-defined]
        await self._blocking(
            self._lifecycle.delete, request.resource_id, props, request.urn
        )

