"""The package schema of the `wa-webhook` plugin, generated from the model and the config
module: the arguments' names, types, defaults and docs come from the model's settings table
(`model.SETTINGS`), so the schema cannot drift from what the provider accepts."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from .. import __version__
from .. import config as stack_config
from ..model import ACCOUNT_SETTINGS, SETTING, SETTING_DEFAULTS, Setting
from . import GET_WEBHOOK, PACKAGE, WEBHOOK_TYPE
from .names import camel

ENDPOINT_DOC = "The API endpoint the settings were written to; refresh and destroy use it."
KEY_FINGERPRINT_DOC = (
    "Eight hex digits that identify the API key the settings were written or imported with "
    "(a one-way hash, not the key): a rotated key shows as a change of this property."
)
#: Where the project lives and where plugin releases are published: GitHub releases of
#: REPOSITORY, as `pulumi-resource-wa-webhook-v<version>-<os>-<arch>.tar.gz`. The engine
#: reads the `github://` form as "the releases of <owner>/pulumi-<package>".
REPOSITORY = "https://github.com/pulumi-wa-webhook/pulumi-wa-webhook"
PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumi-wa-webhook"
LOGO_PATH = "docs/logo.svg"
LOGO_URL = (
    "https://raw.githubusercontent.com/pulumi-wa-webhook/pulumi-wa-webhook/main/" + LOGO_PATH
)
GET_WEBHOOK_DOC = (
    "The settings a 99digital WhatsApp account holds now (one getWebhook call), read with the "
    "provider's API key; the account is not managed and nothing is written."
)
GET_WEBHOOK_ENDPOINT_DOC = (
    "The API endpoint to read from; the provider's `endpoint` when not given."
)
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


def _property(row: Setting) -> Dict[str, Any]:
    """The schema property of a row of the settings table (its type and doc)."""
    if row.schema_type == "array":
        return {"type": "array", "items": {"type": "string"}, "description": row.doc}
    return {"type": row.schema_type, "description": row.doc}


def setting_properties() -> Dict[str, Dict[str, Any]]:
    """One schema property per setting the account holds, camelCase, with its doc."""
    return {row.schema: _property(row) for row in ACCOUNT_SETTINGS}


def config_description(key: stack_config.ConfigKey) -> str:
    """A configuration key's doc as the schema states it: the meaning, the bounds, the
    default and the environment variable."""
    text = key.doc[0].upper() + key.doc[1:]
    if key.expected:
        text += f": {key.expected}"
    if key.secret:
        text += " (a secret)"
    if key.default is not None:
        default = f"{key.default:g}" if isinstance(key.default, (int, float)) else key.default
        return f"{text}. When not set: ${key.env}, else the default, {default}."
    return (f"{text}. When not set: ${key.env}, which the plugin reads itself (the key never "
            "passes through the program).")


def _config_properties() -> Dict[str, Dict[str, Any]]:
    """The configuration keys as schema properties, resolved argument, then environment,
    then default in every SDK, as stack configuration is. No `default`: the generated SDKs
    would fill it in before anything else, and the plugin applies the defaults itself
    (`config.load`). `defaultInfo.environment` for each key but the API key: the SDKs read
    the variable in the program. The plugin reads $WA_WEBHOOK_API_KEY itself instead: the
    TypeScript SDK would send a key it read unmarked (in clear in `-v=9` logs)."""
    props: Dict[str, Dict[str, Any]] = {}
    for key in stack_config.CONFIG_KEYS:
        props[key.name] = {"type": key.kind, "description": config_description(key)}
        if key.secret:
            props[key.name]["secret"] = True
        else:
            props[key.name]["defaultInfo"] = {"environment": [key.env]}
    return props


def _with_defaults(props: Dict[str, Dict[str, Any]], defaults: Dict[str, Any]) -> Dict[str, Any]:
    """`props` with a schema `default` for each scalar in `defaults` (the schema has no
    default for a list)."""
    return {
        name: dict(spec, default=defaults[name])
        if isinstance(defaults.get(name), (str, bool, int, float)) else spec
        for name, spec in props.items()
    }


def _get_webhook(outputs: Dict[str, Any]) -> Dict[str, Any]:
    """The function `getWebhook`: a number (and an endpoint) in, the settings out."""
    number = camel("from_number")
    outputs = dict(outputs, **{number: {"type": "string", "description": (
        "The account, canonical international digits.")}})
    return {
        "description": GET_WEBHOOK_DOC,
        "inputs": {
            "properties": {
                number: {"type": "string", "description": (
                    "The account to read, in any form `fromNumber` of a Webhook accepts, "
                    "e.g. 972501234567 or +972 50-123-4567.")},
                "endpoint": {"type": "string", "description": GET_WEBHOOK_ENDPOINT_DOC},
            },
            "required": [number],
        },
        "outputs": {"properties": outputs, "required": list(outputs)},
    }


def package_schema() -> Dict[str, Any]:
    """The Pulumi package schema (as a dict) for `wa-webhook`."""
    settings = setting_properties()
    function = _get_webhook(dict(settings, endpoint={"type": "string", "description": (
        "The API endpoint the settings were read from.")}))
    # a new number is another account: the engine replaces the resource
    settings[camel("from_number")] = dict(settings[camel("from_number")], replaceOnChanges=True)
    outputs = dict(settings, endpoint={"type": "string", "description": ENDPOINT_DOC})
    required: List[str] = list(outputs)
    outputs["keyFingerprint"] = {"type": "string", "description": KEY_FINGERPRINT_DOC}
    inputs = dict(
        _with_defaults(settings, {camel(k): v for k, v in SETTING_DEFAULTS.items()}),
        apiKey=dict(_property(SETTING["api_key"]), secret=True),
        **{row.schema: dict(_property(row), default=row.default)
           for row in (SETTING["adopt"], SETTING["overwrite"], SETTING["verify_url"])},
    )
    return {
        "name": PACKAGE,
        "displayName": "99digital WhatsApp webhook",
        "version": __version__,
        "description": "Manage 99digital WhatsApp webhook settings as infrastructure.",
        "license": "Apache-2.0",
        "publisher": "pulumi-wa-webhook maintainers",
        "repository": REPOSITORY,
        "homepage": REPOSITORY,
        "keywords": ["pulumi", "wa-webhook", "whatsapp", "99digital", "webhook",
                     "category/utility", "kind/native"],
        "logoUrl": LOGO_URL,
        "pluginDownloadURL": PLUGIN_DOWNLOAD_URL,
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
        "functions": {GET_WEBHOOK: function},
        # The SDKs `make sdks` generates (sdk/, see sdk/README.md): `supportPack` makes each
        # carry the schema's version and gives the Go SDK its own go.mod (module .../sdk/go).
        "meta": {"supportPack": True},
        "language": LANGUAGE,
    }


def schema_json() -> str:
    """The schema as the JSON text GetSchema returns."""
    return json.dumps(package_schema(), indent=2, sort_keys=True)
