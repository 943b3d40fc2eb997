"""The native plugin's informational lines reach the engine's Log service (no engine CLI: an
in-process gRPC Engine server records what it is sent)."""

from __future__ import annotations

from concurrent import futures
from typing import Iterator, List

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from receivers import closed_port

from pulumi_wa_webhook.native.server import EngineLog


class RecordingEngine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logged: List[engine_pb2.LogRequest] = []

    def Log(self, request, context):  # noqa: N802 (gRPC method name)
        self.logged.append(request)
        return empty_pb2.Empty()


@pytest.fixture
def engine() -> Iterator[tuple[str, RecordingEngine]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    recorder = RecordingEngine()
    engine_pb2_grpc.add_EngineServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", recorder
    server.stop(0)


def test_lines_are_info_diagnostics_of_the_engine(engine, capfd):
    address, recorder = engine
    log = EngineLog()
    log.connect(address)
    log("account 972500000001 was not cleared")
    [request] = recorder.logged
    assert request.severity == engine_pb2.INFO
    assert request.message == "account 972500000001 was not cleared"
    assert capfd.readouterr().err == ""


def test_without_an_engine_lines_go_to_stderr(capfd):
    EngineLog()("before the engine is known")
    unreachable = EngineLog()
    unreachable.connect(f"127.0.0.1:{closed_port()}")
    unreachable("engine gone")
    assert capfd.readouterr().err == (
        "wa-webhook: before the engine is known\nwa-webhook: engine gone\n"
    )
