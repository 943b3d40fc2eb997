"""The 99digital webhook API client: one `requests` session, timeouts, bounded retries.

Both calls are idempotent (setWebhook overwrites, getWebhook reads), so HTTP 5xx answers,
timeouts and dropped connections are retried by urllib3's `Retry` with backoff.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .config import ClientOptions, validate_endpoint
from .errors import MalformedResponseError, TransportError, api_error
from .model import WebhookSettings, from_wire

RETRY_STATUSES = (500, 502, 503, 504)
#: The longest wait between two attempts, in seconds (urllib3's default is two minutes).
MAX_BACKOFF = 2.0
#: Connections kept per session (one session per API key and endpoint).
POOL_SIZE = 64


def _session(options: ClientOptions) -> requests.Session:
    retry = Retry(
        total=options.retries,  # one budget for refused, dropped and timed-out calls and 5xx
        other=0,  # TLS errors (an untrusted certificate) fail the same way every time
        backoff_factor=options.backoff,
        backoff_max=MAX_BACKOFF,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # POST is safe to repeat: both calls are idempotent
    )
    session = requests.Session()
    # The environment is read once, here, by requests' own rule: with `trust_env` requests
    # would scan os.environ for proxy settings (and read ~/.netrc) on every call, about half
    # of a call's CPU. The client only calls its endpoint, whose host decides the proxy
    # (HTTPS_PROXY, NO_PROXY); the API key travels in the body, so .netrc has nothing to add.
    environment = session.merge_environment_settings(options.endpoint, {}, None, None, None)
    session.trust_env = False
    session.proxies, session.verify = environment["proxies"], environment["verify"]
    # Up to POOL_SIZE calls in flight per key and endpoint: the native plugin runs API calls
    # in a thread pool as wide as the engine's --parallel. (One endpoint means one host, so
    # the number of per-host pools, `pool_connections`, does not matter.)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class WebhookClient:
    """Calls setWebhook / getWebhook for accounts reachable with one API key."""

    def __init__(self, api_key: str, options: Optional[ClientOptions] = None) -> None:
        self._api_key = api_key
        self._options = options or ClientOptions()
        self._endpoint = validate_endpoint(self._options.endpoint)  # the rule of config.py
        self._session = _session(self._options)

    def set_webhook(self, settings: WebhookSettings) -> None:
        """Write every field of `settings` (one POST); raises ApiError on FAIL."""
        self._call("setWebhook", settings.from_number, settings.to_wire())

    def get_webhook(self, from_number: str) -> WebhookSettings:
        """Read the account's current settings (one POST), normalised."""
        body = self._call("getWebhook", from_number, {"from": from_number})
        return from_wire(from_number, body)

    def close(self) -> None:
        self._session.close()

    def _call(self, call: str, account: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        url = f"{self._endpoint}/{call}"
        body = dict(payload, apiKey=self._api_key)
        try:
            response = self._session.post(url, json=body, timeout=self._options.timeout)
        except requests.exceptions.RetryError as err:
            raise TransportError(
                f"99digital {call} for account {account}: the API kept answering with an "
                f"HTTP error after {self._options.retries + 1} attempts "
                f"({_cause(err) or err})"  # urllib3's "too many 503 error responses"
            ) from None
        except requests.exceptions.RequestException as err:
            raise self._transport_error(call, account, url, err) from None
        if response.status_code != 200:
            raise TransportError(
                f"99digital {call} for account {account}: HTTP {response.status_code}"
            )
        try:
            data = response.json()
        except (ValueError, json.JSONDecodeError):
            raise MalformedResponseError(
                f"99digital {call} for account {account}: the answer is not JSON "
                f"({len(response.content)} bytes)"
            ) from None
        if not isinstance(data, dict) or "status" not in data:
            raise MalformedResponseError(
                f"99digital {call} for account {account}: the answer has no 'status' field"
            )
        if data["status"] != "OK":
            raise api_error(call, account, _int(data.get("reason")))  # 3 or "3"
        return data

    def _transport_error(
        self, call: str, account: str, url: str, err: requests.exceptions.RequestException
    ) -> TransportError:
        attempts = self._options.retries + 1
        if _is_timeout(err):
            return TransportError(
                f"99digital {call} for account {account}: no answer within "
                f"{self._options.timeout:g} s after {attempts} attempts"
            )
        return TransportError(
            f"99digital {call} for account {account}: could not reach {url} after "
            f"{attempts} attempts ({type(err).__name__})"
        )


def _cause(err: BaseException) -> Any:
    """What urllib3 reported underneath a requests error (its MaxRetryError's reason). The
    adapter always passes the urllib3 error (or a message) as the first argument."""
    return getattr(err.args[0], "reason", None)


def _is_timeout(err: BaseException) -> bool:
    """True if a requests error was, underneath the retry wrapper, a timeout (the adapter's
    Timeout errors wrap the same MaxRetryError)."""
    reason = _cause(err)
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False  # refused or unroutable (urllib3 files it under connect timeouts)
    return isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError))


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
