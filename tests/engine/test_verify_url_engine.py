"""`verify_url` through the real engine: a dead URL fails `up` and nothing is written, preview
never calls the receiver, a secret URL never appears in clear."""

from __future__ import annotations

import json
import textwrap

import pytest
from receivers import closed_port
from webhook_programs import ACCOUNT_1, CLEARED, KEY_1, stored, webhook_program

from pulumi_wa_webhook.delivery import TEST_BODY

# --- through the real engine ----------------------------------------------------------------


@pytest.fixture
def verify_stack(make_stack, emulator):
    def factory(program):
        return make_stack(program,
                          config={"wa-webhook:endpoint": emulator.base_url,
                                  "wa-webhook:retries": "0"},
                          secrets={"wa-webhook:apiKey": KEY_1})

    return factory


def test_a_dead_url_fails_up_and_nothing_is_written(verify_stack, emulator):
    port = closed_port()
    stack = verify_stack(webhook_program(
        {"name": "support", "from_number": ACCOUNT_1, "url": f"http://127.0.0.1:{port}/wa",
         "verify_url": True}))
    stack.preview()
    emulator.clear_requests()
    failed = stack.up(check=False)
    assert failed.code != 0
    assert f"webhook URL http://127.0.0.1:{port}/… is not reachable" in failed.output
    assert f"refused: connection refused by 127.0.0.1:{port}" in failed.output
    assert "nothing was written" in failed.output
    assert emulator.requests() == [] and stored(emulator) == CLEARED  # no read, no write
    assert stack.resources("wa-webhook:Webhook") == []
    assert KEY_1 not in stack.all_output()


def test_a_live_url_passes_and_preview_never_calls_the_receiver(verify_stack, emulator,
                                                                make_receiver):
    receiver = make_receiver(statuses=[200, 404])
    hook = {"name": "support", "from_number": ACCOUNT_1, "url": receiver.url("/wa"),
            "verify_url": True}
    stack = verify_stack(webhook_program(hook))
    stack.preview()
    assert receiver.received == [] and emulator.requests() == []

    stack.up()
    assert [(r.path, r.body) for r in receiver.received] == [("/wa", dict(TEST_BODY))]
    assert emulator.count("setWebhook") == 1 and stored(emulator)["url"] == receiver.url("/wa")
    [resource] = stack.resources("wa-webhook:Webhook")
    # A flag for the provider, not a setting: kept in the outputs only so that a refresh
    # (which sees only the outputs) stores the inputs as the program gives them.
    assert resource["outputs"]["verify_url"] is True
    assert resource["inputs"]["verify_url"] is True

    # An update that keeps the URL checks nothing.
    stack.write_program(webhook_program(dict(hook, retry=True)))
    stack.up()
    assert len(receiver.received) == 1 and stored(emulator)["retry"] == 1

    # A new URL that answers 404: the update fails, the account keeps the old URL.
    stack.write_program(webhook_program(dict(hook, url=receiver.url("/gone"))))
    emulator.clear_requests()
    stack.preview()
    assert len(receiver.received) == 1 and emulator.requests() == []
    failed = stack.up(check=False)
    assert failed.code != 0 and "HTTP 404" in failed.output
    assert [r.path for r in receiver.received] == ["/wa", "/gone"]
    assert emulator.count("setWebhook") == 0 and stored(emulator)["url"] == receiver.url("/wa")


SECRET_URL_PROGRAM = """\
import pulumi
from pulumi_wa_webhook import Webhook

hook = Webhook("support", from_number="{account}", verify_url=True,
               url=pulumi.Output.secret("{url}"))
pulumi.export("support_url", hook.url)
"""


def test_a_secret_url_never_appears_in_clear(verify_stack, emulator, make_receiver):
    receiver = make_receiver(statuses=[200, 404])
    first = receiver.url("/hooks/first-token-71c4?sig=first-sig-e5d2")
    second = receiver.url("/hooks/second-token-09ab?sig=second-sig-77f3")
    stack = verify_stack(SECRET_URL_PROGRAM.format(account=ACCOUNT_1, url=first))
    stack.preview()
    stack.up("--debug")
    assert stored(emulator)["url"] == first  # the secret URL reached the account
    stack.write_program(SECRET_URL_PROGRAM.format(account=ACCOUNT_1, url=second))
    stack.preview("--debug")
    failed = stack.up("--debug", check=False)
    assert failed.code != 0 and "HTTP 404" in failed.output
    assert [r.path for r in receiver.received] == [
        "/hooks/first-token-71c4?sig=first-sig-e5d2",
        "/hooks/second-token-09ab?sig=second-sig-77f3",
    ]  # both were really checked
    assert stack.outputs()["support_url"] == "[secret]"
    state = stack.export()
    [resource] = [r for r in state["deployment"]["resources"] if r.get("id") == ACCOUNT_1]
    assert resource["outputs"]["url"]["ciphertext"] and resource["inputs"]["url"]["ciphertext"]

    searched = stack.all_output() + json.dumps(state)
    assert len(searched) > 10_000
    for fragment in ("first-token-71c4", "first-sig-e5d2", "second-token-09ab", "second-sig"):
        assert fragment not in searched, textwrap.shorten(fragment, 40)
