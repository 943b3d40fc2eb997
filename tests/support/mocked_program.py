"""A Pulumi program run under the SDK's mocks (no engine), for tests of what a resource class
registers and reads back."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Iterator

import pulumi


@contextlib.contextmanager
def mocked_program(mocks: pulumi.runtime.Mocks,
                   preview: bool = False) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh mocked program run (its own monitor) on an event loop of its own, the current
    one (the mocks run on it). On exit the registrations still pending (those of a program
    that raised) finish, and the runtime's settings are reset."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(mocks, preview=preview)
    try:
        yield loop
    finally:
        pending = asyncio.all_tasks(loop)
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        pulumi.runtime.settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
