"""The native provider plugin served in-process over real gRPC, and a client for it.

    with running_plugin() as plugin:
        plugin.call("Configure", proto.ConfigureRequest(args=struct({...})))

Requests are built from plain dicts in the wire form the engine sends (`struct`, `secret`,
the unknown UUID string) and answers are read back as plain dicts (`plain`), so the plugin's
own value translation is what is tested, not used to build the test's inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any, Dict, Iterator, Optional

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_wa_webhook.native import WEBHOOK_TYPE
from pulumi_wa_webhook.native.provider import WebhookProvider
from pulumi_wa_webhook.native.server import start

#: What the engine sends for a value not known yet during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
URN = f"urn:pulumi:dev::project::{WEBHOOK_TYPE}::hook"


def secret(value: Any) -> Dict[str, Any]:
    """A secret value in wire form."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def struct(values: Optional[Dict[str, Any]] = None) -> struct_pb2.Struct:
    """A protobuf Struct from a plain dict (numbers become floats, as on the wire)."""
    message = struct_pb2.Struct()
    message.update(values or {})
    return message


def plain(message: struct_pb2.Struct) -> Dict[str, Any]:
    """A protobuf Struct as a plain dict (secrets stay in their wire form)."""
    return dict(json_format.MessageToDict(message))


def clear_texts(message: Any) -> str:
    """Every string in a response outside secret wrappers, one per line (to look for keys)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if is_secret(value):
            return
        if isinstance(value, dict):
            for key, item in value.items():
                found.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            found.append(str(value))

    walk(json_format.MessageToDict(message))
    return "\n".join(found)


class Plugin:
    """A running plugin: `call(method, request)` sends one gRPC request and returns the
    answer (grpc.RpcError on failure)."""

    def __init__(self, port: int) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def call(self, method: str, request: Any) -> Any:
        return getattr(self.stub, method)(request, timeout=30)

    def configure(self, **args: Any) -> Any:
        return self.call("Configure", proto.ConfigureRequest(args=struct(args)))

    def check(self, news: Dict[str, Any], olds: Optional[Dict[str, Any]] = None) -> Any:
        return self.call("Check", proto.CheckRequest(urn=URN, olds=struct(olds),
                                                     news=struct(news)))


@contextlib.contextmanager
def running_plugin(provider: Optional[WebhookProvider] = None) -> Iterator[Plugin]:
    """Serve `provider` (a new WebhookProvider by default) on 127.0.0.1 for the block, as the
    console script does, with its event loop in a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="plugin-loop", daemon=True)
    thread.start()
    server, port = asyncio.run_coroutine_threadsafe(
        start(provider or WebhookProvider(workers=4)), loop).result(10)
    plugin = Plugin(port)
    try:
        yield plugin
    finally:
        plugin.channel.close()
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
