"""Dynamic resources that do nothing: the engine's own cost, for tests and benchmarks.

`Noop` keeps one string; `Shaped` keeps what a `Webhook` keeps in its state (the same
properties, no API call), so `make bench` can tell the cost of the state's shape from the cost
of the provider's work.

It ships in the wheel because the engine's provider process unpickles the providers by
reference, so the module must be importable wherever the program's virtualenv is.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, ResourceProvider


class NoopProvider(ResourceProvider):
    """Creates resources whose only output is the `value` they were given."""

    serialize_as_secret_always = False

    def create(self, props: Dict[str, Any]) -> CreateResult:
        return CreateResult(f"noop-{props.get('value', '')}", {"value": props.get("value")})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("value") != news.get("value"))


class Noop(Resource, module="wa-webhook", name="Noop"):
    """A resource with one string input, `value`, and no side effects."""

    value: pulumi.Output[str]

    def __init__(
        self, resource_name: str, value: str, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(NoopProvider(), resource_name, {"value": value}, opts)


class ShapedProvider(ResourceProvider):
    """Creates resources whose outputs are their inputs; check adds a (fixed) key
    fingerprint, as a Webhook's check does."""

    serialize_as_secret_always = False

    def check(self, _olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news, key_fingerprint="00000000"), [])

    def create(self, props: Dict[str, Any]) -> CreateResult:
        return CreateResult(str(props["from_number"]), dict(props))


class Shaped(Resource, module="wa-webhook", name="Shaped"):
    """A resource with a `Webhook`'s state (number, URL, endpoint and key fingerprint, in and
    out) and no side effects."""

    def __init__(
        self, resource_name: str, from_number: str, url: str, endpoint: str,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {"from_number": from_number, "url": url, "endpoint": endpoint}
        super().__init__(ShapedProvider(), resource_name, props, opts)
