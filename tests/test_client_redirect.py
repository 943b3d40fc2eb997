"""A redirect from the API is reported, not followed: the API key travels in the request
body, and a redirect must not carry it to another host."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List

import pytest
from api_answers import send_ok, serving

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import TransportError

pytestmark = pytest.mark.compat

ACCOUNT = "972500000001"


class _Server(ThreadingHTTPServer):
    """Answers every POST with `status`, sending clients to `location`; records the bodies."""

    daemon_threads = True

    def __init__(self, status: int = 200, location: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status, self.location = status, location
        self.bodies: List[bytes] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/whatsapp/v2"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.status == 200:
            send_ok(self)
            return
        self.send_response(self.server.status)
        self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.server.bodies.append(b"GET")
        send_ok(self)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def elsewhere() -> Iterator[_Server]:
    with serving(_Server()) as server:
        yield server


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_and_the_key_stays_home(elsewhere, status):
    with serving(_Server(status, f"{elsewhere.url}/getWebhook")) as api:
        client = WebhookClient("secret-key", ClientOptions(endpoint=api.url, retries=1))
        with pytest.raises(TransportError, match=f"getWebhook for account {ACCOUNT}: HTTP "
                                                 f"{status}"):
            client.get_webhook(ACCOUNT)
        assert len(api.bodies) == 1  # a redirect is not retried either
    assert elsewhere.bodies == []
