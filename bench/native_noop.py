"""A native provider plugin whose resource does nothing (`wa-noop:index:Noop`): the engine's
own cost for a native provider, served by the same server code as `wa-webhook`."""

from __future__ import annotations

import sys

from pulumi.provider.experimental.provider import (
    CheckRequest,
    CheckResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    Provider,
)

from pulumi_wa_webhook.native.server import serve

TYPE = "wa-noop:index:Noop"


class NoopProvider(Provider):
    """Creates resources whose only output is the `value` they were given."""

    async def check(self, request: CheckRequest) -> CheckResponse:
        return CheckResponse(inputs=request.new_inputs, failures=[])

    async def diff(self, request: DiffRequest) -> DiffResponse:
        changed = request.old_state.get("value") != request.new_inputs.get("value")
        return DiffResponse(changes=changed, diffs=["value"] if changed else [])

    async def create(self, request: CreateRequest) -> CreateResponse:
        value = request.properties.get("value")
        return CreateResponse(f"noop-{value.value if value else ''}", dict(request.properties))

    async def delete(self, request: DeleteRequest) -> None:
        return None


def main() -> None:
    serve(sys.argv[1:], NoopProvider())


if __name__ == "__main__":
    main()
