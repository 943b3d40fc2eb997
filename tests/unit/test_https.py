"""The client over TLS: an https endpoint (the only kind allowed off loopback, and the default)
works, keeps its retries and timeouts, and checks certificates.

The emulator is served over TLS by a small TLS front with a certificate from a throw-away
test CA (trustme); the client trusts that CA through REQUESTS_CA_BUNDLE, as a user's
corporate CA would be trusted.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
from typing import Iterator, Tuple
from urllib.parse import urlsplit

import pytest
import trustme
from api_answers import QuietHandler, StandInServer, serving

from pulumi_wa_webhook.client import WebhookClient
from pulumi_wa_webhook.config import ClientOptions, load
from pulumi_wa_webhook.emulator import Emulator, running_emulator
from pulumi_wa_webhook.errors import TransportError
from pulumi_wa_webhook.model import WebhookSettings

ACCOUNT = "972500000001"
KEY = "tls-key-5c7e"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


class TlsFront:
    """A TLS front for a plain-HTTP server, as a load balancer would put before an API: each
    TLS connection is piped to its own TCP connection to `upstream`; when either side ends,
    both are closed (a reset upstream drops the client's connection)."""

    def __init__(self, context: ssl.SSLContext, upstream: Tuple[str, int]) -> None:
        self._context = context
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()  # the client refused our certificate
            return
        pipe(tls, socket.create_connection(self._upstream))

    def close(self) -> None:
        self._listener.close()


def pipe(one: socket.socket, other: socket.socket) -> None:
    """Pass bytes both ways between two connections until either side ends, then close both.
    One thread per pair: an SSLSocket must not be read and written at once from two threads."""
    with selectors.DefaultSelector() as selector:
        selector.register(one, selectors.EVENT_READ, other)
        selector.register(other, selectors.EVENT_READ, one)
        while all(_forward(key.fileobj, key.data)  # type: ignore[arg-type]
                  for key, _ in selector.select()):
            pass
    for end in (one, other):  # either side ended: end both
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()


def _forward(source: socket.socket, sink: socket.socket) -> bool:
    """Pass on what `source` has (all of a TLS record); False once either side ended."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                return False
            sink.sendall(data)
            if not (isinstance(source, ssl.SSLSocket) and source.pending()):
                return True
    except OSError:
        return False


@pytest.fixture
def tls_emulator(ca, tmp_path, monkeypatch) -> Iterator[Emulator]:
    """The emulator behind https://127.0.0.1:PORT, its CA trusted by requests."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with running_emulator({ACCOUNT: KEY}) as emu:
        front = TlsFront(context, ("127.0.0.1", urlsplit(emu.root_url).port or 0))
        emu.https_url = f"https://127.0.0.1:{front.port}/whatsapp/v2"  # type: ignore[attr-defined]
        emu.tls_front = front  # type: ignore[attr-defined]
        try:
            yield emu
        finally:
            front.close()


def https_client(emu: Emulator, **options) -> WebhookClient:
    endpoint = load({"wa-webhook:endpoint": emu.https_url}).options.endpoint
    return WebhookClient(KEY, ClientOptions(endpoint=endpoint, backoff=0.01, **options))


def test_settings_round_trip_over_https(tls_emulator):
    client = https_client(tls_emulator, retries=0)
    wanted = WebhookSettings(ACCOUNT, url="https://hooks.example.com/wa", retry=True)
    client.set_webhook(wanted)
    assert client.get_webhook(ACCOUNT) == wanted
    assert tls_emulator.count() == 2


def test_5xx_over_https_is_retried(tls_emulator):
    tls_emulator.add_fault("getWebhook", status=503, times=2)
    client = https_client(tls_emulator, retries=2)
    assert client.get_webhook(ACCOUNT) == WebhookSettings(ACCOUNT)
    assert tls_emulator.count("getWebhook") == 3


def test_dropped_connection_over_https_is_retried(tls_emulator):
    tls_emulator.add_fault("getWebhook", reset=True, times=1)
    client = https_client(tls_emulator, retries=1)
    assert client.get_webhook(ACCOUNT) == WebhookSettings(ACCOUNT)
    assert tls_emulator.count("getWebhook") == 2


def test_persistent_5xx_over_https_fails_after_the_configured_attempts(tls_emulator):
    tls_emulator.add_fault("setWebhook", status=502, times=10)
    client = https_client(tls_emulator, retries=1)
    with pytest.raises(TransportError) as caught:
        client.set_webhook(WebhookSettings(ACCOUNT))
    assert "after 2 attempts" in str(caught.value)
    assert KEY not in str(caught.value)
    assert tls_emulator.count("setWebhook") == 2


def test_an_untrusted_certificate_is_refused_without_retrying(tls_emulator, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    client = https_client(tls_emulator, retries=2)
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT)
    assert "SSLError" in str(caught.value)
    assert KEY not in str(caught.value)
    assert tls_emulator.tls_front.connections == 1  # it would fail the same way again
    assert tls_emulator.count() == 0


class _TunnelProxy(StandInServer):
    """A forward proxy that only tunnels (CONNECT), as corporate proxies do for https; it
    records the targets it was asked for."""

    def __init__(self) -> None:
        super().__init__(_TunnelHandler)
        self.targets: list[str] = []


class _TunnelHandler(QuietHandler):
    server: _TunnelProxy

    def do_CONNECT(self) -> None:  # noqa: N802 (http.server's name)
        self.server.targets.append(self.path)
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        pipe(self.connection, upstream)


def test_an_https_endpoint_is_reached_through_the_proxys_tunnel(tls_emulator, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serving(_TunnelProxy()) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        client = https_client(tls_emulator, retries=0)
        wanted = WebhookSettings(ACCOUNT, url="https://hooks.example.com/wa")
        client.set_webhook(wanted)
        assert client.get_webhook(ACCOUNT) == wanted
    # One tunnel to the TLS front, kept for both calls; the proxy saw no request in clear
    # (it answers nothing but CONNECT), and the certificate was checked end to end.
    assert proxy.targets == [f"127.0.0.1:{tls_emulator.tls_front.port}"]
    assert tls_emulator.count() == 2
