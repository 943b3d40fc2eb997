"""How the client waits between retries, and answers cut off in the middle."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import TransportError

ACCOUNT = "972500000001"
KEY = "test-key-1"


def test_retries_back_off_but_never_wait_more_than_two_seconds(emulator):
    emulator.add_fault("getWebhook", status=503, times=2)
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=2,
                                              backoff=5.0))
    started = time.monotonic()
    client.get_webhook(ACCOUNT)
    waited = time.monotonic() - started
    # urllib3 retries the first failure at once, then waits backoff * 2 = 10 s, capped at 2 s.
    assert 2.0 <= waited < 5.0
    assert emulator.count("getWebhook") == 3


@pytest.fixture
def cut_off_server():
    """Answers every request with a 200 whose JSON body stops half-way."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 200\r\n\r\n{\"status\": \"OK\", \"ur")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/whatsapp/v2"
    listener.close()


def test_an_answer_cut_off_in_the_middle_is_a_clear_transport_error(cut_off_server):
    client = WebhookClient(KEY, ClientOptions(endpoint=cut_off_server, retries=0, timeout=2))
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT)
    assert str(caught.value).startswith(
        f"99digital getWebhook for account {ACCOUNT}: could not reach {cut_off_server}/getWebhook")
    assert KEY not in str(caught.value)
