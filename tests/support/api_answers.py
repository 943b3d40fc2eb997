"""Answers of the 99digital API for stand-in HTTP servers in tests."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import Iterator, Type, TypeVar

_S = TypeVar("_S", bound=HTTPServer)


def send_ok(handler: BaseHTTPRequestHandler, url: str = "") -> None:
    """Answer the request `handler` serves as getWebhook does for an account with `url` and
    every other setting off (setWebhook's answer too: the client only reads `status`)."""
    body = json.dumps({"status": "OK", "url": url, "system": 0, "systemPhoneAlert": "",
                       "readStatus": 0, "retry": 0}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextlib.contextmanager
def serving(server: _S) -> Iterator[_S]:
    """Run `server` in a daemon thread for the `with` block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class StandInServer(ThreadingHTTPServer):
    """A stand-in server on a free port of 127.0.0.1, a thread per connection."""

    daemon_threads = True

    def __init__(self, handler: Type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class QuietHandler(BaseHTTPRequestHandler):
    """A keep-alive request handler that logs nothing."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: object) -> None:
        pass
