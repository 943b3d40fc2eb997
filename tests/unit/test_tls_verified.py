"""TLS certificates are checked for remote endpoints (a self-signed server is refused)."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from api_answers import QuietHandler, StandInServer, send_ok, serving
from webhook_programs import ACCOUNT_1

from pulumi_wa_webhook.client import ClientOptions, WebhookClient
from pulumi_wa_webhook.errors import TransportError

SECRET_KEY = "sk-live-7f3a9c2e1d5b4a60"


@pytest.fixture
def self_signed_https_server(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)

    class Handler(QuietHandler):
        def do_POST(self):  # noqa: N802
            send_ok(self)

    server = StandInServer(Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"https://127.0.0.1:{server.server_address[1]}/whatsapp/v2"


def test_tls_certificates_are_verified(self_signed_https_server):
    client = WebhookClient(SECRET_KEY, ClientOptions(endpoint=self_signed_https_server,
                                                     retries=0))
    with pytest.raises(TransportError) as caught:
        client.get_webhook(ACCOUNT_1)
    assert "SSLError" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)
