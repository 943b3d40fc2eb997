"""Where the API key, endpoint and client tuning come from.

Order: the resource argument (API key only), stack configuration (`wa-webhook:*`), then
environment variables (`WA_WEBHOOK_*`), then defaults. No Pulumi imports: the provider
passes the stack configuration in as a plain mapping.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import ipaddress
import math
import os
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol, Tuple
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .model import shown_url, url_problem

NAMESPACE = "wa-webhook"

#: Bounds of `timeout` (seconds per answer): a typo such as 1e9 must not hang a deployment.
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 300.0
#: Upper bound of `retries`: with the backoff cap of 2 s, 10 retries wait at most ~20 s.
MAX_RETRIES = 10
#: API calls one provider process keeps in flight at most (README, "Speed": why 16). Four
#: times the 4 calls the Pulumi SDK's dynamic provider server ran before (`dynamic.workers`),
#: and the engine's default --parallel on a 4-core machine; polite towards an API whose rate
#: limits are not documented. Users raise it for a large `--parallel`.
DEFAULT_MAX_CONCURRENCY = 16
#: Upper bound of `maxConcurrency`: one thread (and one connection) per call in flight.
MAX_MAX_CONCURRENCY = 256


@dataclass(frozen=True)
class ConfigKey:
    """One `wa-webhook:*` configuration key: the one place that names it.

    `name` is the key after `wa-webhook:` and the explicit provider's property (schema,
    YAML, TypeScript, Go), `python` the argument of `native.Provider`, `env` the environment
    variable read when neither gives a value. `kind` is the schema type (`string`, `number`,
    `integer`); `low`/`high` bound a number; `default` is what applies when nothing is set
    (None: nothing, the key must come from somewhere); `secret` marks the API key; `doc` says
    what the value means (the schema, the README's table and `native.Provider` use it).
    """

    name: str
    python: str
    env: str
    kind: str
    default: Any
    doc: str
    low: Optional[float] = None
    high: Optional[float] = None
    unit: str = ""
    secret: bool = False

    @property
    def config(self) -> str:
        """The stack configuration key, e.g. `wa-webhook:endpoint`."""
        return f"{NAMESPACE}:{self.name}"

    @property
    def expected(self) -> str:
        """What a valid value is, in words (messages, docs): "" for a string."""
        if self.kind == "integer":
            return f"a whole number from {self.low:g} to {self.high:g}"
        if self.kind == "number":
            return f"a number of {self.unit} from {self.low:g} to {self.high:g}"
        return ""

    def parse(self, text: str, source: str) -> Any:
        """`text` (from `source`, as the message names it) as this key's value; raises
        ConfigurationError when it is not one."""
        if self.name == "endpoint":
            return validate_endpoint(text, source)
        if self.kind == "string":
            return text  # stripped already, as every value read (`_found`)
        try:
            value = int(text) if self.kind == "integer" else float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and self.low is not None and self.high is not None
                and self.low <= value <= self.high):
            raise ConfigurationError(f"{source} must be {self.expected}, got {text!r}")
        return value


#: The configuration keys, in the order the docs list them. A new key is one row here (and a
#: field of ClientOptions when the client uses it), plus its docs and tests.
CONFIG_KEYS: Tuple[ConfigKey, ...] = (
    ConfigKey("apiKey", "api_key", "WA_WEBHOOK_API_KEY", "string", None,
              "the 99digital API key of every `Webhook` given none of its own", secret=True),
    ConfigKey("endpoint", "endpoint", "WA_WEBHOOK_ENDPOINT", "string",
              "https://api.99digital.co.il/whatsapp/v2",
              "the API base URL: https, or plain http to a loopback host only; no user info, "
              "query or fragment"),
    ConfigKey("timeout", "timeout", "WA_WEBHOOK_TIMEOUT", "number", 10.0,
              "how long to wait for each API answer", low=MIN_TIMEOUT, high=MAX_TIMEOUT,
              unit="seconds"),
    ConfigKey("retries", "retries", "WA_WEBHOOK_RETRIES", "integer", 3,
              "retries after a 5xx answer, a timeout or a dropped connection",
              low=0, high=MAX_RETRIES),
    ConfigKey("maxConcurrency", "max_concurrency", "WA_WEBHOOK_MAX_CONCURRENCY", "integer",
              DEFAULT_MAX_CONCURRENCY,
              "API calls in flight at once, at most, whatever `--parallel` is",
              low=1, high=MAX_MAX_CONCURRENCY),
)
#: Not configuration but a switch for one run: `WA_WEBHOOK_ADOPT=1 pulumi up` adopts every
#: account that already holds exactly its program's settings, as `adopt` would, without a
#: change to the program (the recovery of a first `up` killed after its write landed).
ADOPT_ENV = "WA_WEBHOOK_ADOPT"
#: The keys by name (after `wa-webhook:`).
CONFIG_KEY: Dict[str, ConfigKey] = {key.name: key for key in CONFIG_KEYS}
#: Every `wa-webhook:*` configuration key, spelt as after the colon; an unlisted key draws a
#: warning (`key_problems`).
KNOWN_KEYS: Tuple[str, ...] = tuple(CONFIG_KEY)
#: Names that the SDKs of other languages send among an explicit provider's inputs and a
#: stack may hold as `wa-webhook:version`: not configuration, and no typo either.
SDK_KEYS: Tuple[str, ...] = ("version",)

KEY_CONFIG = CONFIG_KEY["apiKey"].config
KEY_ENV = CONFIG_KEY["apiKey"].env
ENDPOINT_CONFIG = CONFIG_KEY["endpoint"].config
ENDPOINT_ENV = CONFIG_KEY["endpoint"].env
TIMEOUT_CONFIG = CONFIG_KEY["timeout"].config
TIMEOUT_ENV = CONFIG_KEY["timeout"].env
RETRIES_CONFIG = CONFIG_KEY["retries"].config
RETRIES_ENV = CONFIG_KEY["retries"].env
MAX_CONCURRENCY_CONFIG = CONFIG_KEY["maxConcurrency"].config
MAX_CONCURRENCY_ENV = CONFIG_KEY["maxConcurrency"].env
DEFAULT_ENDPOINT: str = CONFIG_KEY["endpoint"].default
DEFAULT_TIMEOUT: float = CONFIG_KEY["timeout"].default
DEFAULT_RETRIES: int = CONFIG_KEY["retries"].default


@dataclass(frozen=True)
class ClientOptions:
    """Where and how to call the API (a field per configuration key but the API key)."""

    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = 0.2
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY


def missing_key_message(provider: Optional[str] = None) -> str:
    """Why there is no key, and where to set one: the explicit provider `provider`'s `apiKey`
    when the resource has one (it reads no stack configuration), else the stack config."""
    if provider is not None:
        return (
            "no 99digital API key: pass api_key= to the Webhook, or set `apiKey` of the "
            f"explicit provider '{provider}', or set the environment variable {KEY_ENV} "
            "where the deployment runs"
        )
    return (
        "no 99digital API key: pass api_key= to the Webhook, or run "
        f"`pulumi config set --secret {KEY_CONFIG} <key>`, or set the environment variable "
        f"{KEY_ENV}"
    )


MISSING_KEY_MESSAGE = missing_key_message()


class ConfigSource(Protocol):
    """Anything with `get(key)`: a dict, or the dynamic provider's stack Config."""

    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class ProviderConfig:
    """Settings shared by every Webhook of a stack. `key_from_environment`: the key came
    from $WA_WEBHOOK_API_KEY, which (unlike stack configuration) the engine does not keep.
    `provider`: the explicit provider's name, None for the stack's configuration."""

    api_key: Optional[str]
    options: ClientOptions
    key_from_environment: bool = False
    provider: Optional[str] = None

    @property
    def missing_key(self) -> str:
        """The message for a resource that has no key: where this provider reads one."""
        return missing_key_message(self.provider)


def clean_key(value: Any) -> Optional[str]:
    """An API key as given, without surrounding whitespace (a file's trailing newline); None
    when nothing is left. The program and the provider both clean keys with this."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


#: Salt and rounds of `key_fingerprint`: changing either changes every stored fingerprint.
FINGERPRINT_SALT = b"pulumi-wa-webhook api key fingerprint v1"
FINGERPRINT_ROUNDS = 20_000


@functools.lru_cache(maxsize=32)
def key_fingerprint(key: str) -> str:
    """Eight hex digits that tell one API key from another, so that a resource's state can
    show a rotated key without holding the key.

    A one-way, deliberately slow hash (PBKDF2-HMAC-SHA256, 20,000 rounds, about 10 ms, once
    per key and process) cut to 32 bits: it cannot give the key back, and a guessed key
    that matches it is one of billions that do. Stored in clear, which is why it is short.
    """
    digest = hashlib.pbkdf2_hmac("sha256", key.encode(), FINGERPRINT_SALT, FINGERPRINT_ROUNDS)
    return digest.hex()[:8]


def _configured(config: ConfigSource, config_key: str) -> Optional[str]:
    """The stack configuration's value of `config_key`, stripped; None if unset or blank."""
    value = config.get(config_key)
    if value is not None and str(value).strip():
        return str(value).strip()
    return None


def key_in_stack_config(config: ConfigSource) -> bool:
    """Whether the stack configuration itself holds an API key. The provider then uses that
    key (it wins over the environment) and never copies it into a resource's outputs."""
    return _configured(config, KEY_CONFIG) is not None


def _found(config: ConfigSource, key: ConfigKey) -> Optional[Tuple[str, str]]:
    """(value, where it came from) from stack config, else the environment; None if unset.

    The source is named the way a user sets it: the config key, or "environment variable X".
    """
    configured = _configured(config, key.config)
    if configured is not None:
        return configured, key.config
    from_env = os.environ.get(key.env)
    if from_env is not None and from_env.strip():
        return from_env.strip(), f"environment variable {key.env}"
    return None


def validate_endpoint(endpoint: str, source: Optional[str] = None) -> str:
    """An https URL, or http to a loopback host (the emulator). Raises ConfigurationError
    naming `source`, where the endpoint came from. No user info, query or fragment: the
    client appends paths to the endpoint, so they would end up in the middle of each URL."""
    source = source or f"{ENDPOINT_CONFIG} / {ENDPOINT_ENV}"
    problem = url_problem(endpoint)
    if problem:
        raise ConfigurationError(f"the endpoint ({source}) {problem}")
    parts = urlsplit(endpoint)
    before_fragment = endpoint.partition("#")[0]
    extras = [what for what, found in (("user info", "@" in parts.netloc),
                                       ("a query", "?" in before_fragment),
                                       ("a fragment", "#" in endpoint)) if found]
    if extras:
        # The API's paths are appended to the endpoint: these would land in the middle of
        # every URL (a query, HTTP 404) or send credentials in the URL.
        raise ConfigurationError(
            f"the endpoint ({source}) must not have {' or '.join(extras)}: give the API's "
            f"base URL only, such as {DEFAULT_ENDPOINT}"
        )
    if parts.scheme == "https" and parts.hostname:
        return endpoint.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return endpoint.rstrip("/")
    raise ConfigurationError(
        f"endpoint {shown_url(endpoint, secret=False)!r} ({source}) must be an https:// URL; "
        "plain http:// is accepted only for loopback hosts such as 127.0.0.1"
    )


def options_for(options: ClientOptions, endpoint: Optional[str]) -> ClientOptions:
    """`options` aimed at `endpoint` (e.g. the one a resource's state records), validated;
    unchanged when `endpoint` is empty."""
    if not endpoint or endpoint == options.endpoint:
        return options
    return replace(options, endpoint=validate_endpoint(endpoint))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConfigurationProblems(ConfigurationError):
    """One or more unusable settings; `problems` holds (config key, message) for each, so that
    a face can point at every key at once."""

    def __init__(self, problems: List[Tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(message for _key, message in problems)
        if len(problems) > 1:
            text = f"{len(problems)} problems in the wa-webhook configuration: {text}"
        super().__init__(text)


def load(
    config: ConfigSource, origin: Callable[[str], str] = str, provider: Optional[str] = None
) -> ProviderConfig:
    """Resolve the stack-wide settings from stack configuration and the environment.

    Raises ConfigurationProblems naming every config key or environment variable at fault;
    `origin` says where a config key's value came from (by default the key itself, e.g.
    `wa-webhook:endpoint`; the native plugin names an explicit provider instead, whose name
    `provider` is).
    """
    problems: List[Tuple[str, str]] = []
    values: Dict[str, Any] = {}
    for key in CONFIG_KEYS:
        found = _found(config, key)
        if found is None:
            continue
        text, source = found
        try:
            values[key.name] = key.parse(text, origin(source) if source == key.config else source)
        except ConfigurationError as err:
            problems.append((key.config, str(err)))
    if problems:
        raise ConfigurationProblems(problems)
    api_key = values.pop("apiKey", None)
    fields = {key.python: values[key.name] for key in CONFIG_KEYS if key.name in values}
    return ProviderConfig(
        api_key=api_key,
        options=ClientOptions(**fields),
        key_from_environment=api_key is not None and _configured(config, KEY_CONFIG) is None,
        provider=provider,
    )


# --- configuration keys -------------------------------------------------------------------

#: Spellings (lower case, letters only) that mean the API key: such a key is refused rather
#: than ignored, since its value, a key, would sit unencrypted in the stack's configuration.
_KEY_LIKE = ("apikey", "key", "apitoken", "token", "apisecret", "secret", "apikeys")


@dataclass(frozen=True)
class KeyProblem:
    """An unknown `wa-webhook:*` key: `refused` (it looks like the API key) or a warning."""

    key: str
    message: str
    refused: bool


def nearest_key(name: str) -> Optional[str]:
    """The known key `name` most likely means (difflib, case ignored), if any is close."""
    lowered = {known.lower(): known for known in KNOWN_KEYS}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def looks_like_api_key(name: str) -> bool:
    """Whether an unknown key `name` is a misspelt `apiKey` (`apikey`, `api_key`, `ApiKey`...)."""
    letters = "".join(c for c in name.lower() if c.isalpha())
    return letters in _KEY_LIKE or difflib.SequenceMatcher(None, letters, "apikey").ratio() >= 0.8


def key_problems(keys: Iterable[str], plain: Iterable[str] = ()) -> List[KeyProblem]:
    """A problem for each of `keys` (names after `wa-webhook:`) that is not a known key, and
    for the API key when it is among `plain`, the keys known to be stored in clear."""
    problems = []
    plain = set(plain)
    for name in keys:
        if name == CONFIG_KEY["apiKey"].name and name in plain:
            problems.append(KeyProblem(KEY_CONFIG, (
                f"{KEY_CONFIG} is stored unencrypted in the stack's configuration (it was set "
                "without --secret), so the API key would be in clear in the stack's files. "
                f"Nothing was deployed: run `pulumi config rm {KEY_CONFIG}` and "
                f"`pulumi config set --secret {KEY_CONFIG} <key>`"
            ), refused=True))
        if name in KNOWN_KEYS or name in SDK_KEYS:
            continue
        key = f"{NAMESPACE}:{name}"
        if looks_like_api_key(name):
            problems.append(KeyProblem(key, (
                f"{key} is not a wa-webhook configuration key; the API key is {KEY_CONFIG}, "
                "and a key under any other name would be stored unencrypted and ignored. "
                f"Nothing was deployed: run `pulumi config rm {key}` and "
                f"`pulumi config set --secret {KEY_CONFIG} <key>`"
            ), refused=True))
            continue
        nearest = nearest_key(name)
        hint = f"did you mean {NAMESPACE}:{nearest}? " if nearest else ""
        problems.append(KeyProblem(key, (
            f"{key} is not a wa-webhook configuration key and is ignored; {hint}"
            f"(the keys are {', '.join(KNOWN_KEYS)})"
        ), refused=False))
    return problems


def markdown_table() -> str:
    """The README's configuration table, made from CONFIG_KEYS (a test compares them)."""
    rows = ["| stack config | environment variable | meaning | default |", "|---|---|---|---|"]
    for key in CONFIG_KEYS:
        secret = " (secret)" if key.secret else ""
        meaning = key.doc[0].upper() + key.doc[1:]
        if key.expected:
            meaning += f": {key.expected}"
        default = ("none: preview fails and names where to set one" if key.default is None
                   else f"`{key.default:g}`" if isinstance(key.default, (int, float))
                   else f"`{key.default}`")
        rows.append(f"| `{key.config}`{secret} | `{key.env}` | {meaning} | {default} |")
    return "\n".join(rows) + "\n"
