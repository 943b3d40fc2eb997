"""The names the package and its faces export but load only when a program uses them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pulumi_wa_webhook
import pulumi_wa_webhook.dynamic
import pulumi_wa_webhook.native
from pulumi_wa_webhook.lazy import lazy_names


@pytest.mark.parametrize("package, name, module", [
    (pulumi_wa_webhook, "Webhook", "pulumi_wa_webhook.dynamic.resource"),
    (pulumi_wa_webhook, "WebhookSettings", "pulumi_wa_webhook.model"),
    (pulumi_wa_webhook, "WebhookArgumentError", "pulumi_wa_webhook.program"),
    (pulumi_wa_webhook.dynamic, "Webhook", "pulumi_wa_webhook.dynamic.resource"),
    (pulumi_wa_webhook.native, "Webhook", "pulumi_wa_webhook.native.resource"),
    (pulumi_wa_webhook.native, "Provider", "pulumi_wa_webhook.native.provider_resource"),
    (pulumi_wa_webhook.native, "get_webhook_output", "pulumi_wa_webhook.native.lookup"),
])
def test_each_lazy_name_is_the_object_its_module_defines(package, name, module):
    assert getattr(package, name) is getattr(sys.modules[module], name)
    assert name in package.__all__


@pytest.mark.parametrize("package", [pulumi_wa_webhook, pulumi_wa_webhook.dynamic,
                                     pulumi_wa_webhook.native])
def test_an_unknown_name_is_an_attribute_error_naming_the_package(package):
    with pytest.raises(AttributeError) as raised:
        package.Webhok  # noqa: B018
    assert str(raised.value) == f"module {package.__name__!r} has no attribute 'Webhok'"


def test_a_name_loads_its_module_on_first_use_only():
    loaded = lazy_names("pulumi_wa_webhook", {"parse_settings": "model"})
    assert loaded("parse_settings") is sys.modules["pulumi_wa_webhook.model"].parse_settings
    with pytest.raises(AttributeError) as unknown:
        loaded("parse_phones")
    assert str(unknown.value) == "module 'pulumi_wa_webhook' has no attribute 'parse_phones'"
    code = ("import sys, pulumi_wa_webhook, pulumi_wa_webhook.dynamic, pulumi_wa_webhook.native\n"
            "print(sorted(m for m in ('pulumi', 'pulumi_wa_webhook.dynamic.resource') "
            "if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    assert shown.strip() == "[]"
