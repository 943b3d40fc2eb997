"""The dynamic resource provider: each engine call joins the model and the client.

Check and diff make no HTTP calls. Create/update are one setWebhook, read one getWebhook,
delete one setWebhook with cleared settings. The instance holds no secret when it is
pickled: the key travels as the secret `api_key` property, and everything else is read in
`configure`, which runs in the provider process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple, TypeVar

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

from . import config as stack_config
from .errors import (
    AccountNotFoundError,
    AdoptionMismatchError,
    ConfigurationError,
    InvalidApiKeyError,
)
from .model import SettingsError, WebhookSettings, cleared, parse_settings

if TYPE_CHECKING:
    from .client import WebhookClient

_T = TypeVar("_T")

#: The value the engine sends for inputs that are not known yet (during preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
API_KEY = "api_key"
ADOPT = "adopt"
VERIFY_URL = "verify_url"
SETTING_NAMES = tuple(field.name for field in dataclasses.fields(WebhookSettings))


def _is_unknown(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_is_unknown(item) for item in value)
    return bool(value == UNKNOWN)


class WebhookProvider(ResourceProvider):
    """CRUD for the webhook settings of one 99digital WhatsApp account."""

    # The pickled provider captures no secret, so it need not be stored encrypted.
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        self._stack_config: Any = req.config

    # --- helpers -------------------------------------------------------------------------

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

    def _client(self, api_key: str) -> WebhookClient:
        # Imported on first use: the program process only pickles this provider, and
        # check / diff never call the API, so neither pays for importing requests.
        from .client import WebhookClient

        options = self._config().options
        with _CLIENTS_LOCK:
            client = _CLIENTS.get((api_key, options))
            if client is None:
                client = _CLIENTS[(api_key, options)] = WebhookClient(api_key, options)
        return client

    def _key(self, props: Dict[str, Any]) -> str:
        """The key for writes the program asked for: the resource's own, else the configured."""
        return self._keys(props)[0]

    def _keys(self, props: Dict[str, Any]) -> Tuple[str, ...]:
        """The key in the properties first, then the configured key if it differs."""
        keys = [str(k) for k in (props.get(API_KEY), self._config().api_key) if k]
        if not keys:
            raise ConfigurationError(stack_config.MISSING_KEY_MESSAGE)
        return tuple(dict.fromkeys(keys))

    def _with_any_key(self, props: Dict[str, Any], call: Callable[[WebhookClient], _T]) -> _T:
        """Run `call` with the key in state; after reason 3, with the configured key.

        Read and delete need this after a key rotation: the state still holds the old key,
        which the account no longer accepts, while the configuration has the new one.
        """
        keys = self._keys(props)
        for key in keys[:-1]:
            try:
                return call(self._client(key))
            except InvalidApiKeyError:
                continue
        return call(self._client(keys[-1]))

    @staticmethod
    def _outputs(settings: WebhookSettings, props: Dict[str, Any]) -> Dict[str, Any]:
        outs = settings.to_props()
        if props.get(API_KEY):
            outs[API_KEY] = props[API_KEY]
        return outs

    # --- engine calls --------------------------------------------------------------------

    def check(self, _olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        failures: List[CheckFailure] = []
        known = {k: (None if _is_unknown(v) else v) for k, v in news.items()}
        inputs = dict(news)
        try:
            settings = parse_settings(known)
            inputs.update(
                {k: v for k, v in settings.to_props().items() if not _is_unknown(news.get(k))}
            )
        except SettingsError as err:
            failures.extend(CheckFailure(p.property, p.reason) for p in err.problems)
        try:
            provider_config = self._config()
            if not news.get(API_KEY) and not provider_config.api_key:
                failures.append(CheckFailure(API_KEY, stack_config.MISSING_KEY_MESSAGE))
        except ConfigurationError as err:
            failures.append(CheckFailure("wa-webhook", str(err)))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        old = parse_settings(olds)
        if any(_is_unknown(news.get(name)) for name in SETTING_NAMES + (API_KEY,)):
            from_unknown = _is_unknown(news.get("from_number"))
            return DiffResult(
                changes=True,
                replaces=["from_number"] if from_unknown else [],
                delete_before_replace=False,
            )
        new = parse_settings(news)
        changed = old.changed_fields(new)
        if (olds.get(API_KEY) or None) != (news.get(API_KEY) or None):
            changed.append(API_KEY)
        replaces = ["from_number"] if old.from_number != new.from_number else []
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: Dict[str, Any]) -> CreateResult:
        settings = parse_settings(props)
        client = self._client(self._key(props))
        if props.get(ADOPT):
            current = client.get_webhook(settings.from_number)
            if current != settings:
                raise AdoptionMismatchError(settings.from_number, current, settings)
        else:
            _verify_url(props, settings)
            client.set_webhook(settings)
        return CreateResult(settings.from_number, self._outputs(settings, props))

    def update(self, _id: str, _olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        settings = parse_settings(news)
        _verify_url(news, settings, _olds.get("url") or "")
        self._client(self._key(news)).set_webhook(settings)
        return UpdateResult(self._outputs(settings, news))

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        try:
            settings = self._with_any_key(props, lambda client: client.get_webhook(id_))
        except AccountNotFoundError:
            return ReadResult("", {})  # the account is gone: the resource leaves the state
        outs = self._outputs(settings, props)
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Dict[str, Any]) -> None:
        with contextlib.suppress(AccountNotFoundError):  # gone already: nothing left to clear
            self._with_any_key(props, lambda client: client.set_webhook(cleared(id_)))


def _verify_url(props: Dict[str, Any], settings: WebhookSettings, old_url: str = "") -> None:
    """With `verify_url` on, POST a test body to a new URL before it is written; raises
    UnreachableUrlError if the URL is dead. Never called by check or diff (preview)."""
    if props.get(VERIFY_URL) and settings.url and settings.url != old_url:
        from .delivery import verify_url  # imports requests: only when a check is asked for

        verify_url(settings.url)


_CLIENTS: Dict[Tuple[str, Any], WebhookClient] = {}
_CLIENTS_LOCK = threading.Lock()
