"""The native provider plugin over real gRPC, served in-process, against the emulator over
HTTP: what each engine call answers, which API calls it makes, and that the API key only ever
leaves the plugin as a secret."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from plugin_client import UNKNOWN, URN, clear_texts, plain, running_plugin, secret, struct
from pulumi.runtime import proto
from receivers import closed_port
from webhook_programs import ACCOUNT_1, KEY_1

from pulumi_wa_webhook.config import key_fingerprint
from pulumi_wa_webhook.errors import InvalidApiKeyError
from pulumi_wa_webhook.native.provider import WebhookProvider
from pulumi_wa_webhook.native.server import expected_failure

pytestmark = pytest.mark.usefixtures("no_config_env")


def test_unknown_provider_configuration_is_left_to_the_defaults(emulator, monkeypatch):
    monkeypatch.setenv("WA_WEBHOOK_ENDPOINT", emulator.base_url)
    with running_plugin() as served:
        served.configure(endpoint=UNKNOWN, apiKey=secret(KEY_1), timeout=0.5)
        answer = served.check({"fromNumber": ACCOUNT_1})
        planned = served.call("Create", proto.CreateRequest(urn=URN, preview=True,
                                                            properties=answer.inputs))
    assert list(answer.failures) == []
    assert plain(planned.properties)["endpoint"] == emulator.base_url


# -- unknown values (preview) -------------------------------------------------------------


def test_unknown_values_pass_check_and_come_back_unknown(plugin, emulator):
    answer = plugin.check({"fromNumber": ACCOUNT_1, "url": UNKNOWN,
                           "systemPhoneAlerts": [UNKNOWN, "+972 50-123-4567"]})
    assert list(answer.failures) == []
    inputs = plain(answer.inputs)
    assert inputs["url"] == UNKNOWN
    assert inputs["systemPhoneAlerts"] == [UNKNOWN, "+972 50-123-4567"]
    assert inputs["fromNumber"] == ACCOUNT_1
    assert emulator.requests() == []


def test_preview_create_with_an_unknown_url_makes_no_call(plugin, emulator):
    answer = plugin.call("Create", proto.CreateRequest(
        urn=URN, preview=True,
        properties=struct({"fromNumber": ACCOUNT_1, "url": UNKNOWN, "apiKey": secret(KEY_1)})))
    assert answer.id == ""
    # What create will return: every setting, defaults too.
    assert plain(answer.properties) == dict(STATE, url=UNKNOWN)
    assert emulator.requests() == []


def test_unknown_values_are_a_diff_not_an_error(plugin):
    state = {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/", "apiKey": secret(KEY_1)}
    answer = diff(plugin, state, dict(state, url=UNKNOWN))
    assert answer.changes == proto.DiffResponse.DIFF_SOME
    assert list(answer.replaces) == []
    assert answer.detailedDiff["url"].kind == proto.PropertyDiff.UPDATE
    answer = diff(plugin, state, dict(state, fromNumber=UNKNOWN))
    assert list(answer.replaces) == ["fromNumber"]
    assert answer.detailedDiff["fromNumber"].kind == proto.PropertyDiff.UPDATE_REPLACE


# -- configuration --------------------------------------------------------------------------


def test_configure_answers_what_the_engine_may_send(emulator):
    with running_plugin() as served:
        answer = served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1))
    assert answer.acceptSecrets and answer.supportsPreview
    assert not answer.acceptOutputs and not answer.acceptResources


def test_configure_takes_numbers_as_floats_and_the_key_from_args(emulator):
    emulator.add_fault("getWebhook", status=503, times=1)
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1), retries=1.0,
                         timeout=30.0)
        assert list(served.check({"fromNumber": ACCOUNT_1}).failures) == []
        answer = create(served, {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/"})
    assert answer.id == ACCOUNT_1
    assert emulator.count("getWebhook") == 3  # retries=1.0: one retry after the 503, read back


def test_configure_from_variables_when_no_args_are_sent(emulator):
    with running_plugin() as served:
        served.call("Configure", proto.ConfigureRequest(variables={
            "wa-webhook:config:apiKey": KEY_1, "wa-webhook:config:endpoint": emulator.base_url,
            "other:config:apiKey": "not-ours"}))
        answer = create(served, {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/"})
    assert answer.id == ACCOUNT_1
    assert emulator.account(ACCOUNT_1)["url"] == "https://h.example.com/"


def test_configure_prefers_args_over_variables(emulator):
    with running_plugin() as served:
        served.call("Configure", proto.ConfigureRequest(
            args=struct({"apiKey": secret(KEY_1), "endpoint": emulator.base_url}),
            variables={"wa-webhook:config:apiKey": "stale-key"}))
        assert create(served, {"fromNumber": ACCOUNT_1}).id == ACCOUNT_1


@pytest.mark.parametrize("name, value, named", [
    ("retries", 99.0, "wa-webhook:retries"),
    ("timeout", "soon", "wa-webhook:timeout"),
    ("endpoint", "http://api.example.com/v2", "wa-webhook:endpoint"),
    ("maxConcurrency", 0.0, "wa-webhook:maxConcurrency"),
])
def test_check_config_rejects_a_bad_setting_naming_its_key(name, value, named):
    with running_plugin() as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn="urn:pulumi:dev::project::pulumi:providers:wa-webhook::default",
            news=struct({name: value, "apiKey": secret(KEY_1)})))
    [failure] = answer.failures
    # The engine then shows the value it points at: never for a URL (user info, query).
    assert failure.property == ("" if name == "endpoint" else name)
    assert f"stack config {named}" in failure.reason
    assert KEY_1 not in failure.reason
    assert plain(answer.inputs)["apiKey"] == secret(KEY_1)


@pytest.mark.parametrize("provider, kept", [
    # An explicit provider's key is made a secret whatever the SDK sent; the stack's is left
    # as the stack stores it (the engine marks it again when it was set with --secret, and
    # Configure refuses it in clear).
    ("eu", secret(KEY_1)), ("default", KEY_1),
])
def test_check_config_keeps_the_key_secret_and_accepts_good_settings(emulator, provider, kept):
    with running_plugin() as served:
        answer = served.call("CheckConfig", proto.CheckRequest(
            urn=f"urn:pulumi:dev::project::pulumi:providers:wa-webhook::{provider}",
            news=struct({"apiKey": KEY_1, "endpoint": emulator.base_url, "timeout": 30.0,
                         "retries": 2.0})))
    assert list(answer.failures) == []
    inputs = plain(answer.inputs)
    assert inputs.pop("apiKey") == kept
    assert inputs == {"endpoint": emulator.base_url, "timeout": 30.0, "retries": 2.0}


# -- check ----------------------------------------------------------------------------------


def test_check_normalises_inputs_and_keeps_the_key_secret(plugin, emulator):
    answer = plugin.check({"fromNumber": "+972 50-000-0001", "url": "https://h.example.com/",
                           "systemPhoneAlerts": ["+972 52-778-8695", "972502211234"],
                           "system": True, "apiKey": secret(KEY_1)})
    assert list(answer.failures) == []
    assert plain(answer.inputs) == {
        "fromNumber": ACCOUNT_1, "url": "https://h.example.com/", "system": True,
        "systemPhoneAlerts": ["972502211234", "972527788695"], "apiKey": secret(KEY_1),
        "endpoint": emulator.base_url,  # settings at their default are not stored
        "keyFingerprint": key_fingerprint(KEY_1)}  # shows a rotated key on the resource
    assert KEY_1 not in clear_texts(answer)
    assert emulator.requests() == []


def test_check_names_each_bad_property_in_camel_case(plugin):
    answer = plugin.check({"fromNumber": "0501234567", "url": "ftp://h.example.com/",
                           "systemPhoneAlerts": ["972502211234", "12"]})
    failures = {f.property: f.reason for f in answer.failures}
    # an item is reported on its list (the engine shows the value of a top-level property);
    # a URL's problem on none (its value is never shown), named in the reason instead
    assert set(failures) == {"fromNumber", "", "systemPhoneAlerts"}
    assert failures["systemPhoneAlerts"].startswith('item [1]: "12"')
    assert failures[""] == 'url must start with https:// or http:// (got scheme "ftp")'
    assert failures["fromNumber"].startswith('"0501234567" is in local format')
    assert all(failures.values())


def test_check_without_any_key_names_the_missing_key(emulator):
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)
        answer = served.check({"fromNumber": ACCOUNT_1})
    [failure] = answer.failures
    assert failure.property == "apiKey"
    assert "pulumi config set --secret wa-webhook:apiKey" in failure.reason


# -- diff -----------------------------------------------------------------------------------


STATE = {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/", "system": False,
         "systemPhoneAlerts": [], "readStatus": False, "retry": False}
#: The inputs `check` gives (and a refresh stores) for STATE: no setting at its default.
LEAN = {"fromNumber": ACCOUNT_1, "url": "https://h.example.com/"}


def diff(plugin, olds, news, old_inputs=None):
    return plugin.call("Diff", proto.DiffRequest(
        urn=URN, id=ACCOUNT_1, olds=struct(olds), news=struct(news),
        old_inputs=struct(old_inputs)))


def test_a_key_now_given_to_a_resource_written_with_the_configured_one_is_a_change(plugin,
                                                                                   emulator):
    state = dict(STATE, endpoint=emulator.base_url, keyFingerprint=key_fingerprint(KEY_1))
    other = diff(plugin, state, dict(state, apiKey=secret("other-key")), old_inputs=state)
    assert list(other.diffs) == ["apiKey"]
    same = diff(plugin, state, dict(state, apiKey=secret(KEY_1)), old_inputs=state)
    assert list(same.diffs) == []


def test_an_imported_resource_whose_key_is_not_known_yet_shows_no_change(plugin, emulator):
    state = dict(STATE, endpoint=emulator.base_url)  # `pulumi import` stores no key
    answer = diff(plugin, state, dict(state, apiKey=UNKNOWN), old_inputs=state)
    assert list(answer.diffs) == []


def test_diff_of_equal_settings_is_no_change(plugin, emulator):
    state = dict(STATE, endpoint=emulator.base_url)
    answer = diff(plugin, state, dict(state, apiKey=secret(KEY_1)),
                  old_inputs=dict(state, apiKey=secret(KEY_1)))
    assert answer.changes == proto.DiffResponse.DIFF_NONE
    assert list(answer.diffs) == [] and dict(answer.detailedDiff) == {}
    assert answer.hasDetailedDiff
    assert emulator.requests() == []


def test_diff_kinds_a_new_number_replaces_a_new_url_updates(plugin, emulator):
    state = dict(STATE, endpoint=emulator.base_url)
    answer = diff(plugin, state, dict(state, fromNumber="972500000002", url="https://n.example/"))
    assert answer.changes == proto.DiffResponse.DIFF_SOME
    assert list(answer.replaces) == ["fromNumber"]
    assert not answer.deleteBeforeReplace
    assert set(answer.diffs) == {"fromNumber", "url"}
    number, url = answer.detailedDiff["fromNumber"], answer.detailedDiff["url"]
    assert (number.kind, number.inputDiff) == (proto.PropertyDiff.UPDATE_REPLACE, True)
    assert (url.kind, url.inputDiff) == (proto.PropertyDiff.UPDATE, True)


def test_a_new_endpoint_is_a_change_but_not_an_input_diff(plugin, emulator):
    state = dict(STATE, endpoint="https://old.example.com/whatsapp/v2")
    answer = diff(plugin, state, dict(STATE, endpoint=emulator.base_url))
    assert answer.changes == proto.DiffResponse.DIFF_SOME
    assert list(answer.replaces) == []
    endpoint = answer.detailedDiff["endpoint"]
    assert (endpoint.kind, endpoint.inputDiff) == (proto.PropertyDiff.UPDATE, False)


def test_the_key_in_the_old_inputs_is_compared(plugin, emulator, capfd):
    state = dict(STATE, endpoint=emulator.base_url)  # outputs: no key
    same = diff(plugin, state, dict(state, apiKey=secret(KEY_1)),
                old_inputs=dict(state, apiKey=secret(KEY_1)))
    assert same.changes == proto.DiffResponse.DIFF_NONE
    rotated = diff(plugin, state, dict(state, apiKey=secret("new-key")),
                   old_inputs=dict(state, apiKey=secret(KEY_1)))
    assert list(rotated.diffs) == ["apiKey"]
    assert rotated.detailedDiff["apiKey"].kind == proto.PropertyDiff.UPDATE
    assert "new-key" not in clear_texts(rotated) and KEY_1 not in clear_texts(rotated)
    said = capfd.readouterr().err  # the engine shows the plugin's stderr lines
    assert f"wa-webhook: account {ACCOUNT_1}: `apiKey` changed (secret" in said
    assert "new-key" not in said and KEY_1 not in said


def test_an_imported_state_without_key_is_never_a_diff_on_the_key(plugin, emulator):
    state = dict(STATE, endpoint=emulator.base_url)
    answer = diff(plugin, state, dict(state, apiKey=secret(KEY_1)), old_inputs=state)
    assert answer.changes == proto.DiffResponse.DIFF_NONE
    answer = diff(plugin, state, state, old_inputs=state)  # the key from configuration
    assert answer.changes == proto.DiffResponse.DIFF_NONE


# -- create and update ----------------------------------------------------------------------


def create(plugin, properties, preview=False):
    return plugin.call("Create", proto.CreateRequest(urn=URN, properties=struct(properties),
                                                     preview=preview))


INPUTS = dict(STATE, system=True, systemPhoneAlerts=["972502211234"], apiKey=secret(KEY_1))


def test_preview_create_returns_the_inputs_without_the_key(plugin, emulator):
    inputs = dict(INPUTS, endpoint=emulator.base_url)
    answer = create(plugin, inputs, preview=True)
    assert answer.id == ""
    expected = dict(inputs)
    del expected["apiKey"]
    assert plain(answer.properties) == expected
    assert emulator.requests() == []


def test_create_reads_then_writes_once_and_returns_the_settings(plugin, emulator):
    answer = create(plugin, dict(INPUTS, endpoint=emulator.base_url))
    assert answer.id == ACCOUNT_1
    # read, write, read back
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 1
    assert emulator.account(ACCOUNT_1)["systemPhoneAlert"] == "972502211234"
    assert plain(answer.properties) == dict(STATE, system=True,
                                            systemPhoneAlerts=["972502211234"],
                                            keyFingerprint=key_fingerprint(KEY_1),
                                            endpoint=emulator.base_url)
    assert KEY_1 not in clear_texts(answer)


def test_update_writes_once_and_preview_update_not_at_all(plugin, emulator):
    olds = dict(STATE, endpoint=emulator.base_url)
    news = dict(INPUTS, url="https://n.example/", endpoint=emulator.base_url)
    request = proto.UpdateRequest(urn=URN, id=ACCOUNT_1, olds=struct(olds), news=struct(news),
                                  preview=True)
    previewed = plugin.call("Update", request)
    assert plain(previewed.properties)["url"] == "https://n.example/"
    assert emulator.requests() == []
    request.preview = False
    answer = plugin.call("Update", request)
    assert emulator.count() == 1 and emulator.count("setWebhook") == 1
    assert emulator.account(ACCOUNT_1)["url"] == "https://n.example/"
    properties = plain(answer.properties)
    assert properties["url"] == "https://n.example/"
    assert "apiKey" not in properties and KEY_1 not in clear_texts(answer)


def test_update_verifies_only_a_new_url(plugin, emulator):
    dead = f"http://127.0.0.1:{closed_port()}/hook"
    olds = dict(STATE, url=dead, endpoint=emulator.base_url)
    news = dict(INPUTS, url=dead, verifyUrl=True, retry=True, endpoint=emulator.base_url)
    plugin.call("Update", proto.UpdateRequest(urn=URN, id=ACCOUNT_1, olds=struct(olds),
                                              news=struct(news)))
    assert emulator.account(ACCOUNT_1)["retry"] == 1  # the unchanged URL was not checked
    with pytest.raises(grpc.RpcError) as raised:
        plugin.call("Update", proto.UpdateRequest(
            urn=URN, id=ACCOUNT_1, olds=struct(dict(olds, url="https://old.example/")),
            news=struct(news)))
    assert raised.value.details().startswith("webhook URL http://127.0.0.1:")
    assert "`verifyUrl: true`" in raised.value.details()  # as the schema spells it
    assert emulator.count("setWebhook") == 1


def test_api_calls_of_parallel_requests_run_in_parallel(emulator):
    calls = 33  # more than any default thread pool runs at once
    emulator.add_fault("getWebhook", delay=2.0, times=calls)
    with running_plugin(WebhookProvider(workers=calls)) as served:
        # maxConcurrency: the bound on API calls in flight (default 16) lets all of them go.
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1), maxConcurrency=calls)
        request = proto.ReadRequest(urn=URN, id=ACCOUNT_1, properties=struct(STATE))
        answers = [served.stub.Read.future(request, timeout=30) for _ in range(calls)]
        assert {answer.result().id for answer in answers} == {ACCOUNT_1}
    arrived = [call["time"] for call in emulator.requests("getWebhook")]
    assert len(arrived) == calls
    assert max(arrived) - min(arrived) < 1.5  # all were waiting at once, none queued (2 s later)


# -- read -----------------------------------------------------------------------------------


def read(plugin, properties=None, inputs=None, id_=ACCOUNT_1):
    return plugin.call("Read", proto.ReadRequest(urn=URN, id=id_, properties=struct(properties),
                                                 inputs=struct(inputs)))


def test_refresh_reads_the_drift_once(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/", retry=1)
    state = dict(STATE, endpoint=emulator.base_url)
    answer = read(plugin, state, dict(state, apiKey=secret(KEY_1)))
    assert emulator.count() == 1 and emulator.count("getWebhook") == 1
    assert answer.id == ACCOUNT_1
    drifted = dict(state, url="https://by-hand.example.com/", retry=True)
    assert plain(answer.properties) == dict(drifted, keyFingerprint=key_fingerprint(KEY_1))
    assert plain(answer.inputs) == dict(LEAN, url="https://by-hand.example.com/", retry=True,
                                        endpoint=emulator.base_url, apiKey=secret(KEY_1),
                                        keyFingerprint=key_fingerprint(KEY_1))
    assert KEY_1 not in clear_texts(answer)


def test_read_uses_the_key_in_the_inputs_when_none_is_configured(emulator):
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)
        answer = read(served, {"fromNumber": ACCOUNT_1}, {"apiKey": secret(KEY_1)})
    assert answer.id == ACCOUNT_1
    assert plain(answer.inputs)["apiKey"] == secret(KEY_1)


def test_the_import_option_reads_with_the_programs_inputs(emulator):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/")
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)  # the key is the resource's own
        answer = read(served, inputs=dict(STATE, apiKey=secret(KEY_1)))  # `import_=` option
    assert answer.id == ACCOUNT_1
    assert plain(answer.inputs) == dict(LEAN, apiKey=secret(KEY_1), endpoint=emulator.base_url,
                                        keyFingerprint=key_fingerprint(KEY_1))
    assert KEY_1 not in clear_texts(answer)


def test_pulumi_import_reads_with_the_configured_key_and_stores_no_key(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/", systemPhoneAlert="972502211234")
    answer = read(plugin)  # `pulumi import` sends only the ID
    assert answer.id == ACCOUNT_1
    inputs = plain(answer.inputs)
    # The URL read from the account may carry a token: a secret in what the import stores.
    assert inputs == dict(LEAN, url=secret(LEAN["url"]), systemPhoneAlerts=["972502211234"],
                          endpoint=emulator.base_url, keyFingerprint=key_fingerprint(KEY_1))
    assert plain(answer.properties) == dict(STATE, url=secret(LEAN["url"]),
                                            systemPhoneAlerts=["972502211234"],
                                            endpoint=emulator.base_url,
                                            keyFingerprint=key_fingerprint(KEY_1))
    assert emulator.count("getWebhook") == 1


def test_an_imported_account_is_not_cleared_by_a_delete_in_the_same_deployment(plugin, emulator,
                                                                              capfd):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/")
    state = dict(STATE, endpoint=emulator.base_url)
    read(plugin, state, dict(state, apiKey=secret(KEY_1)))  # a refresh takes nothing over
    read(plugin)  # `pulumi import` (only the ID) adopts the account for the new resource
    delete(plugin, state, old_inputs=dict(state, apiKey=secret(KEY_1)))  # the old resource
    assert emulator.count("setWebhook") == 0
    assert emulator.account(ACCOUNT_1)["url"] == "https://h.example.com/"
    assert f"account {ACCOUNT_1} was not cleared" in capfd.readouterr().err


def test_a_refreshed_account_is_cleared_by_its_delete(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/")
    state = dict(STATE, endpoint=emulator.base_url)
    read(plugin, state, dict(state, apiKey=secret(KEY_1)))
    delete(plugin, state, old_inputs=dict(state, apiKey=secret(KEY_1)))
    assert emulator.account(ACCOUNT_1)["url"] == ""


def test_read_of_a_number_that_does_not_exist_has_no_properties(plugin, emulator):
    emulator.remove_account(ACCOUNT_1)
    answer = read(plugin, dict(STATE, endpoint=emulator.base_url))
    assert answer.id == ""
    assert not answer.HasField("properties") and not answer.HasField("inputs")


# -- delete ---------------------------------------------------------------------------------


def delete(plugin, properties, old_inputs=None):
    return plugin.call("Delete", proto.DeleteRequest(
        urn=URN, id=ACCOUNT_1, properties=struct(properties), old_inputs=struct(old_inputs)))


def test_delete_clears_the_account_with_the_key_from_the_old_inputs(emulator):
    emulator.set_account(ACCOUNT_1, url="https://h.example.com/", systemPhoneAlert="972502211234",
                         retry=1)
    state = dict(STATE, endpoint=emulator.base_url)
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)  # no configured key
        delete(served, state, old_inputs=dict(state, apiKey=secret(KEY_1)))
    [call] = emulator.requests("setWebhook")
    assert call["body"]["url"] == " " and call["body"]["systemPhoneAlert"] == " "
    assert emulator.account(ACCOUNT_1) == {"url": "", "system": 0, "systemPhoneAlert": "",
                                           "readStatus": 0, "retry": 0}


def test_delete_without_any_key_is_a_clear_error(emulator):
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url)
        with pytest.raises(grpc.RpcError) as raised:
            delete(served, dict(STATE, endpoint=emulator.base_url), old_inputs=STATE)
    assert raised.value.details().startswith("no 99digital API key")
    assert emulator.requests() == []


# -- errors ---------------------------------------------------------------------------------


def test_an_api_failure_is_one_clear_message_without_key_or_traceback(emulator):
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret("wrong-key"))
        with pytest.raises(grpc.RpcError) as raised:
            read(served, dict(STATE, endpoint=emulator.base_url))
    error = raised.value
    assert error.code() == grpc.StatusCode.UNKNOWN
    assert error.details() == (
        f"99digital getWebhook for account {ACCOUNT_1} failed (reason 3: wrong apiKey)")
    assert "Traceback" not in error.details() and 'File "' not in error.details()
    assert "wrong-key" not in error.details()


def test_a_taken_account_is_reported_by_create_without_writing(plugin, emulator):
    emulator.set_account(ACCOUNT_1, url="https://other.example/")
    with pytest.raises(grpc.RpcError) as raised:
        create(plugin, dict(INPUTS, endpoint=emulator.base_url))
    assert raised.value.details().startswith(
        f"account {ACCOUNT_1} already holds a different webhook configuration")
    # in the schema's spelling: JSON literals and property names, no Python
    assert '(url: "https://other.example/" -> "https://h.example.com/"; system: false -> ' \
        'true; `systemPhoneAlerts`: [] -> ["972502211234"])' \
        in raised.value.details(), raised.value.details()
    assert "`overwrite: true`" in raised.value.details()
    assert 'File "' not in raised.value.details() and KEY_1 not in raised.value.details()
    assert emulator.count("setWebhook") == 0


def test_an_unexpected_exception_keeps_its_traceback(plugin, emulator):
    # Create without Check: input the model rejects is a bug in the caller, not a user error.
    with pytest.raises(grpc.RpcError) as raised:
        create(plugin, {"fromNumber": "not a number", "apiKey": secret(KEY_1)})
    assert 'File "' in raised.value.details()
    assert KEY_1 not in raised.value.details()
    assert emulator.requests() == []


BAD_STATE = dict(STATE, endpoint="http://remote.example.com/whatsapp/v2")


@pytest.mark.parametrize("method, request_", [
    ("Check", proto.CheckRequest(urn=URN, olds=struct(BAD_STATE), news=struct(STATE))),
    ("Diff", proto.DiffRequest(urn=URN, id=ACCOUNT_1, olds=struct(BAD_STATE),
                               news=struct(STATE))),
    ("Update", proto.UpdateRequest(urn=URN, id=ACCOUNT_1, olds=struct(STATE),
                                   news=struct(BAD_STATE))),
    ("Read", proto.ReadRequest(urn=URN, id=ACCOUNT_1, properties=struct(BAD_STATE))),
    ("Delete", proto.DeleteRequest(urn=URN, id=ACCOUNT_1, properties=struct(BAD_STATE))),
])
def test_a_bad_endpoint_in_state_is_a_clear_error_in_every_call(plugin, emulator, method,
                                                                  request_):
    with pytest.raises(grpc.RpcError) as raised:
        plugin.call(method, request_)
    assert raised.value.code() == grpc.StatusCode.UNKNOWN
    assert raised.value.details() == (
        "endpoint 'http://remote.example.com/whatsapp/v2' (the endpoint in the resource's "
        "state) must be an https:// URL; plain http:// is accepted only for loopback hosts "
        "such as 127.0.0.1")
    assert emulator.requests() == []


def test_the_expected_failure_is_found_behind_causes_and_contexts():
    failure = InvalidApiKeyError("getWebhook", ACCOUNT_1, 3)
    try:
        try:
            raise failure
        except InvalidApiKeyError:
            raise ValueError("while handling") from KeyError("an explicit cause")
    except ValueError as err:  # the cause is followed first, then the context
        assert expected_failure(err) is None
        err.__cause__ = None
        assert expected_failure(err) is failure
    looped, other = ValueError("a"), ValueError("b")
    looped.__context__, other.__context__ = other, looped  # a cycle ends the search
    assert expected_failure(looped) is None


# -- secrets through check and read; one account, one resource -----------------------------


def test_check_keeps_a_secret_setting_secret_and_never_shows_it(plugin, emulator):
    answer = plugin.check({"fromNumber": ACCOUNT_1,
                           "url": secret("https://hooks.example.com/p4th-S3CRET")})
    inputs = plain(answer.inputs)
    assert inputs["url"] == secret("https://hooks.example.com/p4th-S3CRET")
    assert "__secretInputs" not in inputs and "S3CRET" not in clear_texts(answer)
    bad = plugin.check({"fromNumber": ACCOUNT_1, "retry": secret("yes-S3CRET")})
    assert [f.property for f in bad.failures] == ["retry"]
    assert "S3CRET" not in str(list(bad.failures))


@pytest.mark.parametrize("where", ["state", "inputs"])
def test_a_refresh_keeps_secret_what_the_state_or_the_inputs_held_secret(plugin, emulator,
                                                                         where):
    emulator.set_account(ACCOUNT_1, url="https://by-hand.example.com/t0ken")
    state = dict(STATE, endpoint=emulator.base_url)
    inputs = dict(state, apiKey=secret(KEY_1))
    (state if where == "state" else inputs)["url"] = secret(STATE["url"])
    answer = read(plugin, state, inputs)
    assert plain(answer.properties)["url"] == secret("https://by-hand.example.com/t0ken")
    assert plain(answer.inputs)["url"] == secret("https://by-hand.example.com/t0ken")


def test_two_resources_of_the_plugin_on_one_account_fail_check_naming_both(emulator, monkeypatch,
                                                                         tmp_path):
    from pulumi_wa_webhook import handover

    monkeypatch.setattr(handover.tempfile, "gettempdir", lambda: str(tmp_path))
    provider = WebhookProvider()
    provider.join("127.0.0.1:40021")  # as `serve` does with the engine's address
    with running_plugin(provider) as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1))

        def check(name: str) -> Any:
            return served.call("Check", proto.CheckRequest(
                urn=URN.replace("::hook", f"::{name}"), news=struct({"fromNumber": ACCOUNT_1})))

        assert list(check("first").failures) == []
        [failure] = check("second").failures
    assert failure.property == "fromNumber"
    assert "'first' and 'second' both manage account 972500000001" in failure.reason


def test_a_previewed_create_or_update_keeps_a_secret_setting_secret(plugin, emulator):
    props = {"fromNumber": ACCOUNT_1, "url": secret("https://h.example.com/p4th-S3CRET"),
             "apiKey": secret(KEY_1)}
    created = plugin.call("Create", proto.CreateRequest(urn=URN, preview=True,
                                                        properties=struct(props)))
    updated = plugin.call("Update", proto.UpdateRequest(
        urn=URN, id=ACCOUNT_1, preview=True, olds=struct(dict(STATE, endpoint="x")),
        news=struct(props)))
    for answer in (created, updated):
        assert plain(answer.properties)["url"] == secret("https://h.example.com/p4th-S3CRET")
        assert "S3CRET" not in clear_texts(answer)
    assert emulator.requests() == []
