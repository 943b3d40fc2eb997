"""Exceptions a caller can catch at the right level. Messages never contain the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING, AbstractSet, Optional, Tuple

if TYPE_CHECKING:
    from .model import Spelling, WebhookSettings

#: Reason codes documented by 99digital (the setWebhook table is cut off in the docs).
REASONS = {
    1: "OK",
    2: "the 'from' account does not exist",
    3: "wrong apiKey",
}


class WaWebhookError(Exception):
    """Base class of every error raised by pulumi-wa-webhook."""

    def spelt(self, spelling: Spelling) -> str:
        """The message with its literal values written as `spelling` writes them (the native
        plugin's callers read JSON literals); the same text as `str(self)` unless the
        message quotes values."""
        return str(self)


class ConfigurationError(WaWebhookError):
    """The API key or endpoint is missing or unusable."""


class TransportError(WaWebhookError):
    """The API could not be reached, timed out or kept failing after retries."""


class UnreachableUrlError(WaWebhookError):
    """`verify_url=True`: the webhook URL did not take the test POST (nothing was written).

    `url` is the URL with its path and query hidden (they may hold the receiver's secret).
    """

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(
            f"webhook URL {url} is not reachable ({cause}); nothing was written to the account. "
            "Fix the URL or the receiver, or remove verify_url=True to skip this check "
            "(the path and query are not shown: they may hold your receiver's secret)"
        )


class MalformedResponseError(WaWebhookError):
    """The API answered with something that is not the documented JSON."""


class ApiError(WaWebhookError):
    """The API answered `status: FAIL`."""

    def __init__(self, call: str, account: str, reason: Optional[int]) -> None:
        self.call = call
        self.account = account
        self.reason = reason
        words = REASONS.get(reason) if isinstance(reason, int) else None
        if reason is None:
            described = "the API answered FAIL without a reason code"
        elif words:
            described = f"reason {reason}: {words}"
        else:
            described = f"unknown reason code {reason!r}"
        super().__init__(f"99digital {call} for account {account} failed ({described})")


class AccountNotFoundError(ApiError):
    """Reason 2: the `from` account does not exist."""


class InvalidApiKeyError(ApiError):
    """Reason 3: the API key is wrong for this account."""


def api_error(call: str, account: str, reason: Optional[int]) -> ApiError:
    """The most specific ApiError subclass for a FAIL reason."""
    if reason == 2:
        return AccountNotFoundError(call, account, reason)
    if reason == 3:
        return InvalidApiKeyError(call, account, reason)
    return ApiError(call, account, reason)


class _SettingsConflict(WaWebhookError):
    """The account holds settings that differ from the program; nothing was written."""

    def __init__(
        self,
        account: str,
        current: WebhookSettings,
        desired: WebhookSettings,
        secret: AbstractSet[str] = frozenset(),
    ) -> None:
        """`secret`: the settings the program marked secret (never shown, see
        `model.describe_differences`)."""
        from .model import describe_differences

        self.account = account
        self._parts = (current, desired, secret)
        super().__init__(self.explain(account, describe_differences(current, desired, secret)))

    def spelt(self, spelling: Spelling) -> str:
        from .model import describe_differences

        return self.explain(self.account, describe_differences(*self._parts, spelling=spelling))

    @staticmethod
    def explain(account: str, differences: str) -> str:
        raise NotImplementedError


class AdoptionMismatchError(_SettingsConflict):
    """`adopt=True` found settings on the account that differ from the program."""

    @staticmethod
    def explain(account: str, differences: str) -> str:
        return (
            f"account {account} was not adopted because its settings differ from the program "
            f"({differences}); nothing was written. Change the program to match, or replace "
            "adopt=True with overwrite=True to write the program's settings."
        )


class AccountInUseError(_SettingsConflict):
    """A first create found the account configured differently: another stack, a setting
    made by hand, or this resource under its old name. Nothing was written."""

    @staticmethod
    def explain(account: str, differences: str) -> str:
        return (
            f"account {account} already holds a different webhook configuration "
            f"({differences}); nothing was written. It may be managed by another stack, set by "
            "hand, or be this resource under its old name. If you renamed this Webhook or moved "
            "it to another parent, add `aliases=[pulumi.Alias(name=..., parent=...)]` with the "
            "old name or parent to its options; to take the account over and write this "
            "program's settings, pass overwrite=True; to adopt the account as it is, make the "
            "program match and pass adopt=True."
        )


class AccountAlreadyConfiguredError(WaWebhookError):
    """A first create found the account already holding exactly the program's settings, and
    nothing in this deployment says the account is this stack's: another stack may manage
    it, and two owners would clear or overwrite each other's account. Nothing was written."""

    def __init__(self, account: str, adopt_env: str) -> None:
        self.account = account
        super().__init__(
            f"account {account} already holds exactly this program's webhook settings, but no "
            "resource of this stack manages it: another stack may, and a second owner would "
            "clear the account for both when either deletes its Webhook. Nothing was written. "
            "If this Webhook was renamed or moved to another parent, add "
            "`aliases=[pulumi.Alias(name=..., parent=...)]` with the old name or parent to "
            "its options; if no other stack manages the account (a hand-made setting, a "
            "Webhook swapped between the dynamic and the native class, a create that was "
            "interrupted), take it over with adopt=True, or run this `pulumi up` once with "
            f"the environment variable {adopt_env}=1 (see docs/ownership.md)."
        )


class ConcurrentWriteError(_SettingsConflict):
    """Reading an account back right after a first write found another configuration:
    another deployment wrote it at the same moment. Nothing more was written."""

    @staticmethod
    def explain(account: str, differences: str) -> str:
        return (
            f"account {account} was written by someone else at the same moment: reading it "
            f"back right after this deployment's first write found another configuration "
            f"({differences}). This Webhook did not take the account over and nothing more "
            "was written. Find out which stack should manage the account: run `pulumi up` "
            "again to see what it holds then, or pass overwrite=True to take it over."
        )


class DuplicateAccountError(WaWebhookError):
    """Two resources of one deployment declare the same account on the same endpoint. The
    check of one of them reports it; the other, checked first, fails here, before any call,
    so that neither writes (whichever the engine checks first is chance)."""

    def __init__(self, account: str, names: Tuple[str, str]) -> None:
        self.account = account
        one, other = sorted(names)
        super().__init__(
            f"Webhook resources '{one}' and '{other}' both manage account {account} on the "
            "same endpoint; an account has exactly one webhook configuration, so declare it "
            "once. Nothing was written."
        )


class ImportIdError(WaWebhookError):
    """An import ID that `from_number` would refuse: the same reason, nothing read."""

    def __init__(self, id_: str, reason: str) -> None:
        self.id = id_
        self.reason = reason
        super().__init__(
            f"cannot import {id_!r}: the import ID is the account's from_number, and {reason}"
        )

    def spelt(self, spelling: Spelling) -> str:
        return (f"cannot import {spelling.literal(self.id)}: the import ID is the account's "
                f"from_number, and {self.reason}")
