"""What the dynamic `Webhook` hands the Pulumi SDK when a program declares one (Pulumi's mocks,
no engine): its inputs, the names of the settings marked secret, the key, the options, and
the check of the stack's `wa-webhook:*` keys once per program run."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List, Tuple

import pulumi
import pulumi.dynamic
import pytest
from mocked_program import mocked_program

from pulumi_wa_webhook import Webhook, WebhookArgumentError
from pulumi_wa_webhook.dynamic import resource as dynamic_resource

ACCOUNT = "972500000001"
URL = "https://hooks.example.com/wa"


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> Any:
        return [ACCOUNT, dict(args.inputs)]

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        return {}


class Declared:
    """What `Webhook` passed to `pulumi.dynamic.Resource.__init__`, and the warnings logged."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Any, str, Dict[str, Any], Any]] = []
        self.warnings: List[str] = []

    @property
    def props(self) -> Dict[str, Any]:
        return self.calls[-1][2]

    @property
    def opts(self) -> pulumi.ResourceOptions:
        return self.calls[-1][3]


@pytest.fixture
def declared(monkeypatch) -> Iterator[Declared]:
    seen = Declared()
    original = pulumi.dynamic.Resource.__init__

    def spy(self, provider, name, props, opts=None):
        seen.calls.append((provider, name, dict(props), opts))
        original(self, provider, name, props, opts)

    monkeypatch.setattr(pulumi.dynamic.Resource, "__init__", spy)
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: seen.warnings.append(message))
    with mocked_program(Mocks()):
        yield seen
    pulumi.runtime.set_all_config({}, [])


def configure(values: Dict[str, str], secret: List[str]) -> None:
    """The stack configuration of a new program run (the keys are checked once per run)."""
    pulumi.runtime.set_all_config(values, secret)
    pulumi.runtime.set_mocks(Mocks(), preview=False)


def resolved(output: pulumi.Output) -> Tuple[Any, bool]:
    async def both() -> Tuple[Any, bool]:
        return await output.future(), await output.is_secret()
    return asyncio.get_event_loop().run_until_complete(both())


def test_the_inputs_name_the_resource_and_hold_no_setting_at_its_default(declared):
    hook = Webhook("support", from_number=ACCOUNT, url=URL, retry=True, system=False)
    provider, name, props, _ = declared.calls[-1]
    assert provider is dynamic_resource._PROVIDER and name == "support"
    assert props == {"from_number": ACCOUNT, "url": URL, "retry": True, "__name": "support"}
    assert resolved(hook.retry)[0] is True


def test_no_setting_given_as_an_output_means_no_secret_names(declared):
    Webhook("plain", from_number=ACCOUNT, url=URL)
    assert "__secret_inputs" not in declared.props
    Webhook("output", from_number=ACCOUNT, url=pulumi.Output.from_input(URL))
    assert resolved(declared.props["__secret_inputs"]) == (None, False)


@pytest.mark.parametrize("args, names", [
    (lambda: {"url": pulumi.Output.secret(URL)}, ["url"]),
    (lambda: {"system_phone_alerts": ["972502211234", pulumi.Output.secret("972502211235")]},
     ["system_phone_alerts"]),
    (lambda: {"url": pulumi.Output.secret(URL), "retry": pulumi.Output.secret(True),
              "system": pulumi.Output.from_input(True)}, ["url", "retry"]),
])
def test_the_settings_marked_secret_are_named_for_the_provider(declared, args, names):
    """(`args` makes its Outputs in the test's own event loop.)"""
    Webhook("hook", from_number=ACCOUNT, **args())
    assert resolved(declared.props["__secret_inputs"])[0] == names


def test_a_key_given_to_the_resource_is_a_trimmed_secret_kept_secret_in_outputs(declared):
    configure({"wa-webhook:apiKey": "stack-key"}, ["wa-webhook:apiKey"])
    Webhook("hook", from_number=ACCOUNT, url=URL, api_key="  test-key-1\n")
    assert resolved(declared.props["api_key"]) == ("test-key-1", True)
    assert declared.opts.additional_secret_outputs == ["api_key"]


def test_a_key_from_stack_config_stays_out_of_the_resource(declared):
    configure({"wa-webhook:apiKey": "stack-key"}, ["wa-webhook:apiKey"])
    Webhook("hook", from_number=ACCOUNT, url=URL)
    assert "api_key" not in declared.props
    assert declared.opts is None or not declared.opts.additional_secret_outputs
    assert declared.warnings == []


def test_a_key_of_only_whitespace_is_no_key(declared):
    Webhook("hook", from_number=ACCOUNT, url=URL, api_key=" \n")
    assert resolved(declared.props["api_key"]) == ("", True)


def test_a_list_with_no_secret_output_in_it_is_not_secret(declared):
    Webhook("hook", from_number=ACCOUNT, system_phone_alerts=[
        "972502211234", pulumi.Output.from_input("972502211235")])
    assert resolved(declared.props["__secret_inputs"]) == (None, False)


def test_without_a_key_in_stack_config_the_outputs_keep_the_key_secret(declared):
    Webhook("hook", from_number=ACCOUNT, url=URL)
    assert "api_key" not in declared.props
    assert declared.opts.additional_secret_outputs == ["api_key"]


def test_the_program_options_reach_the_sdk(declared):
    Webhook("hook", from_number=ACCOUNT, url=URL,
            opts=pulumi.ResourceOptions(protect=True, ignore_changes=["retry"]))
    assert declared.opts.protect is True and declared.opts.ignore_changes == ["retry"]
    assert declared.opts.additional_secret_outputs == ["api_key"]


def test_the_import_option_is_refused_with_what_to_do_instead(declared):
    with pytest.raises(WebhookArgumentError) as raised:
        Webhook("hook", from_number=ACCOUNT, url=URL,
                opts=pulumi.ResourceOptions(import_=ACCOUNT))
    assert str(raised.value) == (
        "Webhook 'hook' has invalid arguments: the import_ option does not work for Python "
        "dynamic resources (the engine reads imports without the serialised provider, "
        "pulumi/pulumi#16175). Pass adopt=True instead: the first `pulumi up` reads the "
        "account once and adopts it if it matches the program, or stops and shows the "
        "differences. Or use pulumi_wa_webhook.native.Webhook (same arguments), which "
        "supports import_.")
    assert declared.calls == []


def test_an_unknown_key_is_warned_about_once_per_run_with_the_nearest_name(declared):
    configure({"wa-webhook:endpont": "http://127.0.0.1:1/", "wa-webhook:retries": "2",
               "other:endpont": "x"}, [])
    Webhook("one", from_number=ACCOUNT, url=URL)
    Webhook("two", from_number="972500000002", url=URL)
    [warning] = declared.warnings
    assert warning.startswith("wa-webhook:endpont is not a wa-webhook configuration key and is "
                              "ignored; did you mean wa-webhook:endpoint?")
    configure({"wa-webhook:endpont": "http://127.0.0.1:1/"}, [])
    Webhook("three", from_number=ACCOUNT, url=URL)
    assert len(declared.warnings) == 2  # a new run checks again


def test_keys_in_the_old_config_spelling_are_checked_by_their_name(declared):
    configure({"wa-webhook:config:retrys": "2"}, [])
    Webhook("hook", from_number=ACCOUNT, url=URL)
    [warning] = declared.warnings
    assert warning.startswith("wa-webhook:retrys is not a wa-webhook configuration key")


def test_every_key_stored_badly_is_named_at_once(declared):
    configure({"wa-webhook:apiKey": "k", "wa-webhook:api_key": "k"}, [])
    with pytest.raises(WebhookArgumentError) as raised:
        Webhook("hook", from_number=ACCOUNT, url=URL)
    first, second = sorted(str(raised.value).split("; wa-webhook:"))
    assert "api_key is not a wa-webhook configuration key" in first + second
    assert "apiKey is stored unencrypted" in first + second


@pytest.mark.parametrize("values, secret, refused", [
    ({"wa-webhook:apiKey": "k"}, [], "wa-webhook:apiKey is stored unencrypted"),
    ({"wa-webhook:api_key": "k"}, ["wa-webhook:api_key"],
     "wa-webhook:api_key is not a wa-webhook configuration key; the API key is"),
])
def test_a_key_in_clear_or_under_another_name_stops_the_program(declared, values, secret,
                                                                 refused):
    configure(values, secret)
    with pytest.raises(WebhookArgumentError, match=refused):
        Webhook("hook", from_number=ACCOUNT, url=URL)
    assert declared.calls == [] and declared.warnings == []


def test_a_key_set_with_secret_passes(declared):
    configure({"wa-webhook:apiKey": "k"}, ["wa-webhook:apiKey"])
    Webhook("hook", from_number=ACCOUNT, url=URL)
    assert len(declared.calls) == 1 and declared.warnings == []
