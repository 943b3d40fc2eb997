"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every POST and
answers as told (statuses in turn, a delay, a barrier that several requests must reach)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Received:
    path: str
    body: Any
    headers: Dict[str, str]
    at: float  # time.monotonic() when the request arrived


@dataclass
class Receiver:
    """Answers each POST with the next of `statuses` (the last one repeats)."""

    statuses: List[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    barrier: Optional[threading.Barrier] = None
    hold: Optional[threading.Event] = None  # answer only once this is set
    received: List[Received] = field(default_factory=list)
    server: Any = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.received.append(Received(handler.path, body, dict(handler.headers), time.monotonic()))
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        if self.barrier is not None:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                status = 500
        if self.hold is not None:
            self.hold.wait(30)
        if self.delay:
            self._stop.wait(self.delay)
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                receiver.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.hold is not None:
            self.hold.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
