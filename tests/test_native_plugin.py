"""The native provider plugin over real gRPC, served in-process, against the emulator over
HTTP: what each engine call answers, which API calls it makes, and that the API key only ever
leaves the plugin as a secret."""

from __future__ import annotations

import grpc
import pytest
from plugin_client import UNKNOWN, URN, clear_texts, plain, running_plugin, secret, struct
from pulumi.runtime import proto
from webhook_programs import ACCOUNT_1, KEY_1

from pulumi_wa_webhook import lifecycle


@pytest.fixture(autouse=True)
def new_deployment(monkeypatch):
    """Each test is a plugin process of its own: nothing known about accounts yet."""
    monkeypatch.setattr(lifecycle, "_LEDGER", lifecycle._Ledger())
    for name in ("WA_WEBHOOK_API_KEY", "WA_WEBHOOK_ENDPOINT", "WA_WEBHOOK_TIMEOUT",
                 "WA_WEBHOOK_RETRIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def plugin(emulator):
    """The plugin, configured as the engine does: the emulator's endpoint, KEY_1 as secret."""
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1), retries=0.0)
        yield served


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
    assert plain(answer.properties) == {"fromNumber": ACCOUNT_1, "url": UNKNOWN}
    assert emulator.requests() == []
