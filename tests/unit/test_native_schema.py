"""The package schema the `wa-webhook` plugin serves (GetSchema): what SDKs in other Pulumi
languages, `pulumi package get-schema` and the registry docs are made from."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from pulumi_wa_webhook import __version__
from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook.model import SETTING, SETTINGS, WebhookSettings
from pulumi_wa_webhook.native import PACKAGE, WEBHOOK_TYPE
from pulumi_wa_webhook.native import schema as native_schema
from pulumi_wa_webhook.native.names import camel
from pulumi_wa_webhook.native.schema import package_schema, schema_json

#: The reviewed schema: a change to the plugin's public API shows up as a diff of this file.
#: Regenerate it with
#:   python -c "from pulumi_wa_webhook.native.schema import schema_json; print(schema_json())" \
#:     > tests/data/native-schema.json
REVIEWED = Path(__file__).parent.parent / "data" / "native-schema.json"

TYPES = {"string", "boolean", "integer", "number", "array"}
PROPERTY_KEYS = {"type", "items", "description", "secret", "default", "replaceOnChanges",
                 "defaultInfo"}


def _resource() -> Dict[str, Any]:
    resource: Dict[str, Any] = package_schema()["resources"][WEBHOOK_TYPE]
    return resource


def _property_specs() -> List[Tuple[str, Dict[str, Any]]]:
    """Every property spec in the schema, with where it is."""
    schema = package_schema()
    resource = _resource()
    specs = [(f"config.{n}", p) for n, p in schema["config"]["variables"].items()]
    specs += [(f"provider.{n}", p) for n, p in schema["provider"]["inputProperties"].items()]
    specs += [(f"properties.{n}", p) for n, p in resource["properties"].items()]
    specs += [(f"inputProperties.{n}", p) for n, p in resource["inputProperties"].items()]
    return specs


def test_the_served_schema_is_the_reviewed_one():
    served, reviewed = package_schema(), json.loads(REVIEWED.read_text(encoding="utf-8"))
    assert served.pop("version") == __version__
    reviewed.pop("version")  # follows the package version; not part of the review
    assert served == reviewed


def test_schema_text_is_stable_readable_json():
    text = schema_json()
    assert json.loads(text) == package_schema()
    assert text == schema_json()

    def keys_sorted(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert keys == sorted(keys), keys  # same text for the same schema: clean diffs
        return dict(pairs)

    json.loads(text, object_pairs_hook=keys_sorted)
    lines = text.splitlines()
    assert len(lines) > 50  # one property per line, not one long line
    assert all(re.match(r"^(  )*[^ ]", line) for line in lines)  # two-space indent


def test_package_identity():
    schema = package_schema()
    assert schema["name"] == PACKAGE == stack_config.NAMESPACE  # config keys are wa-webhook:*
    assert schema["version"] == __version__
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'license = "{schema["license"]}"' in pyproject
    assert schema["language"]["python"]["packageName"].isidentifier()
    assert "99digital" in schema["displayName"] and "WhatsApp" in schema["displayName"]
    assert list(schema["resources"]) == [WEBHOOK_TYPE] == [f"{PACKAGE}:index:Webhook"]


def test_every_setting_is_a_property_with_its_model_type_and_doc():
    resource = _resource()
    fields = {camel(f.name): SETTING[f.name].doc for f in dataclasses.fields(WebhookSettings)}
    types = {
        "fromNumber": {"type": "string"},
        "url": {"type": "string"},
        "system": {"type": "boolean"},
        "systemPhoneAlerts": {"type": "array", "items": {"type": "string"}},
        "readStatus": {"type": "boolean"},
        "retry": {"type": "boolean"},
    }
    assert list(fields) == list(types)
    for name, doc in fields.items():
        replace = {"replaceOnChanges": True} if name == "fromNumber" else {}
        assert resource["properties"][name] == dict(types[name], description=doc, **replace)
        default = {} if name in ("fromNumber", "systemPhoneAlerts") else {
            "default": {"url": "", "system": False, "readStatus": False, "retry": False}[name]}
        assert resource["inputProperties"][name] == dict(resource["properties"][name], **default)


def test_resource_outputs_inputs_and_required():
    resource = _resource()
    settings = [camel(f.name) for f in dataclasses.fields(WebhookSettings)]
    assert list(resource["properties"]) == settings + ["endpoint", "keyFingerprint"]
    assert resource["properties"]["endpoint"]["type"] == "string"
    assert resource["properties"]["keyFingerprint"]["type"] == "string"
    # every output always has a value but the fingerprint (none after `pulumi import`)
    assert resource["required"] == settings + ["endpoint"]
    assert list(resource["inputProperties"]) == settings + [
        "apiKey", "adopt", "overwrite", "verifyUrl"
    ]
    inputs = resource["inputProperties"]
    assert inputs["apiKey"]["type"] == "string" and inputs["apiKey"]["secret"] is True
    assert "apiKey" not in resource["properties"]  # the key is kept once, in the inputs
    assert {inputs[n]["type"] for n in ("adopt", "overwrite", "verifyUrl")} == {"boolean"}
    assert resource["requiredInputs"] == ["fromNumber"]
    assert stack_config.KEY_ENV in inputs["apiKey"]["description"]


def test_provider_configuration_is_the_configuration_table():
    schema = package_schema()
    variables = schema["config"]["variables"]
    assert schema["provider"]["inputProperties"] == variables
    assert list(variables) == [key.name for key in stack_config.CONFIG_KEYS]
    assert {f"{PACKAGE}:{name}" for name in variables} == {
        stack_config.KEY_CONFIG, stack_config.ENDPOINT_CONFIG,
        stack_config.TIMEOUT_CONFIG, stack_config.RETRIES_CONFIG,
        stack_config.MAX_CONCURRENCY_CONFIG,
    }
    assert {n: v["type"] for n, v in variables.items()} == {
        "apiKey": "string", "endpoint": "string", "timeout": "number", "retries": "integer",
        "maxConcurrency": "integer",
    }
    assert [n for n, v in variables.items() if v.get("secret")] == ["apiKey"]
    for key in stack_config.CONFIG_KEYS:
        spec = variables[key.name]
        # Every SDK reads the environment variable before anything else, and has no default
        # of its own that would win over it: the plugin applies the default, as for stacks.
        # The plugin reads the key's variable itself (it never passes through the program).
        assert spec.get("defaultInfo") == (None if key.secret else {"environment": [key.env]})
        assert "default" not in spec
        assert f"${key.env}" in spec["description"]
    assert f"else the default, {stack_config.DEFAULT_ENDPOINT}." in variables["endpoint"][
        "description"]
    assert "else the default, 10." in variables["timeout"]["description"]


def test_every_property_is_well_formed_and_documented():
    for where, spec in _property_specs():
        assert set(spec) <= PROPERTY_KEYS, where
        assert spec["type"] in TYPES, where
        if "default" in spec:  # a default of the property's own type
            kind = {bool: "boolean", str: "string", int: "integer", float: "number"}
            assert kind[type(spec["default"])] in (spec["type"], "integer"), where
        if spec["type"] == "array":
            assert spec["items"]["type"] in TYPES, where
        doc = spec["description"]
        assert doc[0].isupper() or doc[0].isdigit(), where  # a sentence, for SDK docs
        assert doc.endswith("."), where
    for doc in (package_schema()["description"], package_schema()["provider"]["description"],
                _resource()["description"]):
        assert doc[0].isupper() and doc.endswith(".") and not doc.isupper()


def test_the_native_webhook_takes_the_schema_inputs_and_has_its_outputs():
    from pulumi_wa_webhook.native.names import snake
    from pulumi_wa_webhook.native.resource import Webhook

    resource = _resource()
    arguments = list(inspect.signature(Webhook.__init__).parameters)
    assert arguments[:2] == ["self", "resource_name"] and arguments[-1] == "opts"
    assert arguments[2:-1] == [snake(n) for n in resource["inputProperties"]]
    # its own outputs and those both Webhook classes share (program.WebhookBase)
    outputs = [name for cls in Webhook.__mro__ if cls.__module__.startswith("pulumi_wa_webhook")
               for name in vars(cls).get("__annotations__", {})]
    assert sorted(outputs) == sorted(snake(n) for n in resource["properties"])


def test_the_settings_table_is_the_model_the_schema_and_both_webhook_classes():
    """Each argument is declared once, in `model.SETTINGS`: the model's fields, the schema's
    input names and defaults, and both classes' argument lists and defaults agree with it."""
    from pulumi_wa_webhook.dynamic.resource import Webhook as DynamicWebhook
    from pulumi_wa_webhook.native.resource import Webhook as NativeWebhook

    on_account = [row.python for row in SETTINGS if row.on_account]
    assert on_account == [f.name for f in dataclasses.fields(WebhookSettings)]
    assert [row.schema for row in SETTINGS] == list(_resource()["inputProperties"])
    for row in SETTINGS:
        assert row.schema == camel(row.python)
        if row.default is not None:
            assert _resource()["inputProperties"][row.schema].get("default", ()) in (
                row.default, list(row.default) if isinstance(row.default, tuple) else row.default)
    for cls in (DynamicWebhook, NativeWebhook):
        parameters = inspect.signature(cls.__init__).parameters
        assert list(parameters)[2:-1] == [row.python for row in SETTINGS], cls
        for row in SETTINGS:
            default = parameters[row.python].default
            assert default is inspect.Parameter.empty if row.python == "from_number" else (
                default in (row.default, None)), (cls, row.python)
        assert all(f":param {row.python}:" in cls.__init__.__doc__ for row in SETTINGS)


def test_registry_metadata_logo_and_where_releases_are_published():
    schema = package_schema()
    assert schema["publisher"] and schema["keywords"] and "whatsapp" in schema["keywords"]
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'Homepage = "{schema["homepage"]}"' in pyproject
    assert schema["repository"] == schema["homepage"]
    owner = schema["repository"].split("/")[-2]
    # `github://api.github.com/OWNER`: the releases of OWNER/pulumi-<package>, this repository
    assert schema["pluginDownloadURL"] == f"github://api.github.com/{owner}"
    assert schema["repository"].endswith(f"/{owner}/pulumi-{PACKAGE}")
    assert schema["logoUrl"].endswith("/" + native_schema.LOGO_PATH)
    logo = Path(__file__).parents[2] / native_schema.LOGO_PATH
    assert logo.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_a_new_number_replaces_and_inputs_have_their_defaults():
    resource = _resource()
    assert resource["inputProperties"]["fromNumber"]["replaceOnChanges"] is True
    assert resource["properties"]["fromNumber"]["replaceOnChanges"] is True
    defaults = {n: p["default"] for n, p in resource["inputProperties"].items() if "default" in p}
    assert defaults == {"url": "", "system": False, "readStatus": False, "retry": False,
                        "adopt": False, "overwrite": False, "verifyUrl": False}
    assert "Absent after an import" not in json.dumps(package_schema())


def test_get_webhook_is_a_function_of_the_schema_without_a_key():
    function = package_schema()["functions"][f"{PACKAGE}:index:getWebhook"]
    assert function["inputs"]["required"] == ["fromNumber"]
    assert list(function["inputs"]["properties"]) == ["fromNumber", "endpoint"]
    outputs = function["outputs"]["properties"]
    assert list(outputs) == ["fromNumber", "url", "system", "systemPhoneAlerts", "readStatus",
                             "retry", "endpoint"]
    assert function["outputs"]["required"] == list(outputs)
    assert "apiKey" not in outputs and "keyFingerprint" not in outputs


def test_the_function_result_and_the_emulator_follow_the_settings_table():
    """`get_webhook`'s result has a field per setting the account holds (plus the endpoint),
    and the emulator keeps and answers exactly the table's wire fields."""
    from pulumi_wa_webhook.emulator.backend import DEFAULT_SETTINGS, EmulatorBackend
    from pulumi_wa_webhook.native.lookup import GetWebhookResult, _result

    on_account = [row.python for row in SETTINGS if row.on_account]
    assert [f.name for f in dataclasses.fields(GetWebhookResult)] == [*on_account, "endpoint"]
    answer = {"fromNumber": "972500000001", "url": "https://h.example/", "system": True,
              "systemPhoneAlerts": ["972502211234"], "readStatus": False, "retry": True,
              "endpoint": "http://127.0.0.1:1/v2"}
    assert _result(answer) == GetWebhookResult("972500000001", "https://h.example/", True,
                                               ("972502211234",), False, True,
                                               "http://127.0.0.1:1/v2")
    wire = [str(row.wire) for row in SETTINGS if row.on_account and row.wire != "from"]
    assert set(DEFAULT_SETTINGS) == set(wire)
    backend = EmulatorBackend({"972500000001": "k"})
    answered = backend.call("getWebhook", {"apiKey": "k", "from": "972500000001"})
    assert set(answered) == {"status", "reason", *wire}
