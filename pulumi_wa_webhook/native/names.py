"""Property names: the core's snake_case and Pulumi's camelCase, both ways."""

from __future__ import annotations

import re


def camel(name: str) -> str:
    """`system_phone_alerts[0]` -> `systemPhoneAlerts[0]` (a property path keeps its index)."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def snake(name: str) -> str:
    """`systemPhoneAlerts` -> `system_phone_alerts`."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
