"""The dynamic `Webhook`'s outputs under Pulumi's mocks (no engine): the provider leaves
settings at their default out of the state, and the class reads them back as defaults."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List

import pulumi
import pytest
from mocked_program import mocked_program

from pulumi_wa_webhook import Webhook


class LeanStateMocks(pulumi.runtime.Mocks):
    """Answers as the dynamic provider does: only settings that differ from their default,
    the endpoint and the key's fingerprint."""

    def __init__(self) -> None:
        self.registered: List[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> Any:
        self.registered.append(args)
        outputs: Dict[str, Any] = {"from_number": "972500000001", "retry": True,
                                   "endpoint": "http://127.0.0.1:1/whatsapp/v2",
                                   "key_fingerprint": "0123abcd"}
        return ["972500000001", outputs]

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        return {}


def _mocked(preview: bool) -> Iterator[LeanStateMocks]:
    mocks = LeanStateMocks()
    with mocked_program(mocks, preview=preview):
        yield mocks


@pytest.fixture
def mocks() -> Iterator[LeanStateMocks]:
    yield from _mocked(preview=False)


@pytest.fixture
def preview_mocks() -> Iterator[LeanStateMocks]:
    """A preview: the engine gives no output values for a resource it has yet to create."""
    yield from _mocked(preview=True)


@pulumi.runtime.test
def test_settings_left_out_of_the_state_read_as_their_defaults(mocks):
    hook = Webhook("support", from_number="972500000001", retry=True)
    values = pulumi.Output.all(hook.url, hook.system, hook.system_phone_alerts,
                               hook.read_status, hook.retry)

    def check(got: List[Any]) -> None:
        assert got == ["", False, [], False, True]
        [registered] = mocks.registered
        # the program sends no value for the settings at their default; it sends its name
        # for the provider's check (which claims the account and leaves the name out of state)
        assert set(registered.inputs) == {"__provider", "__name", "from_number", "retry"}
        assert registered.inputs["__name"] == "support"

    return values.apply(check)


@pulumi.runtime.test
def test_a_default_list_is_a_new_list_for_each_resource(mocks):
    first = Webhook("first", from_number="972500000001")
    second = Webhook("second", from_number="972500000002")

    def check(got: List[Any]) -> None:
        got[0].append("972500000003")
        assert got[1] == []

    return pulumi.Output.all(first.system_phone_alerts, second.system_phone_alerts).apply(check)


@pulumi.runtime.test
def test_a_preview_knows_the_settings_the_program_leaves_at_their_default(preview_mocks):
    hook = Webhook("support", from_number="972500000001", retry=True)
    defaults = pulumi.Output.all(hook.url, hook.system, hook.system_phone_alerts,
                                 hook.read_status)

    async def check() -> None:
        assert await defaults.is_known()
        assert await defaults.future() == ["", False, [], False]
        assert hook in await hook.url.resources()  # still an output of the resource

    return asyncio.ensure_future(check())
