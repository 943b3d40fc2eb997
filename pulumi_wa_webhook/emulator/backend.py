"""The emulator's model: accounts, their webhook settings, the request log, queued faults and
deliveries of incoming messages to the accounts' webhook URLs (``deliveries.py``).

Everything here is plain data guarded by one lock, so the HTTP layer (``server.py``) and the
in-process test handle (``testing.py``) can share one backend from any number of threads.

API keys are never kept in clear: the backend stores a SHA-256 digest per account (in memory and
in the optional state file) and redacts keys from every logged request body.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import hmac
import json
import math
import os
import posixpath
import tempfile
import threading
import time
from collections import deque
from dataclasses import InitVar, dataclass
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple, Union

from ..model import ACCOUNT_SETTINGS, LOCAL_FORMAT, is_local_format
from .deliveries import Deliveries, NoWebhookUrlError, incoming_message

#: The two API calls, by the last segment of their path.
CALLS = ("setWebhook", "getWebhook")
#: The settings fields as they travel on the wire (``setWebhook`` names), from the settings
#: table (`model.ACCOUNT_SETTINGS`; `from` names the account and is not a setting).
_ON_WIRE = tuple(row for row in ACCOUNT_SETTINGS if row.python != "from_number")
SETTING_FIELDS = tuple(str(row.wire) for row in _ON_WIRE)
STRING_FIELDS = tuple(str(row.wire) for row in _ON_WIRE if row.schema_type != "boolean")
SWITCH_FIELDS = tuple(str(row.wire) for row in _ON_WIRE if row.schema_type == "boolean")
#: What a brand-new account holds: no URL, every switch off, no alert phones.
DEFAULT_SETTINGS: Dict[str, Any] = {
    **{name: "" for name in STRING_FIELDS}, **{name: 0 for name in SWITCH_FIELDS}}
#: The value that clears a string field in ``setWebhook`` (one space, as documented).
CLEAR = " "
REDACTED = "***"

REASON_OK = 1
REASON_NO_ACCOUNT = 2
REASON_BAD_KEY = 3
#: Not in the published docs (their table is cut off): the emulator's code for a bad field value.
REASON_BAD_VALUE = 4

STATE_VERSION = 1
#: Longest delay a fault may ask for, in seconds (longer than any client timeout worth testing).
MAX_FAULT_DELAY = 300.0
#: Longest account number: E.164 allows 15 digits including the country code.
MAX_NUMBER_DIGITS = 15
_KEY_FIELD_NAMES = frozenset({"apikey", "api_key", "api-key", "key", "token", "authorization"})

StrPath = Union[str, "os.PathLike[str]"]


class StateFileError(ValueError):
    """The state file exists but cannot be read as emulator state."""


def _digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def redact(body: Any) -> Any:
    """A copy of a request body with every API-key-like field replaced by ``"***"``."""
    if isinstance(body, dict):
        return {
            k: (REDACTED if str(k).lower() in _KEY_FIELD_NAMES else redact(v))
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [redact(v) for v in body]
    return body


def call_name(path: str) -> Optional[str]:
    """``"setWebhook"`` / ``"getWebhook"`` for a path or bare name ending in one, else None."""
    tail = posixpath.basename(path.rstrip("/"))
    return tail if tail in CALLS else None


def account_number(text: Any) -> str:
    """An account number as the emulator keys it: digits only, international, no ``+``.

    ``" +972500000001 "`` and ``"972 50 000 0001"`` become ``"972500000001"``; anything else
    that is not 1-15 digits raises ValueError. The CLI and the admin API both use this.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError("the account number must be a string of digits")
    digits = text.strip().replace(" ", "")
    digits = digits[1:] if digits.startswith("+") else digits
    if not (digits.isascii() and digits.isdigit() and len(digits) <= MAX_NUMBER_DIGITS):
        raise ValueError(
            f"the account number must be up to {MAX_NUMBER_DIGITS} digits in international "
            f"format, e.g. 972500000001 (got {text!r})"
        )
    if is_local_format(digits):  # the provider's rule: which country is meant is unknown
        raise ValueError(f"the account number {text.strip()!r} {LOCAL_FORMAT}")
    return digits


def _switch(value: Any) -> Optional[int]:
    """0 or 1 for the accepted switch forms (0, 1, "0", "1"), None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value in ("0", "1"):
        return int(value)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seconds(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value <= MAX_FAULT_DELAY)


#: Each field of a fault with what a valid value is and the message when it is not; an unset
#: optional field (None) is not checked.
_FAULT_RULES: Dict[str, Tuple[Callable[[Any], bool], str]] = {
    "times": (lambda v: _is_int(v) and v >= 1, "fault 'times' must be a positive integer"),
    "status": (lambda v: _is_int(v) and 200 <= v <= 599,
               "fault 'status' must be an HTTP status code (200-599)"),
    "delay": (_is_seconds, f"fault 'delay' must be a number of seconds from 0 to "
                           f"{MAX_FAULT_DELAY:g}"),
    "reset": (lambda v: isinstance(v, bool), "fault 'reset' must be true or false"),
    "body": (lambda v: isinstance(v, str), "fault 'body' must be a string (the raw answer text)"),
    "reason": (_is_int, "fault 'reason' must be an integer reason code"),
}
#: How a fault misbehaves: at most one of these (a delay may come with any of them).
_MISBEHAVIOURS = ("status", "reset", "body", "reason")


@dataclass(slots=True)
class Fault:
    """One queued fault: how to misbehave, for which call, and how many more times.

    `path` is a call name (or ``*``: every call), `times` how often it applies; then one of
    `status` (an HTTP error), `reset` (drop the connection), `body` (a raw answer) or
    `reason` (a FAIL answer with that code), and/or a `delay` in seconds before answering.
    `account` aims it at the requests for one account (their ``from``). Every field is
    validated against `_FAULT_RULES`."""

    path: str = "*"
    times: InitVar[int] = 1
    status: Optional[int] = None
    delay: Optional[float] = None
    reset: bool = False
    body: Optional[str] = None
    reason: Optional[int] = None
    #: Only requests for this account (their ``from``), in the emulator's form; None: any.
    account: Optional[str] = None
    #: How many more requests this fault applies to.
    remaining: int = dataclasses.field(init=False)

    def __post_init__(self, times: int) -> None:
        if self.path != "*":
            name = call_name(str(self.path))
            if name is None:
                raise ValueError(f"fault path must be one of {', '.join(CALLS)} or '*'")
            self.path = name
        values = {"times": times, **{name: getattr(self, name) for name in _FAULT_RULES
                                     if name != "times"}}
        for name, value in values.items():
            valid, message = _FAULT_RULES[name]
            if value is not None and not valid(value):
                raise ValueError(message)
        kinds = [name for name in _MISBEHAVIOURS if values[name] not in (None, False)]
        if len(kinds) > 1:
            raise ValueError(f"a fault takes one of status/reset/body/reason, got {kinds}")
        if not kinds and self.delay is None:
            raise ValueError("a fault needs one of status, delay, reset, body or reason")
        self.remaining = times
        self.delay = float(self.delay) if self.delay is not None else None
        self.account = account_number(self.account) if self.account is not None else None

    def matches(self, call: str, account: Optional[str] = None) -> bool:
        """Whether this fault applies to a request for ``call`` about ``account`` (the
        request's ``from``, None when it has none)."""
        return self.path in ("*", call) and self.account in (None, account)

    def to_dict(self) -> Dict[str, Any]:
        """The fault as JSON-ready data (``times`` is what is left)."""
        data: Dict[str, Any] = {"path": self.path, "times": self.remaining}
        if self.status is not None:
            data["status"] = self.status
        if self.delay is not None:
            data["delay"] = self.delay
        if self.reset:
            data["reset"] = True
        if self.body is not None:
            data["body"] = self.body
        if self.reason is not None:
            data["reason"] = self.reason
        if self.account is not None:
            data["account"] = self.account
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from the admin endpoint's JSON object: unknown fields are rejected,
        and `path` is required, so that a body meant for something else (`{"reset": true}`,
        meaning "clear the faults") is refused rather than queued as a connection reset."""
        allowed = {"path", "times", "status", "delay", "reset", "body", "reason", "account"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        if "path" not in data:
            raise ValueError(
                f"a fault needs a 'path' ({', '.join(CALLS)} or '*', every call); to clear "
                "the queued faults, send DELETE /_emulator/faults"
            )
        return cls(
            path=data["path"],
            times=data.get("times", 1),
            status=data.get("status"),
            delay=data.get("delay"),
            reset=data.get("reset", False),
            body=data.get("body"),
            reason=data.get("reason"),
            account=data.get("account"),
        )


class EmulatorBackend:
    """The emulated 99digital service state: accounts, settings, request log and faults.

    ``accounts`` maps ``from`` numbers to API keys; with ``state_file`` the accounts and their
    settings are loaded from (if the file exists) and saved atomically to that JSON file after
    every change, so a restarted emulator keeps them. Keys given here re-key accounts already in
    the state file without touching their settings. ``time_scale`` divides the waits between
    delivery retries; pass ``deliveries`` to inject one with a test clock.
    """

    def __init__(
        self,
        accounts: Optional[Mapping[str, str]] = None,
        state_file: Optional[StrPath] = None,
        log_limit: int = 10_000,
        *,
        time_scale: float = 1.0,
        deliveries: Optional[Deliveries] = None,
    ) -> None:
        self.deliveries = deliveries if deliveries is not None else Deliveries(time_scale)
        self._lock = threading.Lock()
        self._accounts: Dict[str, Dict[str, Any]] = {}
        self._log: Deque[Dict[str, Any]] = deque(maxlen=log_limit)
        self._faults: List[Fault] = []
        self._state_file = os.fspath(state_file) if state_file is not None else None
        if self._state_file is not None:
            directory = os.path.dirname(os.path.abspath(self._state_file))
            if not os.path.isdir(directory):
                raise StateFileError(
                    f"cannot keep state in {self._state_file}: "
                    f"the directory {directory} does not exist"
                )
            self._load()
        with self._lock:
            changed = False
            for number, key in (accounts or {}).items():
                changed |= self._put_key(account_number(number), key)
            if changed or (self._state_file is not None and not os.path.exists(self._state_file)):
                self._save()

    @property
    def state_file(self) -> Optional[str]:
        """The JSON state file path, or None when state lives in memory only."""
        return self._state_file

    # -- the API -----------------------------------------------------------------------------

    def set_webhook(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        """Apply a ``setWebhook`` body; returns the JSON answer (``status`` OK or FAIL)."""
        with self._lock:
            number, failure = self._authenticate(body)
            if failure is not None:
                return failure
            assert number is not None
            update: Dict[str, Any] = {}
            for field in STRING_FIELDS:
                if field in body:
                    value = body[field]
                    if not isinstance(value, str):
                        return _bad_value(field, 'expected a string (send " " to clear it)')
                    update[field] = "" if value == CLEAR else value
            for field in SWITCH_FIELDS:
                if field in body:
                    switch = _switch(body[field])
                    if switch is None:
                        return _bad_value(field, "expected 0 or 1")
                    update[field] = switch
            settings = self._accounts[number]
            if any(settings[k] != v for k, v in update.items()):
                settings.update(update)
                self._save()
            return {"status": "OK", **_public(settings), "reason": REASON_OK}

    def get_webhook(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        """Answer a ``getWebhook`` body; ``system`` comes back as a string, as documented."""
        with self._lock:
            number, failure = self._authenticate(body)
            if failure is not None:
                return failure
            assert number is not None
            settings = self._accounts[number]
            return {"status": "OK", **_public(settings), "system": str(settings["system"]),
                    "reason": REASON_OK}

    def call(self, name: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        """Dispatch ``setWebhook`` / ``getWebhook`` by name."""
        if name == "setWebhook":
            return self.set_webhook(body)
        if name == "getWebhook":
            return self.get_webhook(body)
        raise ValueError(f"unknown call {name!r}")

    def _authenticate(
        self, body: Mapping[str, Any]
    ) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        number = str(body.get("from"))  # 972500000001 may come as a JSON number
        if number not in self._accounts:
            return None, {"status": "FAIL", "reason": REASON_NO_ACCOUNT}
        key = body.get("apiKey")
        if not isinstance(key, str) or not hmac.compare_digest(
            _digest(key), self._accounts[number]["keyDigest"]
        ):
            return None, {"status": "FAIL", "reason": REASON_BAD_KEY}
        return number, None

    # -- request log ---------------------------------------------------------------------------

    def log_request(self, path: str, body: Any) -> Dict[str, Any]:
        """Append a call to the log with keys redacted; ``body=None`` logs a malformed body."""
        entry = {
            "path": path,
            "body": {"malformed": True} if body is None else redact(body),
            "time": time.time(),
        }
        with self._lock:
            self._log.append(entry)
        return copy.deepcopy(entry)

    def requests(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        """Logged calls, oldest first; with ``path`` only those whose path ends with it."""
        with self._lock:
            entries = [e for e in self._log if path is None or e["path"].endswith(path)]
            return copy.deepcopy(entries)

    def clear_requests(self) -> int:
        """Empty the request log; returns how many entries were dropped."""
        with self._lock:
            count = len(self._log)
            self._log.clear()
            return count

    # -- faults --------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Dict[str, Any]:
        """Queue a fault behind those already queued; returns it as data."""
        with self._lock:
            self._faults.append(fault)
            return fault.to_dict()

    def faults(self) -> List[Dict[str, Any]]:
        """The queued faults, in the order they will be served."""
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear_faults(self) -> int:
        """Drop every queued fault; returns how many there were."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def take_fault(self, call: str, account: Optional[str] = None) -> Optional[Fault]:
        """The first queued fault matching ``call`` for ``account`` (the request's ``from``),
        counted as served once (None if none)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(call, account):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self._faults[index]
                    return fault
            return None

    # -- accounts (out of band) ----------------------------------------------------------------

    def accounts(self) -> Dict[str, Dict[str, Any]]:
        """Every account's stored wire-form settings, by number (no keys)."""
        with self._lock:
            return {n: _public(s) for n, s in self._accounts.items()}

    def account(self, number: str) -> Optional[Dict[str, Any]]:
        """One account's stored wire-form settings (no key), or None if it does not exist."""
        with self._lock:
            settings = self._accounts.get(number)
            return _public(settings) if settings is not None else None

    def add_account(self, number: str, api_key: str) -> Dict[str, Any]:
        """Create an account with default settings, or re-key an existing one (settings kept)."""
        with self._lock:
            if self._put_key(number, api_key):
                self._save()
            return _public(self._accounts[number])

    def set_account(
        self, number: str, fields: Mapping[str, Any], api_key: Optional[str] = None
    ) -> Dict[str, Any]:
        """Change stored settings out of band (e.g. to simulate drift).

        String fields are stored exactly as given (no ``" "`` clearing); switches take 0/1.
        With ``api_key`` the account is created or re-keyed first. Raises KeyError for an
        unknown account without a key, ValueError for an unknown field or bad value.
        """
        unknown = sorted(set(fields) - set(SETTING_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown fields: {', '.join(unknown)} (allowed: {', '.join(SETTING_FIELDS)})"
            )
        update: Dict[str, Any] = {}
        for field, value in fields.items():
            if field in STRING_FIELDS:
                if not isinstance(value, str):
                    raise ValueError(f"{field} must be a string")
                update[field] = value
            else:
                switch = _switch(value)
                if switch is None:
                    raise ValueError(f"{field} must be 0 or 1")
                update[field] = switch
        with self._lock:
            changed = api_key is not None and self._put_key(number, api_key)
            if number not in self._accounts:
                raise KeyError(number)
            settings = self._accounts[number]
            if any(settings[k] != v for k, v in update.items()):
                settings.update(update)
                changed = True
            if changed:
                self._save()
            return _public(settings)

    def remove_account(self, number: str) -> None:
        """Delete an account; raises KeyError if it does not exist."""
        with self._lock:
            del self._accounts[number]
            self._save()

    def _put_key(self, number: str, api_key: str) -> bool:
        if account_number(number) != number:
            raise ValueError(f"account {number!r}: give the number as digits only, no + or spaces")
        if not isinstance(api_key, str) or not api_key:
            raise ValueError(f"the API key for account {number} must be a non-empty string")
        digest = _digest(api_key)
        settings = self._accounts.get(number)
        if settings is None:
            self._accounts[number] = dict(DEFAULT_SETTINGS, keyDigest=digest)
            return True
        if settings["keyDigest"] != digest:
            settings["keyDigest"] = digest
            return True
        return False

    # -- deliveries ------------------------------------------------------------------------------

    def send_message(self, number: str, fields: Mapping[str, Any]) -> str:
        """Deliver a new incoming message to the account's webhook URL in the background, with
        the account's ``retry`` setting; returns the delivery id.

        KeyError for an unknown account, NoWebhookUrlError when it has no URL, MessageError
        (a ValueError) for bad ``fields``.
        """
        with self._lock:
            settings = self._accounts.get(number)
            if settings is None:
                raise KeyError(number)
            url, retry = settings["url"], bool(settings["retry"])
        if not url:
            raise NoWebhookUrlError(
                f"account {number} has no webhook URL: set one (setWebhook) before sending "
                "messages to it"
            )
        payload = incoming_message(number, fields, self.deliveries.now())
        return self.deliveries.start(number, url, retry, payload)

    def close(self) -> None:
        """Stop background deliveries (pending ones make no further attempts)."""
        self.deliveries.close()

    # -- state file ----------------------------------------------------------------------------

    def _load(self) -> None:
        assert self._state_file is not None
        try:
            with open(self._state_file, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as err:
            raise StateFileError(f"cannot read state file {self._state_file}: {err}") from None
        try:
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            accounts: Dict[str, Dict[str, Any]] = {}
            for number, stored in data["accounts"].items():
                settings = dict(DEFAULT_SETTINGS)
                for field in STRING_FIELDS:
                    if not isinstance(stored.get(field, ""), str):
                        raise ValueError(f"account {number}: {field} must be a string")
                    settings[field] = stored.get(field, "")
                for field in SWITCH_FIELDS:
                    switch = _switch(stored.get(field, 0))
                    if switch is None:
                        raise ValueError(f"account {number}: {field} must be 0 or 1")
                    settings[field] = switch
                digest = stored["keyDigest"]
                if not isinstance(digest, str):
                    raise ValueError(f"account {number}: keyDigest must be a string")
                settings["keyDigest"] = digest
                accounts[str(number)] = settings
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise StateFileError(f"state file {self._state_file} is not valid: {err}") from None
        self._accounts = accounts

    def _save(self) -> None:
        """Write the state file atomically (temp file in the same directory + os.replace)."""
        if self._state_file is None:
            return
        data = {"version": STATE_VERSION, "accounts": self._accounts}
        directory = os.path.dirname(os.path.abspath(self._state_file))
        fd, temp = tempfile.mkstemp(prefix=".emulator-state-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self._state_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


def _public(settings: Mapping[str, Any]) -> Dict[str, Any]:
    return {field: settings[field] for field in SETTING_FIELDS}


def _bad_value(field: str, expected: str) -> Dict[str, Any]:
    return {
        "status": "FAIL",
        "reason": REASON_BAD_VALUE,
        "message": f"invalid value for '{field}': {expected}",
    }
