"""The 99digital webhook API client: one urllib3 connection pool, timeouts, bounded retries.

Both calls are idempotent (setWebhook overwrites, getWebhook reads), so HTTP 5xx and 429
answers, timeouts and dropped connections are retried by urllib3's `Retry` with backoff.

Why urllib3 and not a requests session: every call goes to one host, and a session's per-call
work costs more CPU than the call itself (figures in bench/README.md). The environment's proxy
and CA-bundle settings are still read by requests' own rules, once, when the client is made.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import unquote

import urllib3
from urllib3.util.retry import Retry

from .config import ClientOptions, validate_endpoint
from .errors import MalformedResponseError, TransportError, api_error
from .model import WebhookSettings, from_wire, shown_url

#: Answers worth another attempt: a busy or failing server, and too many requests (429, with
#: or without Retry-After).
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: The longest wait between two attempts, in seconds (urllib3's default is two minutes).
MAX_BACKOFF = 2.0
#: Connections kept per client (one client per API key and endpoint), at least; a larger
#: `max_concurrency` keeps that many.
POOL_SIZE = 64
_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
#: What a failure to reach the API is called in messages, by what urllib3 reported.
_FAILURE_NAMES = (
    (urllib3.exceptions.SSLError, "SSLError"),
    (urllib3.exceptions.ProxyError, "ProxyError"),
)


class _Retry(Retry):
    """urllib3's Retry, with a server's Retry-After honoured up to `wait_cap` seconds (the
    call's timeout): a server asking for an hour must not hold `pulumi up` for an hour."""

    wait_cap: float = 0.0

    def new(self, **kw: Any) -> _Retry:
        fresh = super().new(**kw)
        fresh.wait_cap = self.wait_cap
        return fresh

    def get_retry_after(self, response: Any) -> Optional[float]:
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self.wait_cap)


def _retry(options: ClientOptions) -> Retry:
    retry = _Retry(
        total=options.retries,  # one budget for refused, dropped and timed-out calls and 5xx
        other=0,  # TLS errors (an untrusted certificate) fail the same way every time
        backoff_factor=options.backoff,
        backoff_max=MAX_BACKOFF,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # POST is safe to repeat: both calls are idempotent
    )
    retry.wait_cap = options.timeout
    return retry


def _environment(endpoint: str) -> Tuple[Optional[str], str]:
    """(proxy URL or None, CA bundle path) the environment gives `endpoint`, by requests'
    rules (HTTP(S)_PROXY / ALL_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else
    certifi's bundle), read once."""
    import requests  # its rules only; imported here, when the first client is made
    from requests.utils import DEFAULT_CA_BUNDLE_PATH, select_proxy

    with requests.Session() as session:
        found = session.merge_environment_settings(endpoint, {}, None, None, None)
    verify = found["verify"]
    ca_bundle = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    return select_proxy(endpoint, found["proxies"]), str(ca_bundle)


def _pool(options: ClientOptions) -> Union[urllib3.PoolManager, urllib3.ProxyManager]:
    """A pool manager for the endpoint: TLS verified, through the environment's proxy."""
    proxy, ca_bundle = _environment(options.endpoint)
    kwargs: Dict[str, Any] = {
        "num_pools": 1,
        # One connection per call in flight (`in_flight_limit` bounds them): the native
        # plugin runs API calls in a thread pool as wide as the engine's --parallel.
        "maxsize": max(POOL_SIZE, options.max_concurrency),
        "cert_reqs": "CERT_REQUIRED",
        ("ca_cert_dir" if os.path.isdir(ca_bundle) else "ca_certs"): ca_bundle,
    }
    if not proxy:
        return urllib3.PoolManager(**kwargs)
    auth = urllib3.util.parse_url(proxy).auth
    if auth:  # user:password in the proxy's URL, as requests sends it
        kwargs["proxy_headers"] = urllib3.util.make_headers(proxy_basic_auth=unquote(auth))
    return urllib3.ProxyManager(proxy, **kwargs)


@functools.cache
def in_flight_limit(bound: int) -> threading.BoundedSemaphore:
    """The process-wide gate that keeps at most `bound` API calls in flight, whichever client
    (key, endpoint) makes them: `maxConcurrency`, the polite limit towards 99digital, holds
    whatever the engine's --parallel and the face's thread pool allow."""
    return threading.BoundedSemaphore(bound)


class WebhookClient:
    """Calls setWebhook / getWebhook for accounts reachable with one API key."""

    def __init__(self, api_key: str, options: Optional[ClientOptions] = None) -> None:
        self._api_key = api_key
        self._options = options or ClientOptions()
        self._endpoint = validate_endpoint(self._options.endpoint)  # the rule of config.py
        self._retry = _retry(self._options)
        self._manager = _pool(self._options)
        self._gate = in_flight_limit(self._options.max_concurrency)

    def set_webhook(self, settings: WebhookSettings) -> None:
        """Write every field of `settings` (one POST); raises ApiError on FAIL."""
        self._call("setWebhook", settings.from_number, settings.to_wire())

    def get_webhook(self, from_number: str) -> WebhookSettings:
        """Read the account's current settings (one POST), normalised."""
        body = self._call("getWebhook", from_number, {"from": from_number})
        return from_wire(from_number, body)

    def close(self) -> None:
        self._manager.clear()

    def _call(self, call: str, account: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        url = f"{self._endpoint}/{call}"
        body = json.dumps(dict(payload, apiKey=self._api_key)).encode()
        try:
            with self._gate:  # retries and their backoff included: one call, one place
                response = self._manager.urlopen(
                    "POST", url, body=body, headers=_HEADERS, retries=self._retry,
                    timeout=self._options.timeout,
                    redirect=False,  # answered as "HTTP 3xx": the key in the body stays home
                )
        except urllib3.exceptions.MaxRetryError as err:
            attempts = self._options.retries + 1
            raise self._transport_error(call, account, url, err.reason, attempts) from None
        except urllib3.exceptions.HTTPError as err:  # not retried (e.g. a proxy refusing)
            raise self._transport_error(call, account, url, err, 1) from None
        if response.status != 200:
            raise TransportError(
                f"99digital {call} for account {account}: HTTP {response.status}"
            )
        try:
            data = json.loads(response.data)
        except ValueError:  # also a body that is not UTF-8
            raise MalformedResponseError(
                f"99digital {call} for account {account}: the answer is not JSON "
                f"({len(response.data)} bytes)"
            ) from None
        if not isinstance(data, dict) or "status" not in data:
            raise MalformedResponseError(
                f"99digital {call} for account {account}: the answer has no 'status' field"
            )
        if data["status"] != "OK":
            raise api_error(call, account, _int(data.get("reason")))  # 3 or "3"
        return data

    def _transport_error(
        self, call: str, account: str, url: str, reason: Optional[BaseException], attempts: int
    ) -> TransportError:
        after = f"after {attempts} attempt{'' if attempts == 1 else 's'}"
        if isinstance(reason, urllib3.exceptions.ResponseError):
            return TransportError(
                f"99digital {call} for account {account}: the API kept answering with an "
                f"HTTP error {after} ({reason})"  # "too many 503 error responses"
            )
        if _is_timeout(reason):
            return TransportError(
                f"99digital {call} for account {account}: no answer within "
                f"{self._options.timeout:g} s {after}"
            )
        name = next((n for kind, n in _FAILURE_NAMES if isinstance(reason, kind)),
                    "ConnectionError")
        return TransportError(
            f"99digital {call} for account {account}: could not reach "
            f"{shown_url(url, secret=False)} {after} ({name})"
        )


def _is_timeout(reason: Optional[BaseException]) -> bool:
    """True if urllib3 gave up on a timeout (not a refused or unroutable connection, which
    urllib3 files under connect timeouts too)."""
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError))


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
