"""One client serves many API calls at once (the native plugin calls it from a thread pool as
wide as the engine's --parallel) and keeps their connections for the next calls."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest
from api_answers import QuietHandler, StandInServer, send_ok, serving

from pulumi_wa_webhook.client import POOL_SIZE, ClientOptions, WebhookClient

#: More calls at once than urllib3 keeps per host by default (10), fewer than the pool.
PARALLEL = 16
ACCOUNT = "972500000001"


class _CountingServer(StandInServer):
    def __init__(self) -> None:
        super().__init__(_Handler)
        self.accepted = 0
        # A guard against a deadlock only: all calls arrive at once however slow the machine.
        self.barrier = threading.Barrier(PARALLEL, timeout=120)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.accepted += 1  # one per TCP connection (accepting is done by one thread)
        super().process_request(request, client_address)


class _Handler(QuietHandler):
    server: _CountingServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.barrier.wait()  # answer only when all calls are in flight together
        send_ok(self)


@pytest.fixture
def server() -> Iterator[_CountingServer]:
    with serving(_CountingServer()) as server:
        yield server


def test_parallel_calls_reuse_their_connections(server: _CountingServer) -> None:
    assert POOL_SIZE >= PARALLEL
    endpoint = f"{server.url}/whatsapp/v2"
    client = WebhookClient("key", ClientOptions(endpoint=endpoint, retries=0, timeout=120))
    with ThreadPoolExecutor(PARALLEL) as pool:
        for _ in range(2):
            answers: List[object] = list(pool.map(client.get_webhook, [ACCOUNT] * PARALLEL))
            assert len(answers) == PARALLEL
    client.close()
    # The first round opened one connection per call; the second found them all in the pool.
    assert server.accepted == PARALLEL
