"""The native provider as a registry provider, without the engine: config keys, every config
problem at once, messages in the schema's spelling, getWebhook (Invoke), DiffConfig and import
IDs on the plugin over gRPC."""

from __future__ import annotations

import grpc
import pytest
from plugin_client import URN, clear_texts, plain, running_plugin, secret, struct
from pulumi.runtime import proto
from webhook_programs import ACCOUNT_1, ACCOUNT_2, KEY_1

from pulumi_wa_webhook import config as stack_config
from pulumi_wa_webhook import errors, lifecycle
from pulumi_wa_webhook.config import key_fingerprint
from pulumi_wa_webhook.model import SettingsError, parse_switch
from pulumi_wa_webhook.native import GET_WEBHOOK
from pulumi_wa_webhook.native.messages import SCHEMA_SPELLINGS, for_schema
from pulumi_wa_webhook.native.provider import config_origin

PROVIDER_URN = "urn:pulumi:dev::project::pulumi:providers:wa-webhook::"


pytestmark = pytest.mark.usefixtures("no_config_env")


# -- configuration keys -----------------------------------------------------------------------


def test_the_known_keys_are_one_tuple_with_max_concurrency():
    assert stack_config.KNOWN_KEYS == ("apiKey", "endpoint", "timeout", "retries",
                                       "maxConcurrency")
    assert stack_config.key_problems(stack_config.KNOWN_KEYS) == []


@pytest.mark.parametrize("typo, nearest", [
    ("endpont", "endpoint"), ("Endpoint", "endpoint"), ("retires", "retries"),
    ("timout", "timeout"), ("maxconcurrency", "maxConcurrency"),
])
def test_an_unknown_key_is_a_warning_naming_the_nearest(typo, nearest):
    [problem] = stack_config.key_problems([typo])
    assert not problem.refused
    assert problem.message.startswith(f"wa-webhook:{typo} is not a wa-webhook configuration "
                                      f"key and is ignored; did you mean wa-webhook:{nearest}?")


def test_an_unknown_key_near_nothing_lists_the_keys():
    [problem] = stack_config.key_problems(["colour"])
    assert "did you mean" not in problem.message and "apiKey, endpoint" in problem.message


@pytest.mark.parametrize("lookalike", ["apikey", "api_key", "ApiKey", "api-key", "apiKy",
                                       "key", "apiToken", "apiKeys"])
def test_a_key_that_looks_like_the_api_key_is_refused(lookalike):
    [problem] = stack_config.key_problems([lookalike])
    assert problem.refused
    assert f"`pulumi config rm wa-webhook:{lookalike}`" in problem.message
    assert "`pulumi config set --secret wa-webhook:apiKey <key>`" in problem.message


def test_check_config_warns_and_refuses_without_showing_the_value(emulator):
    warnings: list[str] = []
    from pulumi_wa_webhook.native.provider import WebhookProvider

    with running_plugin(WebhookProvider(workers=2, warn=warnings.append)) as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "default", news=struct({
                "endpoint": emulator.base_url, "endpont": "https://x.example.com",
                "apikey": "clear-key-77"})))
    [refusal] = answer.failures
    assert refusal.property == "" and "wa-webhook:apikey" in refusal.reason
    assert "clear-key-77" not in refusal.reason
    assert [w.split(";")[0] for w in warnings] == [
        "wa-webhook:endpont is not a wa-webhook configuration key and is ignored"]


def test_check_config_reports_a_refused_key_and_bad_values_together(emulator):
    with running_plugin() as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "default", news=struct({
                "endpoint": emulator.base_url, "apikey": "clear-key-77", "retries": 99.0,
                "timeout": 0.0})))
    assert [f.property for f in answer.failures] == ["", "timeout", "retries"]
    assert "wa-webhook:apikey" in answer.failures[0].reason


# -- every problem at once, and where the value came from ------------------------------------


def test_every_config_problem_is_listed_with_its_key_and_origin(monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_TIMEOUT", "never")
    with pytest.raises(stack_config.ConfigurationProblems) as raised:
        stack_config.load({"wa-webhook:endpoint": "http://api.example.com",
                           "wa-webhook:retries": "99"})
    assert [key for key, _ in raised.value.problems] == [
        "wa-webhook:endpoint", "wa-webhook:timeout", "wa-webhook:retries"]
    text = str(raised.value)
    assert text.startswith("3 problems in the wa-webhook configuration: ")
    assert "environment variable WA_WEBHOOK_TIMEOUT" in text


def test_check_config_names_the_explicit_provider_or_the_stack_config():
    with running_plugin() as served:
        explicit = served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "eu", news=struct({"endpoint": "http://api.example.com",
                                                  "timeout": 0.0})))
        default = served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "default_0_1_0", news=struct({"retries": 99.0})))
    # A URL's failure names no property (the engine would print the value whole).
    assert {f.property for f in explicit.failures} == {"", "timeout"}
    assert all("of the explicit provider 'eu'" in f.reason for f in explicit.failures)
    [failure] = default.failures
    assert failure.property == "retries" and "stack config wa-webhook:retries" in failure.reason
    assert config_origin("")("wa-webhook:endpoint") == "stack config wa-webhook:endpoint"
    assert config_origin(PROVIDER_URN + "eu")("wa-webhook:timeout") == (
        "`timeout` of the explicit provider 'eu'")


# -- messages in the schema's spelling ---------------------------------------------------------


def _core_messages() -> str:
    from pulumi_wa_webhook.model import WebhookSettings, cleared

    current, desired = cleared(ACCOUNT_1), WebhookSettings(ACCOUNT_1, url="https://x.example/")
    texts = [stack_config.MISSING_KEY_MESSAGE,
             str(errors.AccountInUseError(ACCOUNT_1, current, desired)),
             str(errors.AdoptionMismatchError(ACCOUNT_1, current, desired)),
             str(errors.UnreachableUrlError("https://x.example/…", "refused"))]
    _inputs, problems = lifecycle.Lifecycle(lambda: stack_config.load({})).check(
        {}, {"from_number": ACCOUNT_1, "adopt": True, "overwrite": True})
    texts += [p.reason for p in problems]
    with pytest.raises(SettingsError) as raised:
        parse_switch("yes", "system")
    texts.append(str(raised.value))
    return "\n".join(texts)


def test_every_python_phrase_rewritten_for_the_plugin_is_in_a_core_message():
    core = _core_messages()
    for python, _schema in SCHEMA_SPELLINGS:
        assert python in core, python
        assert python not in for_schema(core)
    rewritten = for_schema(core)
    for phrase in ("`apiKey`", "`overwrite: true`", "`adopt: true`", "`verifyUrl: true`",
                   "the `aliases` resource option", "must be true or false"):
        assert phrase in rewritten
    assert "=True" not in rewritten and "api_key" not in rewritten


# -- getWebhook --------------------------------------------------------------------------------


def invoke(served, **args):
    return served.call("Invoke", proto.InvokeRequest(tok=GET_WEBHOOK, args=struct(args)))


def test_get_webhook_reads_once_writes_nothing_and_returns_no_key(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/", retry=1,
                         systemPhoneAlert="972527788695,972502211234")
    answer = invoke(plugin, fromNumber="+972 50-000-0001")
    assert list(answer.failures) == []
    assert plain(getattr(answer, "return")) == {
        "fromNumber": ACCOUNT_1, "url": secret("https://h.example.com/"), "system": False,
        "systemPhoneAlerts": ["972502211234", "972527788695"], "readStatus": False,
        "retry": True, "endpoint": emulator.base_url}
    assert emulator.count("getWebhook") == 1 and emulator.count("setWebhook") == 0
    assert KEY_1 not in clear_texts(answer) and KEY_1 not in str(answer)


def test_get_webhook_refuses_a_number_as_from_number_does(plugin, emulator):
    answer = invoke(plugin, fromNumber="0500000001")
    checked = plugin.check({"fromNumber": "0500000001"})
    assert [(f.property, f.reason) for f in answer.failures] == [
        (f.property, f.reason) for f in checked.failures if f.property == "fromNumber"]
    assert emulator.requests() == []


def test_get_webhook_reads_from_the_endpoint_it_is_given(plugin, emulator):
    from pulumi_wa_webhook.emulator.testing import TEST_ACCOUNTS, running_emulator

    with running_emulator(TEST_ACCOUNTS) as other:
        other.set_account(ACCOUNT_2, url="https://other.example.com/", apiKey=KEY_1)
        answer = invoke(plugin, fromNumber=ACCOUNT_2, endpoint=other.base_url)
    assert plain(getattr(answer, "return"))["url"] == secret("https://other.example.com/")
    assert plain(getattr(answer, "return"))["endpoint"] == other.base_url
    assert emulator.requests() == []


def test_an_unknown_function_is_a_failure(plugin):
    answer = plugin.call("Invoke", proto.InvokeRequest(tok="wa-webhook:index:getHook",
                                                       args=struct({})))
    [failure] = answer.failures
    assert failure.property == ""
    assert failure.reason == ("unknown function 'wa-webhook:index:getHook'; this plugin has "
                              "wa-webhook:index:getWebhook")


def test_get_webhook_on_a_bad_endpoint_fails_naming_the_argument(plugin, emulator):
    import grpc

    with pytest.raises(grpc.RpcError) as raised:
        invoke(plugin, fromNumber=ACCOUNT_1, endpoint="ftp://api.example.com")
    assert raised.value.code() == grpc.StatusCode.UNKNOWN
    assert raised.value.details() == (
        "endpoint 'ftp://api.example.com' (the endpoint argument) must be an https:// URL; "
        "plain http:// is accepted only for loopback hosts such as 127.0.0.1")
    assert "Traceback" not in raised.value.details() and emulator.requests() == []


# -- DiffConfig, the rotated key, import IDs -----------------------------------------------------


def diff_config(served, olds, news):
    return served.call("DiffConfig", proto.DiffRequest(urn=PROVIDER_URN + "default",
                                                       olds=struct(olds), news=struct(news)))


def test_diff_config_shows_each_changed_key_as_an_update_without_replacing(plugin):
    old = {"endpoint": "https://a.example.com", "apiKey": secret(KEY_1), "retries": 1.0}
    same = diff_config(plugin, old, dict(old, retries="1"))
    assert same.changes == proto.DiffResponse.DIFF_NONE
    moved = diff_config(plugin, old, dict(old, endpoint="https://b.example.com",
                                          apiKey=secret("other")))
    assert moved.changes == proto.DiffResponse.DIFF_SOME and list(moved.replaces) == []
    assert sorted(moved.detailedDiff) == ["apiKey", "endpoint"]
    assert {d.kind for d in moved.detailedDiff.values()} == {proto.PropertyDiff.UPDATE}
    assert all(d.inputDiff for d in moved.detailedDiff.values())
    assert moved.hasDetailedDiff and list(moved.diffs) == ["apiKey", "endpoint"]


def test_check_fingerprints_a_known_key_only(plugin):
    unknown = plugin.check({"fromNumber": ACCOUNT_1,
                            "apiKey": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    assert "keyFingerprint" not in plain(unknown.inputs)
    known = plugin.check({"fromNumber": ACCOUNT_1})
    assert plain(known.inputs)["keyFingerprint"] == key_fingerprint(KEY_1)


def test_a_rotated_configured_key_is_a_change_of_the_fingerprint(plugin, emulator):
    state = {"fromNumber": ACCOUNT_1, "endpoint": emulator.base_url,
             "keyFingerprint": key_fingerprint("an-older-key")}
    answer = plugin.call("Diff", proto.DiffRequest(urn=URN, id=ACCOUNT_1, olds=struct(state),
                                                   news=struct(dict(state, keyFingerprint=(
                                                       key_fingerprint(KEY_1))))))
    assert list(answer.diffs) == ["keyFingerprint"]
    assert answer.detailedDiff["keyFingerprint"].inputDiff is False


@pytest.mark.parametrize("form", ["+972 50-000-0001", "972-50-000-0001", "(972) 500000001"])
def test_an_import_id_in_any_accepted_form_imports_the_normalised_number(plugin, emulator,
                                                                         form):
    answer = plugin.call("Read", proto.ReadRequest(id=form, urn=URN))
    assert answer.id == ACCOUNT_1 and plain(answer.inputs)["fromNumber"] == ACCOUNT_1


@pytest.mark.parametrize("bad", ["abc", "0500000001", "97250"])
def test_a_refused_import_id_gets_the_reason_from_number_gets(plugin, emulator, bad):
    import grpc

    with pytest.raises(grpc.RpcError) as raised:
        plugin.call("Read", proto.ReadRequest(id=bad, urn=URN))
    [reason] = [f.reason for f in plugin.check({"fromNumber": bad}).failures
                if f.property == "fromNumber"]
    assert reason in raised.value.details() and "`fromNumber`" in raised.value.details()
    assert "Traceback" not in raised.value.details() and emulator.requests() == []


# -- the stack's key in clear, `version`, the explicit provider's missing key ---------------


def test_configure_refuses_a_plain_stack_config_key_only_for_the_default_provider(emulator):
    def configure(served, urn, key):
        return served.call("Configure", proto.ConfigureRequest(
            urn=urn, args=struct({"endpoint": emulator.base_url, "apiKey": key})))

    with running_plugin() as served, pytest.raises(grpc.RpcError) as refused:
        configure(served, PROVIDER_URN + "default", "clear-key-77")
    assert "`pulumi config rm wa-webhook:apiKey`" in refused.value.details()
    assert "--secret" in refused.value.details() and "clear-key-77" not in refused.value.details()
    with running_plugin() as served:
        configure(served, PROVIDER_URN + "default", secret(KEY_1))
    with running_plugin() as served:  # an explicit provider's key is the program's
        configure(served, PROVIDER_URN + "eu", "clear-key-77")
    with running_plugin() as served:  # an empty key is no key in clear
        configure(served, PROVIDER_URN + "default", "")


def test_configure_refuses_every_key_in_clear_at_once(emulator):
    import grpc

    with running_plugin() as served, pytest.raises(grpc.RpcError) as refused:
        served.call("Configure", proto.ConfigureRequest(
            urn=PROVIDER_URN + "default",
            args=struct({"endpoint": emulator.base_url, "apiKey": "k-77", "api_key": "k-78"})))
    one, other = sorted(part.removeprefix("wa-webhook:")
                        for part in refused.value.details().split("; wa-webhook:"))
    assert one.startswith("apiKey is stored unencrypted")
    assert other.startswith("api_key is not a wa-webhook configuration key")
    assert "run `pulumi config rm wa-webhook:api_key`" in other  # the key's own name


def test_version_among_provider_inputs_is_no_typo(emulator):
    warnings: list[str] = []
    from pulumi_wa_webhook.native.provider import WebhookProvider

    with running_plugin(WebhookProvider(workers=2, warn=warnings.append)) as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "eu", news=struct({"endpoint": emulator.base_url,
                                                  "version": "0.1.0"})))
    assert list(answer.failures) == [] and warnings == []


def test_a_resource_of_an_explicit_provider_without_key_is_told_its_apikey(emulator):
    with running_plugin() as served:
        served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "eu", news=struct({"endpoint": emulator.base_url})))
        served.call("Configure", proto.ConfigureRequest(
            urn=PROVIDER_URN + "eu", args=struct({"endpoint": emulator.base_url})))
        [failure] = served.check({"fromNumber": ACCOUNT_1}).failures
    assert failure.property == "apiKey"
    assert "set `apiKey` of the explicit provider 'eu'" in failure.reason
    assert "pulumi config set" not in failure.reason



def test_an_engine_that_configures_without_a_urn_keeps_the_one_checked(emulator):
    """Older engines send Configure no URN: the provider checked by CheckConfig is the one."""
    with running_plugin() as served:
        served.call("CheckConfig", proto.CheckRequest(
            urn=PROVIDER_URN + "eu", news=struct({"endpoint": emulator.base_url})))
        served.call("Configure", proto.ConfigureRequest(
            args=struct({"endpoint": emulator.base_url})))
        [failure] = served.check({"fromNumber": ACCOUNT_1}).failures
    assert "set `apiKey` of the explicit provider 'eu'" in failure.reason
