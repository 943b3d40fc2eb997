"""Test helpers: run the emulator in-process and drive it from Python.

    from pulumi_wa_webhook.emulator.testing import running_emulator

    with running_emulator({"972500000001": "test-key-1"}) as emu:
        emu.add_fault("setWebhook", status=503, times=2)
        ...  # point the client at emu.base_url
        assert emu.count("setWebhook") == 3

        # Test a webhook receiver with realistic deliveries:
        emu.set_account("972500000001", url="http://127.0.0.1:8080/hook")
        delivery = emu.wait_for_delivery(emu.send_message("972500000001", "972507654321", "hi"))
        assert delivery["outcome"] == "delivered"

With pytest installed this module also provides an ``emulator`` fixture; enable it with
``pytest_plugins = ["pulumi_wa_webhook.emulator.testing"]`` in a conftest.py.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Dict, Iterator, List, Mapping, Optional

from .backend import EmulatorBackend, Fault, StrPath
from .server import EmulatorServer

#: The accounts the ``emulator`` fixture starts with.
TEST_ACCOUNTS: Dict[str, str] = {
    "972500000001": "test-key-1",
    "972500000002": "test-key-2",
}


class Emulator:
    """A running emulator: its URLs plus direct access to its log, faults and accounts."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.backend = server.backend

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/whatsapp/v2``: the API endpoint."""
        return self.server.base_url

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``: where the ``/_emulator`` admin endpoints live."""
        return self.server.root_url

    def requests(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        """Logged API calls (``path``, redacted ``body``, ``time``), oldest first.

        With ``path`` (e.g. ``"setWebhook"``) only the calls whose path ends with it.
        """
        return self.backend.requests(path)

    def count(self, path: Optional[str] = None) -> int:
        """How many API calls were logged (only those whose path ends with ``path``)."""
        return len(self.backend.requests(path))

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.backend.clear_requests()

    @property
    def peak_in_flight(self) -> int:
        """The most API requests the emulator was answering at one moment (since the start or
        :meth:`reset_peak_in_flight`): how concurrent its client was. Slow answers (a
        ``delay`` fault) keep each request open long enough to overlap."""
        return self.server.in_flight.stats()["peakInFlight"]

    def reset_peak_in_flight(self) -> None:
        """Count the peak again from the requests open now."""
        self.server.in_flight.reset()

    def add_fault(self, path: str = "*", times: int = 1, **what: Any) -> Dict[str, Any]:
        """Queue a fault for the next ``times`` calls to ``path`` ("setWebhook", "getWebhook"
        or "*"), only those about ``account`` if given (e.g. to fail one account of ten): an
        HTTP ``status``, a ``delay`` in seconds before the normal answer, a TCP ``reset``
        without answer, a raw 200 ``body``, or a FAIL with ``reason`` (the arguments of
        :class:`Fault`)."""
        return self.backend.add_fault(Fault(path, times, **what))

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self.backend.clear_faults()

    def account(self, number: str) -> Dict[str, Any]:
        """The account's stored wire-form settings (no key); KeyError if it does not exist."""
        settings = self.backend.account(number)
        if settings is None:
            raise KeyError(number)
        return settings

    def set_account(self, number: str, **fields: Any) -> Dict[str, Any]:
        """Change stored settings out of band (e.g. drift): ``url``, ``system``,
        ``systemPhoneAlert``, ``readStatus``, ``retry``; ``apiKey`` creates or re-keys."""
        api_key = fields.pop("apiKey", None)
        return self.backend.set_account(number, fields, api_key=api_key)

    def add_account(self, number: str, key: str) -> None:
        """Create an account with default settings (or re-key an existing one)."""
        self.backend.add_account(number, key)

    def remove_account(self, number: str) -> None:
        """Delete an account; KeyError if it does not exist."""
        self.backend.remove_account(number)

    def send_message(
        self,
        number: str,
        sender: str,
        body: str,
        type: str = "text",
        sender_name: Optional[str] = None,
    ) -> str:
        """A new incoming message from ``sender`` to account ``number``: the emulator POSTs the
        documented payload to the account's webhook URL in the background (retrying as the
        account's ``retry`` says). Returns the delivery id; KeyError for an unknown account,
        ValueError for bad fields or an account without URL."""
        fields: Dict[str, Any] = {"from": sender, "body": body, "type": type}
        if sender_name is not None:
            fields["senderName"] = sender_name
        return self.backend.send_message(number, fields)

    def deliveries(self) -> List[Dict[str, Any]]:
        """Every delivery, oldest first: ``id``, ``account``, ``url``, ``payload``, ``outcome``
        (``pending``, ``delivered``, ``failed``) and ``attempts`` (``at``, ``status``,
        ``error``, ``seconds``)."""
        return self.backend.deliveries.list()

    def wait_for_delivery(self, delivery_id: str, timeout: float = 30.0) -> Dict[str, Any]:
        """The delivery once it is delivered or has failed for good; TimeoutError if it is
        still pending after ``timeout`` seconds."""
        return self.backend.deliveries.wait(delivery_id, timeout)


@contextlib.contextmanager
def running_emulator(
    accounts: Optional[Mapping[str, str]] = None,
    state_file: Optional[StrPath] = None,
    time_scale: float = 1.0,
) -> Iterator[Emulator]:
    """Run an emulator on a free port of 127.0.0.1 for the ``with`` block; yields its handle.

    ``time_scale`` divides the waits between delivery retries (3600: 24 h become 24 s).
    """
    backend = EmulatorBackend(accounts, state_file=state_file, time_scale=time_scale)
    server = EmulatorServer(backend, "127.0.0.1", 0)
    server.start()
    try:
        yield Emulator(server)
    finally:
        server.stop()
        backend.close()


def _make_fixture() -> Any:
    import pytest

    @pytest.fixture
    def emulator() -> Iterator[Emulator]:
        """A running emulator with accounts 972500000001 (key ``test-key-1``) and
        972500000002 (key ``test-key-2``)."""
        with running_emulator(TEST_ACCOUNTS) as emu:
            yield emu

    return emulator


# The ``emulator`` pytest fixture. Importing pytest costs a quarter of a second, so it is
# defined right away only when pytest is already loaded (any pytest run), else on first access.
if "pytest" in sys.modules:
    emulator = _make_fixture()
else:

    def __getattr__(name: str) -> Any:
        if name == "emulator":
            try:
                fixture = _make_fixture()
            except ImportError:
                raise AttributeError("the emulator fixture needs pytest installed") from None
            globals()["emulator"] = fixture
            return fixture
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
