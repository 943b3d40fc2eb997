"""Core messages as a user of the native plugin reads them.

The core (config, model, lifecycle, errors) words its messages for Python programs:
`api_key=`, `overwrite=True`, `aliases=[pulumi.Alias(...)]`. A program in YAML, TypeScript or
Go reaches the plugin, whose properties are spelt as the schema spells them; `for_schema`
rewrites those phrases, so each rule keeps one message and Python messages stay as they are.
A test checks that every Python phrase below still occurs in the core's messages.
"""

from __future__ import annotations

import re
from typing import Tuple

from ..config import NAMESPACE
from ..model import SETTINGS, Problem, check_failure
from .names import camel

#: (Python phrase in a core message, the same for the schema's languages); a phrase comes
#: before any shorter phrase it contains.
SCHEMA_SPELLINGS: Tuple[Tuple[str, str], ...] = (
    ("pass api_key= to the Webhook", "set the Webhook's `apiKey` property"),
    (
        "add `aliases=[pulumi.Alias(name=..., parent=...)]` with the old name or parent to "
        "its options",
        "add the `aliases` resource option with the old name or parent",
    ),
    ("adopt=True and overwrite=True", "`adopt: true` and `overwrite: true`"),
    ("replace adopt=True with overwrite=True", "replace `adopt: true` with `overwrite: true`"),
    ("overwrite=True", "`overwrite: true`"),
    ("adopt=True", "`adopt: true`"),
    ("verify_url=True", "`verifyUrl: true`"),
    ("must be True or False", "must be true or false"),
)

#: A core property name (snake_case, possibly with an index) inside a message; not a
#: configuration key that happens to be spelt like one (`wa-webhook:api_key`, a typo the
#: message names as it is).
_PROPERTY = re.compile(
    r"(?<!:)\b(" + "|".join(row.python for row in SETTINGS if "_" in row.python) + r")\b")


def for_schema(message: str) -> str:
    """`message` with Python spellings replaced by the schema's (see SCHEMA_SPELLINGS)."""
    for python, schema in SCHEMA_SPELLINGS:
        message = message.replace(python, schema)
    return _PROPERTY.sub(lambda m: f"`{camel(m.group(1))}`", message)


def property_and_reason(prop: str, reason: str) -> Tuple[str, str]:
    """A check failure for the engine: it shows the input value of a top-level property, so
    an item (`system_phone_alerts[1]`) is reported on its list, the item named in the reason;
    a URL's problem names no property (`model.check_failure`: its value is never shown)."""
    prop, reason = check_failure(Problem(prop, reason))
    if prop in ("", NAMESPACE):  # none, or the provider configuration: not a property
        return "", for_schema(reason)
    name, bracket, rest = prop.partition("[")
    if not bracket:
        return camel(name), for_schema(reason)
    return camel(name), f"item [{rest}: {for_schema(reason)}"
