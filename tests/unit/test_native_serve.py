"""`pulumi-resource-wa-webhook`, the native plugin's entry: it prints its port on the first line
of stdout (what the engine reads) and answers on it until interrupted."""

from __future__ import annotations

import gc
import json
import queue
import re
import signal
import subprocess
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2
from plugin_client import struct
from pulumi.runtime import proto
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc
from receivers import closed_port

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook.native import WEBHOOK_TYPE
from pulumi_wa_webhook.native.provider import WebhookProvider
from pulumi_wa_webhook.native.server import EngineLog, main, serve

PLUGIN = Path(sys.executable).parent / "pulumi-resource-wa-webhook"


def ask_info(port: int) -> tuple[str, dict]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
        schema = stub.GetSchema(proto.GetSchemaRequest(), timeout=10)
    return info.version, json.loads(schema.schema)


class _Lines:
    """A stand-in stdout that hands each written line on."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.flushed = threading.Event()

    def write(self, text: str) -> int:
        self.lines.put(text)
        return len(text)

    def flush(self) -> None:
        self.flushed.set()


class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """The engine's Log service, recording each line."""

    def __init__(self) -> None:
        self.logged: list[str] = []
        self.severities: list[int] = []

    def Log(self, request, context):  # noqa: N802 (gRPC method name)
        self.logged.append(request.message)
        self.severities.append(request.severity)
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


def say_something(port: int) -> None:
    """A Diff with a changed key: the plugin tells the user (the key is not shown); a
    provider configuration with a misspelt key: the plugin warns."""
    state = {"fromNumber": "972500000001", "endpoint": "https://api.example.com/v2"}
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Diff(proto.DiffRequest(
            olds=struct(state), news=struct(dict(state, apiKey="new-key")),
            old_inputs=struct(dict(state, apiKey="old-key"))), timeout=10)
        stub.CheckConfig(proto.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:wa-webhook::default",
            news=struct({"endpont": "https://api.example.com/v2"})), timeout=10)


@pytest.fixture
def ctrl_c_interrupts() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt, as in a terminal, whatever the test runner set up
    (mutmut's worker processes ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_main_prints_the_port_serves_and_stops_quietly_on_interrupt(monkeypatch, engine,
                                                                     ctrl_c_interrupts):
    address, recorder = engine
    out = _Lines()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "argv", [str(PLUGIN), address, "--logtostderr", "-v=9"])
    joined: list[str] = []  # main joins the deployment at `address`
    join = WebhookProvider.join
    monkeypatch.setattr(WebhookProvider, "join",
                        lambda self, address: (joined.append(address), join(self, address)))
    answers: list[object] = []
    main_thread = threading.get_ident()

    def engine() -> None:  # what the engine does with a plugin it started
        try:
            line = out.lines.get(timeout=60)  # generous: mutmut runs this slowed down
            assert out.flushed.wait(60)
            answers.append(line)
            answers.append(ask_info(int(line)))
            say_something(int(line))
        finally:
            signal.pthread_kill(main_thread, signal.SIGINT)  # Ctrl-C

    gc.collect()  # what earlier tests left behind is not this test's concern
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    thread = threading.Thread(target=engine)
    thread.start()
    main()  # returns, without a KeyboardInterrupt, once interrupted
    thread.join(60)
    gc.collect()
    assert unraisable == []  # the server was stopped before its event loop closed
    line, (version, schema) = answers
    assert line.endswith("\n") and line.strip().isdigit()
    assert version == __version__
    assert WEBHOOK_TYPE in schema["resources"]
    assert joined == [address]  # the deployment's plugins share what they took
    said, warned = recorder.logged  # the user sees the plugin's lines through the engine
    assert said == "account 972500000001: `apiKey` changed (secret, so not shown above)"
    assert warned.startswith("wa-webhook:endpont is not a wa-webhook configuration key")
    assert recorder.severities == [engine_pb2.INFO, engine_pb2.WARNING]


def test_help_names_the_plugin_and_its_engine_argument(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(PLUGIN)])  # serve reads its args, not sys.argv
    with pytest.raises(SystemExit) as exited:
        serve(["--help"], WebhookProvider(workers=1))
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert "\n\nPulumi provider plugin wa-webhook\n\n" in usage
    assert re.search(r"\n +engine +Pulumi engine address\n", usage)


def test_version_prints_the_packages_version(capsys):
    with pytest.raises(SystemExit) as exited:
        serve(["--version"], WebhookProvider(workers=1))
    assert exited.value.code == 0 and capsys.readouterr().out == f"{__version__}\n"


def test_the_console_script_prints_its_port_answers_and_stops_quietly_on_ctrl_c():
    # Ctrl-C as in a terminal, even where the test runs with SIGINT ignored (mutmut's
    # workers), which a child process would inherit. A small launcher restores the default
    # and execs the plugin: a preexec_fn would run Python in the forked child of a process
    # with gRPC threads, which gRPC's fork handlers do not survive.
    launcher = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                "os.execv(sys.argv[1], sys.argv[1:])")
    with subprocess.Popen([sys.executable, "-c", launcher, str(PLUGIN), "127.0.0.1:1"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as plugin:
        try:
            assert plugin.stdout is not None and plugin.stderr is not None
            line = plugin.stdout.readline()
            if not line.strip().isdigit():  # say what the plugin said instead
                plugin.kill()
                pytest.fail(f"no port line but {line!r}; stderr: {plugin.stderr.read()!r}")
            version, schema = ask_info(int(line))
        finally:
            plugin.send_signal(signal.SIGINT)
            _, errors = plugin.communicate(timeout=10)
    assert version == __version__
    assert schema["name"] == "wa-webhook"
    assert plugin.returncode == 0
    assert errors == ""


def test_engine_log_lines_are_info_diagnostics_of_the_engine(engine, capfd):
    address, recorder = engine
    log = EngineLog()
    log.connect(address)
    log("account 972500000001 was not cleared")
    assert recorder.logged == ["account 972500000001 was not cleared"]
    assert recorder.severities == [engine_pb2.INFO]
    assert capfd.readouterr().err == ""


def test_engine_log_without_an_engine_writes_to_stderr(capfd):
    EngineLog()("before the engine is known")
    unreachable = EngineLog()
    unreachable.connect(f"127.0.0.1:{closed_port()}")
    unreachable("engine gone")
    assert capfd.readouterr().err == (
        "wa-webhook: before the engine is known\nwa-webhook: engine gone\n"
    )
