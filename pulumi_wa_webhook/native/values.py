"""Property values between the experimental provider layer and the core's plain dicts.

The experimental layer hands over `PropertyValue`s; the core wants plain Python values with
snake_case names, and a value that is not known yet in a form `is_unknown` recognises. The
engine sends such values either as `Computed` (output values) or as the unknown UUID string
(plain unknowns, which the layer's unmarshalling leaves as a string), so both count.
Unknowns go back to the engine as that string too (the SDK cannot send `Computed`).
Numbers always arrive as floats (protobuf has no integers): the model's parsers accept whole
floats for phone numbers and switches, so they go to the core as they are.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from .names import camel, snake

#: The value the engine sends for inputs that are not known yet (during preview).
UNKNOWN_UUID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Unknown:
    """An input not known yet (during preview); what the core's `is_unknown` looks for."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet."""
    return isinstance(value, Unknown)


def to_plain(value: PropertyValue) -> Any:
    """A PropertyValue as a plain value (secrets unwrapped, unknowns as UNKNOWN)."""
    inner = value.value
    if isinstance(inner, Computed) or inner == UNKNOWN_UUID:
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {key: to_plain(item) for key, item in inner.items()}
    if isinstance(inner, (list, tuple)):
        return [to_plain(item) for item in inner]
    return inner


def to_props(values: Mapping[str, PropertyValue]) -> Dict[str, Any]:
    """A camelCase PropertyValue map as the core's snake_case plain dict."""
    return {snake(key): to_plain(value) for key, value in values.items()}


def _value(plain: Any) -> PropertyValue:
    if plain is None:
        return PropertyValue.null()
    if isinstance(plain, Unknown):
        # The engine's wire form of an unknown: the SDK cannot marshal `Computed`.
        return PropertyValue(UNKNOWN_UUID)
    if isinstance(plain, (bool, str, float)):
        return PropertyValue(plain)
    if isinstance(plain, int):
        return PropertyValue(float(plain))
    if isinstance(plain, Mapping):
        return PropertyValue({key: _value(item) for key, item in plain.items()})
    if isinstance(plain, (list, tuple)):
        return PropertyValue([_value(item) for item in plain])
    raise TypeError(f"cannot send a {type(plain).__name__} to the engine")


def from_props(props: Mapping[str, Any], secret: Iterable[str] = ()) -> Dict[str, PropertyValue]:
    """The core's snake_case dict as camelCase PropertyValues; names in `secret` are secrets."""
    secrets = set(secret)
    return {
        camel(name): _value(value).with_secret(name in secrets)
        for name, value in props.items()
        if value is not None
    }
