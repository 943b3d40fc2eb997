"""`verify_url`: the core check against real receivers (through the engine:
tests/engine/test_verify_url_engine.py)."""

from __future__ import annotations

import pytest
from receivers import closed_port

from pulumi_wa_webhook.delivery import TEST_BODY, verify_url
from pulumi_wa_webhook.errors import UnreachableUrlError

SECRET_PATH = "/hooks/tok-9f8e7d6c5b4a?sig=s3cr3t-q"


@pytest.mark.parametrize("status", [200, 202, 204, 301, 400, 401, 403, 405])
def test_any_answer_but_404_410_5xx_is_reachable(make_receiver, status):
    receiver = make_receiver(statuses=[status])
    verify_url(receiver.url("/hook"))
    [got] = receiver.received
    assert got.body == dict(TEST_BODY) and got.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [404, 410, 500, 502, 503])
def test_dead_answers_fail_naming_the_url_and_status_but_not_the_path(make_receiver, status):
    receiver = make_receiver(statuses=[status])
    with pytest.raises(UnreachableUrlError) as caught:
        verify_url(receiver.url(SECRET_PATH))
    message = str(caught.value)
    assert f"http://127.0.0.1:{receiver.port}/…" in message and f"HTTP {status}" in message
    assert "tok-9f8e7d6c5b4a" not in message and "s3cr3t" not in message
    assert caught.value.cause == f"HTTP {status}"


def test_unreachable_urls_fail_naming_the_cause(make_receiver, self_signed_receiver):
    port = closed_port()
    slow = make_receiver(delay=1.0)
    cases = {
        f"http://127.0.0.1:{port}{SECRET_PATH}": f"refused: connection refused by 127.0.0.1:{port}",
        f"http://hooks.invalid{SECRET_PATH}": "DNS: cannot resolve host 'hooks.invalid'",
        self_signed_receiver + SECRET_PATH: "TLS: handshake with 127.0.0.1:",
        slow.url(SECRET_PATH): "timeout: no answer from 127.0.0.1:",
    }
    for url, cause in cases.items():
        with pytest.raises(UnreachableUrlError) as caught:
            verify_url(url, timeout=0.3)  # the provider always uses the documented 5 s
        assert caught.value.cause.startswith(cause), (url, caught.value.cause)
        assert "tok-9f8e7d6c5b4a" not in str(caught.value) and "s3cr3t" not in str(caught.value)


# --- through the real engine ----------------------------------------------------------------
