"""How the client waits between retries, and answers cut off in the middle."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from pulumi_wa_webhook.client import MAX_BACKOFF, ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import ConfigurationError, TransportError

ACCOUNT = "972500000001"
KEY = "test-key-1"


def test_retries_back_off_but_never_wait_more_than_two_seconds(emulator):
    emulator.add_fault("getWebhook", status=503, times=2)
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url, retries=2,
                                              backoff=5.0))
    started = time.monotonic()
    client.get_webhook(ACCOUNT)
    waited = time.monotonic() - started
    # urllib3 retries the first failure at once, then waits backoff * 2 = 10 s, capped at 2 s
    # (the upper bound leaves a loaded machine room, and still tells 2 s from 10 s).
    assert MAX_BACKOFF == 2.0
    assert MAX_BACKOFF <= waited < MAX_BACKOFF + 5
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


def test_the_client_takes_an_endpoint_with_a_trailing_slash(emulator):
    client = WebhookClient(KEY, ClientOptions(endpoint=emulator.base_url + "/", retries=0))
    client.get_webhook(ACCOUNT)
    assert [r["path"] for r in emulator.requests()] == ["/whatsapp/v2/getWebhook"]


def test_the_client_refuses_plain_http_to_a_remote_host():
    with pytest.raises(ConfigurationError, match="must be an https:// URL"):
        WebhookClient(KEY, ClientOptions(endpoint="http://api.99digital.co.il/whatsapp/v2"))
