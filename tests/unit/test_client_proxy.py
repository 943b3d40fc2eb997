"""The client honours the proxy settings of its environment (HTTP_PROXY / HTTPS_PROXY,
NO_PROXY), read once when the client is made."""

from __future__ import annotations

from typing import Iterator, List, Optional

import pytest
from api_answers import QuietHandler, StandInServer, send_ok, serving

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import TransportError
from pulumi_wa_webhook.model import WebhookSettings

pytestmark = pytest.mark.compat

ACCOUNT = "972500000001"
#: Nothing listens there: a call that reaches it directly fails.
ENDPOINT = "http://127.0.0.1:9/whatsapp/v2"


class _Proxy(StandInServer):
    """A forward proxy that answers every request itself and records its request line."""

    def __init__(self) -> None:
        super().__init__(_ProxyHandler)
        self.lines: List[str] = []
        self.credentials: List[Optional[str]] = []


class _ProxyHandler(QuietHandler):
    server: _Proxy

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.lines.append(self.requestline)
        self.server.credentials.append(self.headers.get("Proxy-Authorization"))
        send_ok(self, url="https://via.proxy.example/wa")


@pytest.fixture
def proxy(monkeypatch) -> Iterator[_Proxy]:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serving(_Proxy()) as server:
        yield server


def _client() -> WebhookClient:
    return WebhookClient("key", ClientOptions(endpoint=ENDPOINT, retries=0, timeout=5))


def test_calls_go_through_the_proxy_the_environment_names(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = _client()
    monkeypatch.delenv("HTTP_PROXY")  # read when the client was made
    for _ in range(2):
        assert client.get_webhook(ACCOUNT) == WebhookSettings(
            ACCOUNT, url="https://via.proxy.example/wa")
    assert proxy.lines == [f"POST {ENDPOINT}/getWebhook HTTP/1.1"] * 2


def test_no_proxy_sends_the_calls_of_its_hosts_directly(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with pytest.raises(TransportError, match="could not reach"):
        _client().get_webhook(ACCOUNT)
    assert proxy.lines == []


def test_the_proxy_gets_the_credentials_its_url_holds(proxy, monkeypatch):
    user_at = proxy.url.replace("http://", "http://team%40corp:s%3Acret@")
    monkeypatch.setenv("HTTP_PROXY", user_at)
    _client().get_webhook(ACCOUNT)
    # Basic base64("team@corp:s:cret"), as requests sends it
    assert proxy.credentials == ["Basic dGVhbUBjb3JwOnM6Y3JldA=="]
