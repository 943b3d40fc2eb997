"""Exceptions a caller can catch at the right level. Messages never contain the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .model import WebhookSettings

#: Reason codes documented by 99digital (the setWebhook table is cut off in the docs).
REASONS = {
    1: "OK",
    2: "the 'from' account does not exist",
    3: "wrong apiKey",
}


class WaWebhookError(Exception):
    """Base class of every error raised by pulumi-wa-webhook."""


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
        described = f"reason {reason}: {words}" if words else f"unknown reason code {reason!r}"
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


class AdoptionMismatchError(WaWebhookError):
    """`adopt=True` found settings on the account that differ from the program."""

    def __init__(self, account: str, current: WebhookSettings, desired: WebhookSettings) -> None:
        now, wanted = current.to_props(), desired.to_props()
        differences = "; ".join(
            f"{name}: account has {now[name]!r}, program says {wanted[name]!r}"
            for name in current.changed_fields(desired)
        )
        super().__init__(
            f"account {account} was not adopted because its settings differ from the program "
            f"({differences}). Change the program to match, or remove adopt=True to overwrite."
        )
