"""Webhook settings as an immutable value: parsing, validation and the API wire format.

Pure functions only: no HTTP, no Pulumi. Everything the provider compares or sends goes
through here, so `+972 50-000-0001` and `972500000001` are the same account everywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import AbstractSet, Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

MAX_ALERT_PHONES = 5
MAX_URL_LENGTH = 2048
#: What the API takes to clear `url` and `systemPhoneAlert`.
CLEAR = " "
#: Region used to read back numbers the API returns in Israeli local form (`0501234567`).
API_DEFAULT_REGION = "IL"
ALERT_COUNTRY_CODE = 972

EXPECTED_PHONE_FORM = "international digits, e.g. 972501234567 or +972 50-123-4567"
#: How a message names a value the program marked secret (it never quotes it).
SECRET_VALUE = "the secret value"
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+$")
#: A number starts with a digit or an opening parenthesis, after at most one `+` (spaces
#: aside): `-972…`, `--972…` and `++972…` are refused, not read as 972….
_PHONE_START = re.compile(r"^\+?[ (]*[0-9]")
#: Why a number in local format is refused (the provider's rule, the emulator's too).
LOCAL_FORMAT = (
    f"is in local format; use the international form without the leading 0 "
    f"({EXPECTED_PHONE_FORM})"
)


def is_local_format(digits: str) -> bool:
    """Whether a number's digits are in local (trunk-prefixed) form, e.g. 0501234567: no
    international number starts with 0, and which country is meant cannot be told."""
    return digits.startswith("0")


def _json_literal(value: Any) -> str:
    """`value` as JSON writes it: what YAML, TypeScript and Go programs read (a whole number
    without `.0`, as every number reaches the plugin as a float)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json_literal(item) for item in value) + "]"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


@dataclass(frozen=True)
class Spelling:
    """How a message writes literal values and booleans for the caller: a Python program
    (`True`, `'972…'`, `['972…']`) or a program in the schema's languages, through the
    native plugin (`true`, `"972…"`, `["972…"]`). Each rule keeps one message; only its
    literals change."""

    literal: Callable[[Any], str]
    true_or_false: str


PYTHON = Spelling(repr, "True or False")
SCHEMA = Spelling(_json_literal, "true or false")


@dataclass(frozen=True)
class Problem:
    """One invalid input: the property (as the user writes it) and why."""

    property: str
    reason: str


#: The properties whose values may carry a credential (user info, a query or fragment token).
URL_PROPERTIES = frozenset({"url"})


def check_failure(problem: Problem) -> Tuple[str, str]:
    """A problem as the (property, reason) of an engine check failure. The engine prints the
    value of the property a failure names (`property url value {VALUE} has a problem`), in
    clear unless the program marked it secret; so a problem with a URL names no property and
    its reason names it instead (`url must start with https://…`), and the value is never
    shown."""
    if problem.property in URL_PROPERTIES:
        return "", f"{problem.property} {problem.reason}"
    return problem.property, problem.reason


class SettingsError(ValueError):
    """Raised when input cannot be turned into valid settings; carries every problem."""

    def __init__(self, problems: List[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.property}: {p.reason}" for p in problems))


@dataclass(frozen=True)
class Setting:
    """One argument of a `Webhook`, declared once: the schema, both `Webhook` classes' docs and
    the README's arguments table are derived from (or checked against) these rows."""

    python: str
    #: The API field it is sent as; None for an argument the API never sees.
    wire: Optional[str]
    #: Its type in the package schema (`string`, `boolean`, `array` of strings).
    schema_type: str
    #: Its default; None for the account (required) and the key (looked up elsewhere).
    default: Any
    doc: str
    #: An argument that is not also an output (it steers the first write, and is not a setting).
    input_only: bool = False
    #: A setting the account holds (sent on every write, read back by getWebhook).
    on_account: bool = True

    @property
    def schema(self) -> str:
        """The name in the package schema and in every other Pulumi language."""
        head, *rest = self.python.split("_")
        return head + "".join(word.capitalize() for word in rest)


SETTINGS: Tuple[Setting, ...] = (
    Setting("from_number", "from", "string", None,
            "The account (API field `from`), kept as canonical international digits: "
            "972501234567, +972 50-123-4567 and the int 972501234567 are one account; the "
            "resource ID. Changing it replaces the resource."),
    Setting("url", "url", "string", "",
            "Webhook URL that receives messages and acknowledgements; empty for none."),
    Setting("system", "system", "boolean", False, "Whether system-message notifications are on."),
    Setting("system_phone_alerts", "systemPhoneAlert", "array", (),
            "Up to 5 Israeli phones (international digits, any order) that receive system "
            "notifications by WhatsApp."),
    Setting("read_status", "readStatus", "boolean", False,
            "Whether read-status notifications (sent / delivered / read) are on."),
    Setting("retry", "retry", "boolean", False,
            "Whether failed deliveries are retried (immediately, then 5 min ... 24 h)."),
    Setting("api_key", "apiKey", "string", None,
            "The account's 99digital API key (a secret). Defaults to the provider configuration "
            "`apiKey`, then the environment variable WA_WEBHOOK_API_KEY (in Python programs "
            "with the dynamic `Webhook`: stack config `wa-webhook:apiKey`, then that variable).",
            on_account=False),
    Setting("adopt", None, "boolean", False,
            "Bring an account that is already configured under management: the first create "
            "reads the account and, instead of writing, fails if its settings differ from the "
            "program.", input_only=True, on_account=False),
    Setting("overwrite", None, "boolean", False,
            "Let the first create take over an account that holds a different configuration "
            "(another stack's, or one made by hand) and write the program's settings.",
            input_only=True, on_account=False),
    Setting("verify_url", None, "boolean", False,
            "Before a create or update writes a new URL, POST {\"status\": \"OK\", \"hook\": "
            "\"test\"} to it (5 s, TLS verified) and fail, writing nothing, on a DNS error, "
            "refused connection, TLS error, timeout, HTTP 404/410 or 5xx. Never in preview.",
            input_only=True, on_account=False),
)
#: The rows by Python name.
SETTING: Dict[str, Setting] = {row.python: row for row in SETTINGS}
#: The rows the account holds, in the order of the API's fields.
ACCOUNT_SETTINGS: Tuple[Setting, ...] = tuple(row for row in SETTINGS if row.on_account)


def _wire_value(value: Any) -> Any:
    """A setting as setWebhook takes it: switches as 0/1, lists comma-separated, an empty
    value as the single space that clears it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        value = ",".join(value)
    return value or CLEAR


@dataclass(frozen=True)
class WebhookSettings:
    """The complete desired (or observed) webhook configuration of one account: the rows of
    SETTINGS that the account holds (a test checks the two agree)."""

    from_number: str
    url: str = ""
    system: bool = False
    system_phone_alerts: Tuple[str, ...] = field(default_factory=tuple)
    read_status: bool = False
    retry: bool = False

    def to_wire(self) -> Dict[str, Any]:
        """The setWebhook body (without `apiKey`): every field, unset values cleared."""
        return {str(row.wire): _wire_value(getattr(self, row.python)) for row in ACCOUNT_SETTINGS}

    def to_props(self) -> Dict[str, Any]:
        """The Pulumi properties (inputs and outputs) for these settings."""
        props = {row.python: getattr(self, row.python) for row in ACCOUNT_SETTINGS}
        props["system_phone_alerts"] = list(self.system_phone_alerts)
        return props

    def changed_fields(self, other: WebhookSettings) -> List[str]:
        """Names of the properties whose values differ from `other`."""
        mine, theirs = self.to_props(), other.to_props()
        return [name for name in mine if mine[name] != theirs[name]]


def cleared(from_number: str) -> WebhookSettings:
    """The settings that delete leaves behind: no URL, no alert phones, switches off."""
    return WebhookSettings(from_number=from_number)


#: Every setting but the account, with its default, as a Pulumi property value.
SETTING_DEFAULTS: Dict[str, Any] = {
    name: value for name, value in cleared("").to_props().items() if name != "from_number"
}


def is_default(name: str, value: Any) -> bool:
    """Whether `value` is the default of the setting `name` (never true for other names)."""
    return name in SETTING_DEFAULTS and value == SETTING_DEFAULTS[name]


def without_defaults(props: Mapping[str, Any]) -> Dict[str, Any]:
    """`props` without the settings that hold their default value. State keeps only what
    differs: with hundreds of resources every stored byte costs (the file backend rewrites
    the whole checkpoint at each step), and an absent setting reads as its default
    everywhere (`parse_settings`, `from_state`)."""
    return {name: value for name, value in props.items() if not is_default(name, value)}


# --- user input ---------------------------------------------------------------------------


def _never(_value: Any) -> bool:
    return False


def _phone_text(value: Any) -> Optional[str]:
    """A number as text: strings as they are, whole numbers (stack config given with `pulumi
    config set --path` arrives as int, YAML numbers as float) in digits, with their sign."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return str(int(value))


def _quoted(value: Any, secret: bool, spelling: Spelling = PYTHON) -> str:
    """A value as an error message may quote it: never when the program marked it secret."""
    return SECRET_VALUE if secret else spelling.literal(value)


def parse_phone(
    value: Any, prop: str, secret: bool = False, spelling: Spelling = PYTHON
) -> str:
    """Canonical digits-only international form of a user-given number, or SettingsError
    (whose text does not quote the number when it is `secret`)."""
    import phonenumbers  # on first use: the program process never parses numbers

    shown = _quoted(value, secret, spelling)
    text = _phone_text(value)
    if text is None:
        raise SettingsError([Problem(prop, f"must be a string ({EXPECTED_PHONE_FORM})")])
    text = text.strip()
    if not text:
        raise SettingsError([Problem(prop, f"must not be empty ({EXPECTED_PHONE_FORM})")])
    if text.startswith("-"):
        raise SettingsError(
            [Problem(prop, f"{shown} starts with a minus sign; a phone number has no sign "
                           f"but an optional leading + ({EXPECTED_PHONE_FORM})")]
        )
    if not _PHONE_CHARS.match(text):
        raise SettingsError(
            [
                Problem(
                    prop, f"{shown} contains characters other than digits ({EXPECTED_PHONE_FORM})"
                )
            ]
        )
    digits = re.sub(r"\D", "", text)
    if not digits.strip("0"):
        raise SettingsError(
            [Problem(prop, f"{shown} is not a phone number ({EXPECTED_PHONE_FORM})")]
        )
    if not _PHONE_START.match(text):
        raise SettingsError(
            [Problem(prop, f"{shown} must start with a digit, after at most one + "
                           f"({EXPECTED_PHONE_FORM})")]
        )
    if is_local_format(digits):
        raise SettingsError([Problem(prop, f"{shown} {LOCAL_FORMAT}")])
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        raise SettingsError(
            [Problem(prop, f"{shown} is not a phone number ({EXPECTED_PHONE_FORM})")]
        ) from None
    # parse() has already refused an unknown country code (INVALID_COUNTRY_CODE above).
    # "Possible" (right length for its country) rather than "valid": the allocation tables
    # of libphonenumber lag behind real numbers, including the API docs' own examples.
    # Lengths of the number types a WhatsApp account can have: a country's toll-free or
    # universal-access lengths (Israel's 1-800 / 1-700: ten digits) must not make a mobile
    # number with one digit too many look possible.
    if not any(phonenumbers.is_possible_number_for_type(number, t) for t in _account_types()):
        raise SettingsError(
            [
                Problem(
                    prop,
                    f"{shown} has the wrong number of digits for its country "
                    f"({EXPECTED_PHONE_FORM})",
                )
            ]
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _account_types() -> Tuple[int, ...]:
    """The phonenumbers types of a number that can be a WhatsApp account."""
    from phonenumbers import PhoneNumberType as Type

    return (Type.MOBILE, Type.FIXED_LINE, Type.FIXED_LINE_OR_MOBILE, Type.VOIP,
            Type.PERSONAL_NUMBER)


def parse_url(
    value: Any, prop: str = "url", secret: bool = False, spelling: Spelling = PYTHON
) -> str:
    """A validated absolute http(s) URL; None or "" mean no URL. Problems name the rule,
    never the URL (its user info, path or query may hold the receiver's secret)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise SettingsError(
            [Problem(prop, "must be a string URL such as https://hooks.example.com/wa")]
        )
    if len(value) > MAX_URL_LENGTH:
        raise SettingsError(
            [Problem(prop, f"is {len(value)} characters long; at most {MAX_URL_LENGTH}")]
        )
    problem = url_problem(value)
    if problem:
        raise SettingsError([Problem(prop, problem)])
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        got = "" if secret else f" (got scheme {spelling.literal(parts.scheme)})"
        raise SettingsError([Problem(prop, f"must start with https:// or http://{got}")])
    if not parts.hostname:
        raise SettingsError([Problem(prop, "has no host name")])
    return value


def url_problem(value: str) -> Optional[str]:
    """Why `value` can never be a URL a server answers on, whatever its scheme: a control
    character (C0, DEL, C1: RFC 3986 has none, and the API would store them), whitespace
    anywhere, a malformed port or port 0. None when there is no such problem. The webhook
    URL and the API endpoint are both held to this; the reason never quotes the value."""
    control = next((c for c in value if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F), None)
    if control is not None:
        return f"must not contain control characters (found U+{ord(control):04X})"
    if any(c.isspace() for c in value):
        return "must not contain spaces or other whitespace"
    try:
        port = urlsplit(value).port
    except ValueError:
        return "has an invalid port"
    if port == 0:
        return "has port 0, which no server listens on"
    return None


def parse_switch(
    value: Any, prop: str, secret: bool = False, spelling: Spelling = PYTHON
) -> bool:
    """A boolean setting; None means the default (off). Only a boolean is one: a number
    (`1` as much as `2`) or text (`"true"`) is refused, whatever its value."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    got = "" if secret else f", got {spelling.literal(value)}"
    raise SettingsError([Problem(prop, f"must be {spelling.true_or_false}{got}")])


def parse_alert_phones(
    value: Any,
    prop: str = "system_phone_alerts",
    is_unknown: Callable[[Any], bool] = _never,
    secret: bool = False,
    spelling: Spelling = PYTHON,
) -> Tuple[str, ...]:
    """Up to five distinct Israeli numbers that receive system alerts, sorted (their order
    means nothing to the API); None or [] mean none. Items for which `is_unknown` is true
    (not known yet during preview) count towards the limit but are not returned."""
    if value is None or value == "":
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingsError(
            [Problem(prop, "must be a list of phone numbers, e.g. "
                           f"{spelling.literal(['972502211234'])}")]
        )
    problems: List[Problem] = []
    numbers: List[str] = []
    for index, item in enumerate(value):
        if is_unknown(item):
            continue
        try:
            number = parse_phone(item, f"{prop}[{index}]", secret, spelling)
        except SettingsError as err:
            problems.extend(err.problems)
            continue
        if not number.startswith(str(ALERT_COUNTRY_CODE)):
            problems.append(
                Problem(
                    f"{prop}[{index}]",
                    f"{_quoted(item, secret, spelling)}: alert phones must be Israeli "
                    f"numbers starting with {ALERT_COUNTRY_CODE} (API rule)",
                )
            )
        elif number in numbers:
            problems.append(
                Problem(f"{prop}[{index}]", f"{_quoted(item, secret, spelling)} is listed twice")
            )
        else:
            numbers.append(number)
    if len(value) > MAX_ALERT_PHONES:
        problems.append(
            Problem(prop, f"has {len(value)} numbers; the API takes at most {MAX_ALERT_PHONES}")
        )
    if problems:
        raise SettingsError(problems)
    return tuple(sorted(numbers))


def parse_settings(
    props: Mapping[str, Any],
    is_unknown: Callable[[Any], bool] = _never,
    secret: AbstractSet[str] = frozenset(),
    spelling: Spelling = PYTHON,
) -> WebhookSettings:
    """Validate Pulumi properties into settings, reporting every problem at once.

    Values for which `is_unknown` is true (not known yet during preview) are skipped and
    their fields keep the defaults: the result then only proves the known values valid.
    Problems with a property named in `secret` (marked secret by the program) never quote
    its value; `spelling` writes the literals of messages for the caller.
    """
    problems: List[Problem] = []
    values: Dict[str, Any] = {}
    special: Dict[str, Callable[[Any], Any]] = {
        "from_number": lambda v: parse_phone(v, "from_number", "from_number" in secret, spelling),
        "url": lambda v: parse_url(v, "url", "url" in secret, spelling),
        "system_phone_alerts": lambda v: parse_alert_phones(
            v, is_unknown=is_unknown, secret="system_phone_alerts" in secret, spelling=spelling
        ),
    }
    for row in ACCOUNT_SETTINGS:  # the others are switches
        name = row.python
        value = props.get(name)
        if is_unknown(value):
            continue
        try:
            parse = special.get(name)
            values[name] = (
                parse(value) if parse else parse_switch(value, name, name in secret, spelling)
            )
        except SettingsError as err:
            problems.extend(err.problems)
    if problems:
        raise SettingsError(problems)
    values.setdefault("from_number", "")
    return WebhookSettings(**values)


# --- API answers ----------------------------------------------------------------------------


def _lenient_phone(text: str) -> Optional[str]:
    """Read back a number the API stored, in international or Israeli local form."""
    import phonenumbers

    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    try:
        if digits.startswith("0"):
            number = phonenumbers.parse(digits, API_DEFAULT_REGION)
        else:
            number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _lenient_switch(value: Any) -> bool:
    """A switch as stored: True/False in state; 1, "1", 0, "0" from the API (types vary)."""
    if isinstance(value, bool):
        return value
    try:
        return int(str(value).strip()) == 1
    except ValueError:  # "", None, "yes": off
        return False


def _lenient_settings(from_number: Any, value_of: Callable[[Setting], Any]) -> WebhookSettings:
    """Settings from values someone else stored (the API, the state; `value_of` gives a
    row's value): never raises. Alert phones are a list or comma-separated text; entries
    without digits (None, "") are dropped."""
    alerts = value_of(SETTING["system_phone_alerts"])
    items = alerts if isinstance(alerts, (list, tuple)) else str(alerts).split(",")
    numbers = {_lenient_phone(str(item).strip()) for item in items}
    return WebhookSettings(
        from_number=str(from_number or ""),
        url=str(value_of(SETTING["url"]) or "").strip(),
        system_phone_alerts=tuple(sorted(n for n in numbers if n)),
        **{row.python: _lenient_switch(value_of(row))
           for row in ACCOUNT_SETTINGS if row.schema_type == "boolean"},
    )


def from_wire(from_number: str, body: Mapping[str, Any]) -> WebhookSettings:
    """Settings from a getWebhook answer, normalised for comparison with user input."""
    return _lenient_settings(from_number, lambda row: body.get(str(row.wire)))


def from_state(props: Mapping[str, Any]) -> WebhookSettings:
    """Settings as a resource's state holds them. Lenient: the state may hold whatever the
    API returned on refresh (an out-of-band value the model would reject); reading it must
    never fail, such a value simply differs from the program's."""
    return _lenient_settings(props.get("from_number"), lambda row: props.get(row.python))


# --- what messages may show -----------------------------------------------------------------


def shown_url(url: str, secret: bool = True) -> str:
    """A URL as any message may show it: the one masking rule of every face and module.

    Deliveries are not signed, so a token in the URL is the only secret a receiver has. User
    info, query values and the fragment are never shown. A `secret` URL (marked secret by
    the program, or read from the account, where it may carry another team's token) shows
    only its origin, `scheme://host:port`, with `/…` when anything after it is hidden; a URL
    the program wrote in clear keeps its path.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "[a URL that does not parse]"
    host_port = (f"[{host}]" if ":" in host else host) + ("" if port is None else f":{port}")
    has_userinfo = "@" in parts.netloc
    scheme = f"{parts.scheme}:" if parts.scheme else ""
    slashes = "//" if url[len(scheme):].startswith("//") else ""
    if secret:
        hidden = parts.path.strip("/") or parts.query or parts.fragment or has_userinfo
        return f"{scheme}{slashes}{host_port}" + ("/…" if hidden else parts.path)
    userinfo = "***@" if has_userinfo else ""
    shown = f"{scheme}{slashes}{userinfo}{host_port}{parts.path}"
    if parts.query:
        shown += "?" + "&".join(f"{part.split('=', 1)[0]}=***" for part in parts.query.split("&"))
    return shown + ("#…" if parts.fragment else "")


def describe_differences(
    current: WebhookSettings, desired: WebhookSettings, secret: AbstractSet[str] = frozenset(),
    spelling: Spelling = PYTHON,
) -> str:
    """`name: old -> new` for every differing setting. `current` was read from the account:
    its URL shows as origin only; `desired` is the program's, whose settings named in
    `secret` show as `[secret]` (a URL as its origin), see `shown_url`."""
    now, wanted = current.to_props(), desired.to_props()
    return "; ".join(
        f"{name}: {_shown(name, now[name], True, False, spelling)} -> "
        f"{_shown(name, wanted[name], name in secret, name in secret, spelling)}"
        for name in current.changed_fields(desired)
    )


def _shown(name: str, value: Any, secret_url: bool, secret: bool, spelling: Spelling) -> str:
    if name == "url":
        return spelling.literal(shown_url(value, secret_url))
    return "[secret]" if secret else spelling.literal(value)
