"""The package schema of the `wa-webhook` plugin, generated from the model and the config
module: the settings' names, types and docs come from `WebhookSettings`, so the schema cannot
drift from what the provider accepts."""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, Dict, List

from .. import __version__
from .. import config as stack_config
from ..model import WebhookSettings
from . import PACKAGE, WEBHOOK_TYPE
from .names import camel

_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number"}

API_KEY_DOC = (
    "The account's 99digital API key (a secret). Defaults to the provider configuration "
    f"`apiKey`, then the environment variable {stack_config.KEY_ENV}."
)
ENDPOINT_DOC = "The API endpoint the settings were written to; refresh and destroy use it."
KEY_FINGERPRINT_DOC = (
    "Eight hex digits that identify the API key the settings were written with (a one-way "
    "hash, not the key): a rotated key shows as a change. Absent after an import."
)
ADOPT_DOC = (
    "Bring an account that is already configured under management: the first create reads "
    "the account and, instead of writing, fails if its settings differ from the program."
)
OVERWRITE_DOC = (
    "Let the first create take over an account that holds a different configuration "
    "(another stack's, or one made by hand) and write the program's settings."
)
VERIFY_URL_DOC = (
    "Before a create or update writes a new URL, POST {\"status\": \"OK\", \"hook\": "
    "\"test\"} to it (5 s, TLS verified) and fail, writing nothing, on a DNS error, refused "
    "connection, TLS error, timeout, HTTP 404/410 or 5xx. Never in preview."
)
CONFIG_DOCS: Dict[str, tuple[str, str]] = {
    # name: (schema type, description)
    "apiKey": ("string", f"99digital API key (secret); else ${stack_config.KEY_ENV}."),
    "endpoint": (
        "string",
        f"API base URL (default {stack_config.DEFAULT_ENDPOINT}); else "
        f"${stack_config.ENDPOINT_ENV}.",
    ),
    "timeout": (
        "number",
        f"Seconds to wait for each API answer (default {stack_config.DEFAULT_TIMEOUT:g}); "
        f"else ${stack_config.TIMEOUT_ENV}.",
    ),
    "retries": (
        "integer",
        f"Retries after a 5xx answer, timeout or dropped connection (default "
        f"{stack_config.DEFAULT_RETRIES}); else ${stack_config.RETRIES_ENV}.",
    ),
}


#: The names of the generated SDKs, one per language: the npm package, the Go import path (the
#: module is its parent directory, sdk/go in this repository) and the Python package. The
#: Python one differs from `pulumi_wa_webhook`, the hand-written package we ship on PyPI.
LANGUAGE: Dict[str, Dict[str, Any]] = {
    "nodejs": {
        "packageName": "@pulumi-wa-webhook/wa-webhook",
        "respectSchemaVersion": True,
        # The TypeScript that compiles the SDK on install (a dependency of a local SDK): the
        # same 5.x as the examples, which @pulumi/pulumi accepts (< 7).
        "typescriptVersion": "^5.9.3",
    },
    "go": {
        "importBasePath": "github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go/wawebhook",
        "respectSchemaVersion": True,
    },
    "python": {
        "packageName": "pulumi_wa_webhook_native",
        "respectSchemaVersion": True,
        "pyproject": {"enabled": True},
    },
}


def _type_of(annotation: Any) -> Dict[str, Any]:
    """A schema type for a field's Python type (str, bool, or a tuple of them)."""
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if typing.get_origin(annotation) in (tuple, list):
        return {"type": "array", "items": _type_of(typing.get_args(annotation)[0])}
    raise TypeError(f"no schema type for {annotation!r}")  # a new field type needs a mapping


def setting_properties() -> Dict[str, Dict[str, Any]]:
    """One schema property per WebhookSettings field, camelCase, with its doc (every field
    has one: a field without `metadata["doc"]` is a KeyError here)."""
    hints = typing.get_type_hints(WebhookSettings)
    return {
        camel(f.name): dict(_type_of(hints[f.name]), description=f.metadata["doc"])
        for f in dataclasses.fields(WebhookSettings)
    }


def _config_properties() -> Dict[str, Dict[str, Any]]:
    props: Dict[str, Dict[str, Any]] = {}
    for name, (kind, doc) in CONFIG_DOCS.items():
        props[name] = {"type": kind, "description": doc}
        if name == "apiKey":
            props[name]["secret"] = True
    return props


def package_schema() -> Dict[str, Any]:
    """The Pulumi package schema (as a dict) for `wa-webhook`."""
    settings = setting_properties()
    outputs = dict(settings, endpoint={"type": "string", "description": ENDPOINT_DOC})
    required: List[str] = list(outputs)
    outputs["keyFingerprint"] = {"type": "string", "description": KEY_FINGERPRINT_DOC}
    inputs = dict(
        settings,
        apiKey={"type": "string", "secret": True, "description": API_KEY_DOC},
        adopt={"type": "boolean", "description": ADOPT_DOC},
        overwrite={"type": "boolean", "description": OVERWRITE_DOC},
        verifyUrl={"type": "boolean", "description": VERIFY_URL_DOC},
    )
    return {
        "name": PACKAGE,
        "displayName": "99digital WhatsApp webhook",
        "version": __version__,
        "description": "Manage 99digital WhatsApp webhook settings as infrastructure.",
        "license": "Apache-2.0",
        "config": {"variables": _config_properties()},
        "provider": {
            "description": "The wa-webhook provider: where and how to call the 99digital API.",
            "inputProperties": _config_properties(),
        },
        "resources": {
            WEBHOOK_TYPE: {
                "description": (
                    "The webhook settings of one 99digital WhatsApp account. The program "
                    "states the complete configuration; destroy clears it."
                ),
                "properties": outputs,
                "required": required,
                "inputProperties": inputs,
                "requiredInputs": [camel("from_number")],
            }
        },
        # The SDKs `make sdks` generates (sdk/, see sdk/README.md): `supportPack` makes each
        # carry the schema's version and gives the Go SDK its own go.mod (module .../sdk/go).
        "meta": {"supportPack": True},
        "language": LANGUAGE,
    }


def schema_json() -> str:
    """The schema as the JSON text GetSchema returns."""
    return json.dumps(package_schema(), indent=2, sort_keys=True)
