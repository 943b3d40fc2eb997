"""The Webhook lifecycle that every provider face shares: check, diff, create, read, update
and delete on plain property dicts (the dynamic provider's snake_case names).

A face (the Python dynamic provider, the native plugin) only translates its protocol to and
from these calls; every rule lives here or in `model`, `client`, `config` and `errors`.

Ownership. The API has one configuration per account and no owner marker, so this module keeps
what one provider process (one deployment: a `pulumi up`, `preview`, `refresh` or `destroy`)
has learnt about accounts:

- an account whose state the engine showed us (the old inputs in `check`, the old state in
  `diff`) is ours: a create on it is the create half of a replacement and writes without the
  takeover check;
- an account written or adopted in this deployment belongs to the resource that wrote it: a
  delete of another resource of the deployment that used to own it (rename, new parent,
  replacement) leaves it alone and says so. `handover` shares this with the deployment's
  other plugin process, so swapping the dynamic `Webhook` for the native one (or back) in one
  `up` does not clear the account either.

- an account that a resource of the program was checked with is that resource's: the
  delete of another resource (a copy made with `pulumi import`) leaves it alone; so is the
  account of a `pulumi up --replace` target (`Shared.replacing`: the engine shows no state).

Any other first write of the deployment to an (endpoint, account) pair (a create, or an
update whose endpoint changed) reads the account first and refuses any configuration, a
different one unless told to (`overwrite`), the program's very own unless told to (`adopt`):
a second stack, another team's setting on a new endpoint or a hand-made setting is never
silently lost or silently shared. A write to a cleared account is read back, so that of two
deployments that raced for it the one overwritten fails (the API has no compare-and-set).

Check claims each account for the resource's URN (`Shared.claim`, shared by the
deployment's plugin processes): two resources on one endpoint and number fail at preview.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

from . import config as stack_config
from . import handover
from .errors import (
    AccountAlreadyConfiguredError,
    AccountInUseError,
    AccountNotFoundError,
    AdoptionMismatchError,
    ApiError,
    ConcurrentWriteError,
    ConfigurationError,
    DuplicateAccountError,
    ImportIdError,
    InvalidApiKeyError,
    MalformedResponseError,
    TransportError,
)
from .model import (
    PYTHON,
    Problem,
    SettingsError,
    Spelling,
    WebhookSettings,
    cleared,
    from_state,
    is_default,
    parse_phone,
    parse_settings,
    without_defaults,
)

if TYPE_CHECKING:
    from .client import WebhookClient

_T = TypeVar("_T")

API_KEY = "api_key"
KEY_FINGERPRINT = "key_fingerprint"
ENDPOINT = "endpoint"
ADOPT = "adopt"
OVERWRITE = "overwrite"
VERIFY_URL = "verify_url"
FROM_NUMBER = "from_number"
#: The names of the inputs the program marked secret: the dynamic `Webhook` sends them as an
#: input (its provider gets values without their secret marks); the native face derives them
#: from the marks. Messages never show these values (`model.describe_differences`). An
#: internal property (`__` prefix, like the engine's `__provider`): no preview shows it, and
#: no output holds it.
SECRET_INPUTS = "__secret_inputs"
SETTING_NAMES = tuple(WebhookSettings.__dataclass_fields__)
#: Inputs that are not settings but that a refresh keeps as the program gave them (the
#: outputs carry them where set, for the dynamic face's refresh, which sees only outputs).
PROGRAM_INPUTS = (ADOPT, OVERWRITE, VERIFY_URL)


@dataclass(frozen=True)
class DiffOutcome:
    """What changed between the state and the checked inputs."""

    changed: List[str]
    replaces: List[str]


@dataclass(frozen=True)
class WebhookState:
    """What a Webhook's state keeps, decided here for every face: the settings the account
    holds, the endpoint they were written to, the fingerprint of the key in use, the
    program's other inputs that are on (`PROGRAM_INPUTS`, for a later refresh) and the key
    itself where nothing else keeps it (a key given to the resource, or one from the
    environment; a key from stack configuration is kept by the engine, once, in the
    provider's state)."""

    settings: WebhookSettings
    endpoint: str
    key_fingerprint: Optional[str] = None
    api_key: Optional[str] = None
    program: Tuple[str, ...] = ()

    def outputs(self, every_setting: bool = False) -> Dict[str, Any]:
        """The resource's outputs. `every_setting` (the native schema requires every
        output): each setting, the endpoint and the fingerprint. Otherwise (the dynamic
        face, whose refresh and delete see only the outputs) the state is lean: settings
        at their default are left out (`model.without_defaults`), and the key and the
        program's other inputs are kept."""
        if not every_setting:
            lean = self.inputs()
            if self.api_key:
                lean[API_KEY] = self.api_key
            return lean
        outs: Dict[str, Any] = dict(self.settings.to_props(), **{ENDPOINT: self.endpoint})
        if self.key_fingerprint:
            outs[KEY_FINGERPRINT] = self.key_fingerprint
        return outs

    def inputs(self) -> Dict[str, Any]:
        """The inputs a refresh or an import stores, in the shape `check` gives them
        (settings at their default left out), so that the next preview lists exactly the
        settings that differ: the settings, the endpoint, the key's fingerprint and the
        program's other inputs; never the key."""
        inputs = without_defaults(self.outputs(every_setting=True))
        inputs.update((name, True) for name in self.program)
        return inputs


@dataclass
class Ledger:
    """What this process (one deployment) knows about accounts, keyed by (endpoint, number)."""

    in_state: Set[Tuple[str, str]] = field(default_factory=set)
    written: Set[Tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: What the deployment's other plugin processes see (records and claims).
    shared: handover.Shared = field(default_factory=handover.Shared.of_this_process)

    def note(self, which: Set[Tuple[str, str]], key: Tuple[str, str]) -> None:
        with self.lock:
            which.add(key)

    def has(self, which: Set[Tuple[str, str]], key: Tuple[str, str]) -> bool:
        with self.lock:
            return key in which

    def take(self, account: Tuple[str, str]) -> None:
        """A resource of this deployment has just written or adopted `account`."""
        self.note(self.written, account)
        self.shared.record(account)

    def taken(self, account: Tuple[str, str]) -> bool:
        """Whether a resource of this deployment (in any of its plugin processes) has."""
        return self.has(self.written, account) or self.shared.taken(account)


@dataclass
class Deployment:
    """What lives as long as one provider process (one deployment): the ledger of accounts
    and the API clients, one per key and client options (each keeps its connection pool).

    A face creates one per process and hands it to every `Lifecycle` it makes; a test builds
    a new one for a new deployment."""

    ledger: Ledger = field(default_factory=Ledger)
    clients: Dict[Tuple[str, stack_config.ClientOptions], WebhookClient] = field(
        default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, api_key: str, options: stack_config.ClientOptions) -> WebhookClient:
        """The API client for `api_key` and `options`, made on first use."""
        # Imported on first use: check and diff never call the API, so the program and a
        # preview never pay for importing requests.
        from .client import WebhookClient

        with self.lock:
            made = self.clients.get((api_key, options))
            if made is None:
                made = self.clients[(api_key, options)] = WebhookClient(api_key, options)
        return made


def _adopt_from_environment() -> bool:
    return os.environ.get(stack_config.ADOPT_ENV, "").strip().lower() in ("1", "true", "yes")


def _verify_new_url(props: Dict[str, Any], settings: WebhookSettings, old_url: str = "") -> None:
    """With `verify_url` on, POST a test body to a new URL before anything is read or written;
    raises UnreachableUrlError if the URL is dead. Check and diff (preview) never call this."""
    if props.get(VERIFY_URL) and settings.url and settings.url != old_url:
        from .delivery import verify_url  # imports requests: only when a check is asked for

        verify_url(settings.url)


def _never_unknown(_value: Any) -> bool:
    return False


def resource_name(owner: str) -> str:
    """The name part of a URN (`urn:pulumi:STACK::PROJECT::TYPE::NAME`), as users wrote it."""
    return owner.rsplit("::", 1)[-1]


def _moved(number: str, old_endpoint: str, new_endpoint: str) -> str:
    """The line that tells of an endpoint move (shown in `preview` and in `up`)."""
    from .delivery import origin  # the masking rule for URLs in messages

    return (
        f"account {number} moves from endpoint {origin(old_endpoint)} to "
        f"{origin(new_endpoint)}: the account on the old endpoint is left as it is "
        "(see docs/ownership.md, 'Moving to another endpoint', to clear it)"
    )


class Lifecycle:
    """The Webhook's engine calls, independent of the face that receives them.

    :param settings: returns the stack-wide configuration (raises ConfigurationError).
    :param is_unknown: tells a value that is not known yet (during preview) in this face.
    :param say: shows one informational line to the user.
    :param spelling: how input problems write literal values for this face's programs.
    :param deployment: what the provider process knows and holds (a new one if not given).
    """

    def __init__(
        self,
        settings: Callable[[], stack_config.ProviderConfig],
        is_unknown: Callable[[Any], bool] = _never_unknown,
        say: Callable[[str], None] = lambda _line: None,
        spelling: Spelling = PYTHON,
        deployment: Optional[Deployment] = None,
    ) -> None:
        self._settings = settings
        self._deployment = deployment or Deployment()
        self._ledger = self._deployment.ledger
        self._is_unknown = is_unknown
        self._say = say
        self._spelling = spelling

    # --- engine calls --------------------------------------------------------------------

    def check(
        self, olds: Dict[str, Any], news: Dict[str, Any], owner: Optional[str] = None
    ) -> Tuple[Dict[str, Any], List[Problem]]:
        """Normalised inputs and every problem with them; no API call. Unknown values stay
        as they are, everything known is validated; settings at their default are left out
        (see `model.without_defaults`; the inputs depend on the program only, never on the
        state, so a setting back at its default leaves no trace for a later diff); the
        configured endpoint and the fingerprint of the key in use are added (a change of
        either shows in `preview --diff`, and a replacement shows only what changes). `olds`
        (the inputs in state, empty for a new resource) mark the account as this
        resource's own. `owner` (the resource's URN) claims the account for the resource:
        a second resource of the deployment on the same endpoint and number is a problem,
        and then nothing is marked: checks and creates run in parallel, and the other
        resource's create must not take this one's state for its own."""
        problems: List[Problem] = []
        inputs = dict(news)
        settings = None
        try:
            settings = parse_settings(
                news, self._is_unknown, self._secret(news), self._spelling
            )
            for name, value in settings.to_props().items():
                if self._unknown_in(news.get(name)):
                    continue
                if is_default(name, value):
                    inputs.pop(name, None)
                else:
                    inputs[name] = value
        except SettingsError as err:
            problems.extend(err.problems)
        if news.get(ADOPT) and news.get(OVERWRITE):
            problems.append(Problem(OVERWRITE, "adopt=True and overwrite=True exclude each other"))
        try:
            provider_config = self._settings()
        except ConfigurationError as err:
            problems.append(Problem(stack_config.NAMESPACE, str(err)))
        else:
            if not news.get(API_KEY) and not provider_config.api_key:
                problems.append(Problem(API_KEY, provider_config.missing_key))
            inputs[ENDPOINT] = provider_config.options.endpoint
            if owner and settings and settings.from_number:
                account = (inputs[ENDPOINT], settings.from_number)
                claim_problems = self._claim(*account, owner)
                problems.extend(claim_problems)
                if not claim_problems and self._ledger.shared.replacing(owner):
                    # `up --replace`: the engine shows us no state, but the account is ours
                    self._ledger.note(self._ledger.in_state, account)
        if olds.get(FROM_NUMBER) and not any(p.property == FROM_NUMBER for p in problems):
            self._note_in_state(olds)
        if not problems and not self._is_unknown(inputs.get(API_KEY)):
            key = self.key_in_use(inputs)
            if key:
                inputs[KEY_FINGERPRINT] = stack_config.key_fingerprint(key)
        return inputs, problems

    def _claim(self, endpoint: str, number: str, owner: str) -> List[Problem]:
        """Claim the account for `owner`; the problem if another resource of this
        deployment (in any plugin process, on either face) already did."""
        first = self._ledger.shared.claim((endpoint, number), owner)
        if first is None:
            return []
        # Checks run in parallel: which came first is chance, so the names go in order.
        names = (resource_name(first), resource_name(owner))
        return [Problem(FROM_NUMBER, str(DuplicateAccountError(number, names)))]

    def diff(self, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffOutcome:
        """Compare the state with checked inputs; a new account is a replacement."""
        old = from_state(olds)
        old_endpoint = self._note_in_state(olds)
        unknown = [n for n in SETTING_NAMES + (API_KEY,) if self._unknown_in(news.get(n))]
        secret = self._secret(news)
        try:
            new = parse_settings(news, self._is_unknown, secret)
        except SettingsError:  # a refresh diffs the inputs it read back from the account
            new = from_state(news)
        changed = [n for n in old.changed_fields(new) if n not in unknown] + unknown
        for name in changed:
            if name in secret and name not in unknown:
                # The engine shows a changed secret as `[secret]`, without a change marker,
                # when the provider cannot send a detailed diff (the dynamic face).
                self._say(f"account {old.from_number}: {name} changes "
                          "(a secret, so shown only as [secret])")
        if not self._is_unknown(news.get(API_KEY)) and self._key_changed(olds, news):
            changed.append(API_KEY)
            # The engine's diff display cannot show a changed secret (pulumi/pulumi#16687).
            self._say(f"account {old.from_number}: api_key changed (secret, so not shown above)")
        new_endpoint = self._endpoint(news)
        if old_endpoint != new_endpoint:
            changed.append(ENDPOINT)
            self._say(_moved(new.from_number or old.from_number, old_endpoint, new_endpoint))
        number_changes = FROM_NUMBER in unknown or old.from_number != new.from_number
        return DiffOutcome(changed, [FROM_NUMBER] if number_changes else [])

    def create(self, props: Dict[str, Any]) -> Tuple[str, WebhookState]:
        """Take the account over: read first (unless this is a replacement or `overwrite`),
        write only what differs from the program. Returns the id and the state."""
        secret = self._secret(props)
        settings = parse_settings(props, secret=secret)
        _verify_new_url(props, settings)
        endpoint = self._endpoint(props)
        self._write(settings, props, endpoint)
        return settings.from_number, self._state(settings, props, endpoint)

    def update(
        self, news: Dict[str, Any], olds: Optional[Dict[str, Any]] = None
    ) -> WebhookState:
        """Write the program's settings (one call) to the endpoint the inputs name; `olds`
        (the state) tells whether the URL changes, for `verify_url`. On an endpoint the
        state does not name (a move) this is the deployment's first write there: the
        create rule applies (one read first; another configuration is refused)."""
        settings = parse_settings(news)
        _verify_new_url(news, settings, (olds or {}).get("url") or "")
        if olds and olds.get(FROM_NUMBER):
            self._note_in_state(olds)
        endpoint = self._endpoint(news)
        account = (endpoint, settings.from_number)
        self._write(settings, news, endpoint, self._ledger.has(self._ledger.written, account))
        return self._state(settings, news, endpoint)

    def _write(
        self, settings: WebhookSettings, props: Dict[str, Any], endpoint: str, known: bool = False
    ) -> None:
        """Bring the account on `endpoint` to `settings`. The first write of a deployment to
        an account whose state the engine did not show us (a new resource, a new endpoint)
        reads it first: a cleared account is written, then read back (`_read_back`); a
        configured one is refused, a different configuration unless `overwrite`, the
        program's own settings unless `adopt` (they may be another stack's); `adopt` refuses
        any difference. Nothing is written when it refuses. `known`: the caller knows the
        account is this resource's already."""
        secret = self._secret(props)
        account = (endpoint, settings.from_number)
        twice = self._ledger.shared.contested(account)
        if twice:
            names = (resource_name(twice[0]), resource_name(twice[1]))
            raise DuplicateAccountError(settings.from_number, names)
        client = self._client(self._keys(props)[0], endpoint)
        if props.get(OVERWRITE) or known or self._ledger.has(self._ledger.in_state, account):
            client.set_webhook(settings)
        else:
            current = client.get_webhook(settings.from_number)
            if props.get(ADOPT) and current != settings:
                raise AdoptionMismatchError(settings.from_number, current, settings, secret)
            if current == cleared(settings.from_number):
                if current != settings:
                    client.set_webhook(settings)
                    self._read_back(client, settings, secret)
            elif current != settings:
                raise AccountInUseError(settings.from_number, current, settings, secret)
            elif not props.get(ADOPT) and not _adopt_from_environment():
                # Identical settings say nothing about who set them: a second stack with the
                # same program would silently become a second owner.
                raise AccountAlreadyConfiguredError(settings.from_number, stack_config.ADOPT_ENV)
        self._ledger.take(account)

    def _read_back(
        self, client: WebhookClient, settings: WebhookSettings, secret: FrozenSet[str]
    ) -> None:
        """After the first write to a cleared account, read it back: another deployment that
        read the account as cleared at the same moment and wrote after us shows here, and
        this resource then fails without writing again (the API has no compare-and-set, so
        this narrows the race; docs/ownership.md says what remains). A read that fails is
        only reported: the write itself succeeded."""
        try:
            now = client.get_webhook(settings.from_number)
        except (TransportError, MalformedResponseError, ApiError) as err:
            self._say(
                f"account {settings.from_number}: could not read the account back after "
                f"writing it, to check that no other deployment wrote it at the same time ({err})"
            )
            return
        if now != settings:
            raise ConcurrentWriteError(settings.from_number, now, settings, secret)

    def read(
        self, id_: str, props: Dict[str, Any], importing: bool = False
    ) -> Optional[WebhookState]:
        """The account as it is now (one call), at the endpoint the state records; None when
        it no longer exists (its `settings.from_number` is the resource's id). An import
        (`importing`) adopts the account for the resource, as a create does; its ID may be
        any form `from_number` accepts (the resource gets the normalised number) and is
        refused with the reason `from_number` would be."""
        if importing:
            id_ = self.import_id(id_, self._spelling)
        endpoint = self._endpoint(props)
        try:
            settings = self._with_any_key(props, endpoint, lambda c: c.get_webhook(id_))
        except AccountNotFoundError:
            return None
        if importing:
            self._ledger.take((endpoint, settings.from_number))
        return self._state(settings, props, endpoint)

    def lookup(self, number: Any, endpoint: Optional[str] = None) -> Dict[str, Any]:
        """The settings account `number` holds now (one getWebhook), at `endpoint` or the
        configured endpoint, with the configured key; nothing is managed or remembered.
        Raises SettingsError for a number `from_number` would refuse."""
        account = parse_phone(number, FROM_NUMBER, spelling=self._spelling)
        if endpoint:
            endpoint = stack_config.validate_endpoint(endpoint, "the endpoint argument")
        else:
            endpoint = self._settings().options.endpoint
        settings = self._with_any_key({}, endpoint, lambda c: c.get_webhook(account))
        return dict(settings.to_props(), **{ENDPOINT: endpoint})

    @staticmethod
    def import_id(id_: str, spelling: Spelling = PYTHON) -> str:
        """The account number an import ID names, by the rule of `from_number`; raises
        ImportIdError with the reason that rule gives."""
        try:
            return parse_phone(id_, FROM_NUMBER, spelling=spelling)
        except SettingsError as err:
            raise ImportIdError(id_, err.problems[0].reason) from None

    def delete(self, id_: str, props: Dict[str, Any], owner: Optional[str] = None) -> None:
        """Clear the account (one call), unless another resource of this deployment manages
        it: one that has just written or adopted it (rename, new parent, replacement, class
        swap), or one of the program that the engine checked with this account while this
        resource left the program (a copy made with `pulumi import`). `owner`: the URN of
        the resource deleted, where the face knows it (a resource's own claim does not
        count; the dynamic face, which is not told, counts every claim)."""
        endpoint = self._endpoint(props)
        account = (endpoint, id_)
        if self._ledger.taken(account):
            self._say(
                f"account {id_} was not cleared: it is now managed by another resource of this "
                "deployment (renamed, moved, replaced, or moved between the dynamic and the "
                "native provider), which has just set or adopted it"
            )
            return
        claimant = self._ledger.shared.claimant(account)
        if claimant is not None and claimant != owner:
            self._say(
                f"account {id_} was not cleared: resource '{resource_name(claimant)}' of this "
                "deployment manages it (the resource deleted was a second one for the same "
                "account, such as a copy made with `pulumi import`)"
            )
            return
        with contextlib.suppress(AccountNotFoundError):  # gone already: nothing to clear
            self._with_any_key(props, endpoint, lambda c: c.set_webhook(cleared(id_)))

    # --- helpers -------------------------------------------------------------------------

    def _note_in_state(self, props: Dict[str, Any]) -> str:
        """Remember that the engine showed us this account in a resource's state (a create
        on it is then a replacement's); returns the state's endpoint."""
        endpoint = self._endpoint(props)
        self._ledger.note(self._ledger.in_state, (endpoint, from_state(props).from_number))
        return endpoint

    def _secret(self, props: Dict[str, Any]) -> FrozenSet[str]:
        """The inputs `props` name as secret (every setting while that is not known yet)."""
        names = props.get(SECRET_INPUTS)
        if self._unknown_in(names):
            return frozenset(SETTING_NAMES)
        return frozenset(names) if isinstance(names, (list, tuple)) else frozenset()

    def _unknown_in(self, value: Any) -> bool:
        if isinstance(value, (list, tuple)):
            return any(self._unknown_in(item) for item in value)
        return self._is_unknown(value)

    def _endpoint(self, props: Dict[str, Any]) -> str:
        """The endpoint a resource was written to (kept in its state), else the configured."""
        stored = props.get(ENDPOINT)
        if isinstance(stored, str) and stored:
            return stack_config.validate_endpoint(stored, "the endpoint in the resource's state")
        return self._settings().options.endpoint

    def _keys(self, props: Dict[str, Any]) -> Tuple[str, ...]:
        """The key in the properties first, then the configured key if it differs."""
        settings = self._settings()
        keys = [str(k).strip() for k in (props.get(API_KEY), settings.api_key) if k]
        if not any(keys):
            raise ConfigurationError(settings.missing_key)
        return tuple(dict.fromkeys(k for k in keys if k))

    def _key_changed(self, olds: Dict[str, Any], news: Dict[str, Any]) -> bool:
        """Whether the key the inputs name differs from the one the state was written with.
        The state holds the key only when the resource was given one (`api_key`); else the
        key's fingerprint (`config.key_fingerprint`). A state with neither (imported, or
        written by a version that kept no key) has no key to differ from."""
        own = str(olds.get(API_KEY) or "").strip()
        stored = stack_config.key_fingerprint(own) if own else olds.get(KEY_FINGERPRINT)
        new = self.key_in_use(news)
        return bool(stored and new) and stack_config.key_fingerprint(new) != stored

    def key_in_use(self, props: Dict[str, Any]) -> Optional[str]:
        """The key a resource's properties name: their own, else the configured one (the
        dynamic `Webhook` passes no key when the configured one is to be used); None if
        neither is set."""
        own = str(props.get(API_KEY) or "").strip()
        if own:
            return own
        try:
            return self._settings().api_key or None
        except ConfigurationError:  # reported by check
            return None

    def _client(self, api_key: str, endpoint: str) -> WebhookClient:
        options = stack_config.options_for(self._settings().options, endpoint)
        return self._deployment.client(api_key, options)

    def _with_any_key(
        self, props: Dict[str, Any], endpoint: str, call: Callable[[WebhookClient], _T]
    ) -> _T:
        """Run `call` with the key in state; after reason 3, with the configured key (a
        rotation: the state holds the old key, the configuration the new one)."""
        keys = self._keys(props)
        for key in keys[:-1]:
            try:
                return call(self._client(key, endpoint))
            except InvalidApiKeyError:
                continue
        return call(self._client(keys[-1], endpoint))

    def _state(
        self, settings: WebhookSettings, props: Dict[str, Any], endpoint: str
    ) -> WebhookState:
        """The state of a resource with `props` (inputs, or the state a refresh was given)
        whose account holds `settings` on `endpoint`."""
        key = self.key_in_use(props)
        kept_key = None
        if props.get(API_KEY):
            kept_key = str(props[API_KEY])
        elif key and self._settings().key_from_environment:
            kept_key = key
        return WebhookState(
            settings,
            endpoint,
            key_fingerprint=stack_config.key_fingerprint(key) if key else None,
            api_key=kept_key,
            program=tuple(name for name in PROGRAM_INPUTS if props.get(name)),
        )
