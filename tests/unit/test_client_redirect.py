"""A redirect from the API is reported, not followed: the API key travels in the request
body, and a redirect must not carry it to another host."""

from __future__ import annotations

from typing import Iterator, List

import pytest
from api_answers import QuietHandler, StandInServer, send_ok, serving

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import TransportError

pytestmark = pytest.mark.compat

ACCOUNT = "972500000001"


class _Server(StandInServer):
    """Answers every POST with `status`, sending clients to `location`; records the bodies."""

    def __init__(self, status: int = 200, location: str = "") -> None:
        super().__init__(_Handler)
        self.status, self.location = status, location
        self.bodies: List[bytes] = []


class _Handler(QuietHandler):
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


@pytest.fixture
def elsewhere() -> Iterator[_Server]:
    with serving(_Server()) as server:
        yield server


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_and_the_key_stays_home(elsewhere, status):
    with serving(_Server(status, f"{elsewhere.url}/whatsapp/v2/getWebhook")) as api:
        options = ClientOptions(endpoint=f"{api.url}/whatsapp/v2", retries=1)
        client = WebhookClient("secret-key", options)
        with pytest.raises(TransportError, match=f"getWebhook for account {ACCOUNT}: HTTP "
                                                 f"{status}"):
            client.get_webhook(ACCOUNT)
        assert len(api.bodies) == 1  # a redirect is not retried either
    assert elsewhere.bodies == []
