"""Deliveries: the emulator POSTs incoming messages to accounts' webhook URLs, like 99digital.

:func:`incoming_message` builds the documented ``hook: "new"`` payload; :class:`Deliveries`
sends it in a background thread per delivery, on the documented retry schedule
(:mod:`pulumi_wa_webhook.delivery`), with waits divided by ``time_scale`` and an injectable
``sleep`` and ``now``, and keeps every delivery with its attempts for tests to read.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..delivery import DELIVERY_TIMEOUT, RETRY_WAITS, Attempt, post
from ..model import SettingsError, parse_phone

#: Message types listed on 99digital's Webhook page.
MESSAGE_TYPES = (
    "text", "image", "audio", "video", "location", "ptt", "document",
    "button", "contacts", "list", "reaction", "order",
)  # fmt: skip
#: Fields ``send_message`` takes: ``from`` and ``body`` required, the rest optional.
MESSAGE_FIELDS = ("from", "body", "type", "senderName")
DEFAULT_SENDER_NAME = "Test sender"
#: A new incoming message opens the 24-hour conversation window.
CONVERSATION_WINDOW = 24 * 3600

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

Post = Callable[[str, Mapping[str, Any], float], Attempt]


class MessageError(ValueError):
    """A message the emulator cannot send (bad fields); the HTTP layer answers 400."""


class NoWebhookUrlError(MessageError):
    """The account has no webhook URL, so there is nowhere to deliver (HTTP 409)."""


def incoming_message(account: str, fields: Mapping[str, Any], now: float) -> Dict[str, Any]:
    """The documented payload of a new incoming message to ``account``.

    ``fields``: ``from`` (the sender, international digits) and ``body`` (text), optionally
    ``type`` (one of :data:`MESSAGE_TYPES`, default ``text``) and ``senderName``.
    Raises :class:`MessageError` naming the bad field.
    """
    unknown = sorted(set(fields) - set(MESSAGE_FIELDS))
    if unknown:
        raise MessageError(
            f"unknown message fields: {', '.join(unknown)} (allowed: {', '.join(MESSAGE_FIELDS)})"
        )
    try:
        sender = parse_phone(fields.get("from"), "from")
    except SettingsError as err:
        raise MessageError(str(err)) from None
    body = fields.get("body")
    if not isinstance(body, str):
        raise MessageError("body: must be a string (the message text)")
    kind = fields.get("type", "text")
    if kind not in MESSAGE_TYPES:
        raise MessageError(f"type: must be one of {', '.join(MESSAGE_TYPES)}, got {kind!r}")
    name = fields.get("senderName", DEFAULT_SENDER_NAME)
    if not isinstance(name, str):
        raise MessageError("senderName: must be a string")
    import phonenumbers

    country = phonenumbers.region_code_for_number(phonenumbers.parse("+" + sender)) or "ZZ"
    # Stable per (account, sender), as documented: 16 digits derived from both.
    digest = hashlib.sha256(f"{account}:{sender}".encode()).hexdigest()
    stable = f"{int(digest, 16) % 10**16:016d}"
    return {
        "status": "OK",
        "hook": "new",
        "unique": uuid.uuid4().hex.upper(),
        "from": sender,
        "from_id": f"{country}.{stable}",
        "username": None,
        "country": country,
        "phone": sender,
        "to": account,
        "senderName": name,
        "type": kind,
        "body": body,
        "caption": "",
        "isForwarded": False,
        "timestamp": str(int(now)),
        "media": False,
        "quote": False,
        "quoteUnique": False,
        "profilePic": "",
        "conversationTimeLeft": str(CONVERSATION_WINDOW),
    }


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="milliseconds")


class Deliveries:
    """Every delivery the emulator made or is making, and the threads making them.

    ``time_scale`` divides the retry waits (3600 turns 24 h into 24 s) but never the
    5-second answer limit. ``sleep(seconds)`` waits and returns True if the emulator is
    stopping (default: an interruptible wait); ``now()`` gives the wall-clock time for
    ``at`` and payload timestamps; ``send`` makes one attempt. All three are injectable
    for tests.
    """

    def __init__(
        self,
        time_scale: float = 1.0,
        *,
        sleep: Optional[Callable[[float], bool]] = None,
        now: Callable[[], float] = time.time,
        send: Post = post,
        timeout: float = DELIVERY_TIMEOUT,
    ) -> None:
        if isinstance(time_scale, bool) or not isinstance(time_scale, (int, float)):
            raise ValueError("time_scale must be a number")
        if not time_scale > 0:
            raise ValueError("time_scale must be greater than 0")
        self.time_scale = float(time_scale)
        self._stopping = threading.Event()
        self._sleep = sleep or self._stopping.wait
        self.now = now
        self._send = send
        self._timeout = timeout
        self._changed = threading.Condition()
        self._records: Dict[str, Dict[str, Any]] = {}
        self._threads: List[threading.Thread] = []

    def start(self, account: str, url: str, retry: bool, payload: Dict[str, Any]) -> str:
        """Record a new delivery and start sending it in the background; returns its id."""
        delivery_id = uuid.uuid4().hex[:16]
        record = {
            "id": delivery_id,
            "account": account,
            "url": url,
            "retry": retry,
            "payload": payload,
            "outcome": PENDING,
            "attempts": [],
        }
        with self._changed:
            self._records[delivery_id] = record
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(
                target=self._run, args=(record,), name=f"delivery-{delivery_id}", daemon=True
            )
            self._threads.append(thread)
        thread.start()
        return delivery_id

    def list(self) -> List[Dict[str, Any]]:
        """Every delivery, oldest first (copies)."""
        with self._changed:
            return copy.deepcopy(list(self._records.values()))

    def get(self, delivery_id: str) -> Optional[Dict[str, Any]]:
        """One delivery (a copy), or None if there is no such id."""
        with self._changed:
            record = self._records.get(delivery_id)
            return copy.deepcopy(record) if record is not None else None

    def wait(self, delivery_id: str, timeout: float) -> Dict[str, Any]:
        """The delivery once it is no longer pending; KeyError for an unknown id,
        TimeoutError if it is still pending after ``timeout`` seconds."""
        with self._changed:
            if delivery_id not in self._records:
                raise KeyError(delivery_id)
            done = self._changed.wait_for(
                lambda: self._records[delivery_id]["outcome"] != PENDING, timeout
            )
            record = copy.deepcopy(self._records[delivery_id])
        if not done:
            raise TimeoutError(
                f"delivery {delivery_id} is still pending after {timeout:g} s "
                f"({len(record['attempts'])} attempts so far)"
            )
        return record

    def clear(self) -> int:
        """Forget finished deliveries; returns how many were dropped."""
        with self._changed:
            done = [k for k, r in self._records.items() if r["outcome"] != PENDING]
            for key in done:
                del self._records[key]
            return len(done)

    def close(self, timeout: float = 6.0) -> None:
        """Stop: pending deliveries make no further attempts (an attempt in flight ends)."""
        self._stopping.set()
        with self._changed:
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self, record: Dict[str, Any]) -> None:
        waits = RETRY_WAITS if record["retry"] else ()
        for wait in (None, *waits):
            if wait is not None and self._sleep(wait / self.time_scale):
                return  # stopping: the delivery stays pending
            at = self.now()
            attempt = self._send(record["url"], record["payload"], self._timeout)
            with self._changed:
                record["attempts"].append(
                    {
                        "at": _iso(at),
                        "status": attempt.status,
                        "error": attempt.error,
                        "seconds": round(attempt.seconds, 3),
                    }
                )
                if attempt.delivered:
                    record["outcome"] = DELIVERED
                    self._changed.notify_all()
                    return
                self._changed.notify_all()
            if self._stopping.is_set():
                return
        with self._changed:
            record["outcome"] = FAILED
            self._changed.notify_all()
