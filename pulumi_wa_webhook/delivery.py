"""How 99digital delivers to a webhook receiver, and the opt-in reachability check.

The documented rules live here once: a delivery is one JSON ``POST``, counted delivered only on
HTTP 200 within 5 seconds, and with ``retry`` on it is repeated immediately, then after 5 min,
20 min, 1 h, 4 h and 24 h. :func:`post` makes one such attempt and names what went wrong
(timeout, refused, TLS, DNS); the emulator's deliveries and :func:`verify_url` both use it.

Texts made here name the host and port, never the URL's path or query: a receiver's only
shared secret is often in them (99digital signs nothing).
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import requests
import urllib3

from .errors import UnreachableUrlError
from .model import shown_url

#: Seconds a receiver has to answer; never scaled, not even by the emulator's --time-scale.
DELIVERY_TIMEOUT = 5.0
#: With ``retry`` on: the waits before the 2nd ... 7th attempt (immediately, 5 min, 20 min,
#: 1 h, 4 h, 24 h), in seconds. With ``retry`` off there is one attempt only.
RETRY_WAITS: Tuple[float, ...] = (0.0, 5 * 60.0, 20 * 60.0, 3600.0, 4 * 3600.0, 24 * 3600.0)
#: The body :func:`verify_url` sends, so a receiver can tell the check from a real message.
TEST_BODY: Mapping[str, str] = {"status": "OK", "hook": "test"}
#: Answers that make :func:`verify_url` call a URL dead (besides no answer at all).
DEAD_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class Attempt:
    """One POST to a receiver: the HTTP status (None without an answer), what went wrong
    (None when nothing did) and how long it took."""

    status: Optional[int]
    error: Optional[str]
    seconds: float

    @property
    def delivered(self) -> bool:
        """HTTP 200 within the time limit: what 99digital counts as delivered."""
        return self.status == 200 and self.error is None


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL, followed by ``/…`` when anything after it is hidden
    (the program may have marked the URL secret: see ``model.shown_url``)."""
    return shown_url(url, secret=True)


def post(url: str, body: Mapping[str, Any], timeout: float = DELIVERY_TIMEOUT) -> Attempt:
    """POST ``body`` as JSON to ``url`` once, as 99digital does: TLS verified, no redirects
    followed, ``timeout`` seconds to connect and to answer."""
    started = time.monotonic()
    try:
        response = requests.post(url, json=dict(body), timeout=timeout, allow_redirects=False)
    except requests.exceptions.RequestException as err:
        return Attempt(None, describe_failure(url, err, timeout), time.monotonic() - started)
    seconds = time.monotonic() - started
    response.close()
    late = f"timeout: answered after {seconds:.1f} s (limit {timeout:g} s)"
    return Attempt(response.status_code, late if seconds > timeout else None, seconds)


def verify_url(url: str, timeout: float = DELIVERY_TIMEOUT) -> None:
    """POST :data:`TEST_BODY` to ``url``; raise :class:`UnreachableUrlError` on a DNS failure,
    refused connection, TLS error, timeout, HTTP 404/410 or 5xx. Any other answer is fine."""
    attempt = post(url, TEST_BODY, timeout)
    cause = attempt.error
    status = attempt.status
    if cause is None and status is not None and (status in DEAD_STATUSES or status >= 500):
        cause = f"HTTP {status}"
    if cause is not None:
        raise UnreachableUrlError(origin(url), cause)


def describe_failure(url: str, err: BaseException, timeout: float = DELIVERY_TIMEOUT) -> str:
    """A short text for a failed POST, starting with its kind: ``timeout``, ``refused``,
    ``DNS``, ``TLS`` or ``connection``. Built from the error's types, never its text (which
    quotes the URL's path)."""
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    chain = list(_causes(err))
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None or isinstance(err, requests.exceptions.SSLError):
        detail = getattr(tls, "verify_message", None) or getattr(tls, "reason", None)
        return f"TLS: handshake with {where} failed" + (f" ({detail})" if detail else "")
    if isinstance(err, requests.exceptions.Timeout) or any(
        isinstance(e, (socket.timeout, TimeoutError, urllib3.exceptions.TimeoutError))
        and not isinstance(e, urllib3.exceptions.NewConnectionError)
        for e in chain
    ):
        return f"timeout: no answer from {where} within {timeout:g} s"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        type(e).__name__ == "NameResolutionError" for e in chain
    ):
        return f"DNS: cannot resolve host {parts.hostname!r}"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return f"refused: connection refused by {where}"
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return f"connection: reset by {where}"
    if isinstance(err, requests.exceptions.InvalidURL):
        return "invalid URL"
    return f"connection: {where} closed the connection without an answer"


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and everything underneath it: causes, contexts and wrapped ``reason``s."""
    seen: set[int] = set()
    todo = [err]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += [arg for arg in current.args if isinstance(arg, BaseException)]
        todo.extend(e for e in nested if isinstance(e, BaseException))
