"""`pulumi-resource-wa-webhook`: serves the native provider to the Pulumi engine over gRPC.

It uses the SDK's experimental servicer and works around its rough edges (SDK 3.272):

- every exception reaches the engine with a Python stack appended. An expected failure
  (`WaWebhookError`: the API said no, the account is taken, the key is missing) is answered
  here as one clear gRPC error message instead; anything else keeps its traceback (a bug).
- a Read that finds nothing still sends an (empty) properties struct, which the engine takes
  for a resource with no properties; here the answer carries no properties at all, so refresh
  drops the resource and `pulumi import` reports that it does not exist.
- Diff and Delete requests lose the old inputs on the way to the Provider, and Configure the
  provider's URN; they are passed on here (the API key lives only in the inputs; the URN
  tells the stack's configuration from an explicit provider).

Informational lines (an account left alone by a delete, a changed key) go to the engine's Log
service, as `pulumi.log.info` does in a program: the engine shows a plugin's stderr only at
high verbosity.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any, Awaitable, Callable, Optional, Sequence, Tuple

import grpc
import grpc.aio
from google.protobuf import empty_pb2
from pulumi.provider.experimental import provider as experimental
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from .. import __version__
from ..errors import WaWebhookError
from ..model import SCHEMA
from .messages import for_schema
from .provider import WebhookProvider, _say


def expected_failure(err: BaseException) -> Optional[WaWebhookError]:
    """The WaWebhookError behind `err` (the SDK re-raises it as a plain Exception with the
    stack in its text, keeping the original as `__context__`), if there is one."""
    seen: set[int] = set()
    current: Optional[BaseException] = err
    while current is not None and id(current) not in seen:
        if isinstance(current, WaWebhookError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def _answer(context: Any, call: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await call()
    except Exception as err:
        failure = expected_failure(err)
        if failure is None:
            raise
        await context.abort(grpc.StatusCode.UNKNOWN, for_schema(failure.spelt(SCHEMA)))


def _diff_response(answer: experimental.DiffResponse) -> Any:
    """A DiffResponse on the wire, with its detailed diff."""
    kinds = {kind: proto.PropertyDiff.Kind.Value(kind.name)
             for kind in experimental.PropertyDiffKind}
    return proto.DiffResponse(
        replaces=answer.replaces,
        changes=proto.DiffResponse.DIFF_SOME if answer.changes else proto.DiffResponse.DIFF_NONE,
        diffs=answer.diffs,
        detailedDiff={
            name: proto.PropertyDiff(kind=kinds[d.kind], inputDiff=d.input_diff)
            for name, d in answer.detailed_diff.items()
        },
        hasDetailedDiff=True,
    )


class WebhookServicer(ProviderServicer):
    """The SDK's servicer with clean errors, honest "not found" reads and old inputs."""

    async def Configure(self, request: Any, context: Any) -> Any:
        async def configure() -> Any:
            ask = experimental.ConfigureRequest(
                dict(request.variables), PropertyValue.unmarshal_map(request.args),
                request.acceptSecrets, request.acceptResources,
            )
            ask.urn = request.urn  # type: ignore[attr-defined]
            answer = await self._provider.configure(ask)
            return proto.ConfigureResponse(acceptSecrets=answer.accept_secrets,
                                           supportsPreview=answer.supports_preview)

        return await _answer(context, configure)

    async def Check(self, request: Any, context: Any) -> Any:
        return await _answer(context, lambda: super(WebhookServicer, self).Check(
            request, context))

    async def Create(self, request: Any, context: Any) -> Any:
        return await _answer(context, lambda: super(WebhookServicer, self).Create(
            request, context))

    async def Update(self, request: Any, context: Any) -> Any:
        return await _answer(context, lambda: super(WebhookServicer, self).Update(
            request, context))

    async def Invoke(self, request: Any, context: Any) -> Any:
        return await _answer(context, lambda: super(WebhookServicer, self).Invoke(
            request, context))

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        # The SDK's DiffConfig reads a `PropertyDiff.inputDiff` that does not exist.
        answer = await self._provider.diff_config(experimental.DiffRequest(
            request.urn, request.id, PropertyValue.unmarshal_map(request.olds),
            PropertyValue.unmarshal_map(request.news), list(request.ignoreChanges),
        ))
        return _diff_response(answer)

    async def Diff(self, request: Any, context: Any) -> Any:
        async def diff() -> Any:
            ask = experimental.DiffRequest(
                request.urn, request.id, PropertyValue.unmarshal_map(request.olds),
                PropertyValue.unmarshal_map(request.news), list(request.ignoreChanges),
            )
            ask.old_inputs = PropertyValue.unmarshal_map(request.old_inputs)  # type: ignore[attr-defined]
            return _diff_response(await self._provider.diff(ask))

        return await _answer(context, diff)

    async def Read(self, request: Any, context: Any) -> Any:
        async def read() -> Any:
            answer = await super(WebhookServicer, self).Read(request, context)
            if not answer.id:
                return proto.ReadResponse()  # no properties: the resource does not exist
            return answer

        return await _answer(context, read)

    async def Delete(self, request: Any, context: Any) -> Any:
        async def delete() -> Any:
            ask = experimental.DeleteRequest(
                request.urn, request.id, PropertyValue.unmarshal_map(request.properties),
                timeout=request.timeout,
            )
            ask.old_inputs = PropertyValue.unmarshal_map(request.old_inputs)  # type: ignore[attr-defined]
            await self._provider.delete(ask)
            return empty_pb2.Empty()

        return await _answer(context, delete)


async def start(
    provider: experimental.Provider, args: Sequence[str] = (), engine: str = ""
) -> Tuple[grpc.aio.Server, int]:
    """Serve `provider` with `WebhookServicer` on a free port of 127.0.0.1 (in the running
    event loop); returns the started server and its port."""
    server = grpc.aio.server()  # its 4 MB message limit is far above a Webhook's KB
    servicer = WebhookServicer(list(args), __version__, provider, engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    await server.start()
    return server, port


class EngineLog:
    """Shows informational lines as the engine's info diagnostics (its Log service); before
    `connect`, or if the engine cannot be reached, on stderr."""

    def __init__(self) -> None:
        self._engine: Optional[engine_pb2_grpc.EngineStub] = None

    def connect(self, engine_address: str) -> None:
        channel = grpc.insecure_channel(engine_address)
        self._engine = engine_pb2_grpc.EngineStub(channel)

    def __call__(self, line: str, severity: Any = engine_pb2.INFO) -> None:
        if self._engine is not None:
            with contextlib.suppress(grpc.RpcError):
                self._engine.Log(engine_pb2.LogRequest(severity=severity, message=line))
                return
        _say(line)

    def warning(self, line: str) -> None:
        """Show `line` as a warning diagnostic."""
        self(line, engine_pb2.WARNING)


def serve(
    args: list[str], provider: experimental.Provider, log: Optional[EngineLog] = None
) -> None:
    """Run the plugin: print the port for the engine, then serve until stopped (the SDK's
    `server.main`, with `WebhookServicer`); `log` is connected to the engine."""
    parser = argparse.ArgumentParser(description="Pulumi provider plugin wa-webhook")
    parser.add_argument("engine", help="Pulumi engine address")
    parser.add_argument("--version", action="version", version=__version__)
    known, _ = parser.parse_known_args(args)  # other options (--logtostderr, -v=9) are ignored
    join = getattr(provider, "join", None)
    if join is not None:
        join(known.engine)
    if log is not None:
        log.connect(known.engine)

    async def run() -> None:
        server, port = await start(provider, args, known.engine)
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        try:
            await server.wait_for_termination()
        finally:  # interrupted (Ctrl-C): stop while the event loop still runs, quietly
            await server.stop(None)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def main() -> None:
    """Console script `pulumi-resource-wa-webhook`."""
    log = EngineLog()
    serve(sys.argv[1:], WebhookProvider(say=log, warn=log.warning), log)


if __name__ == "__main__":
    main()
