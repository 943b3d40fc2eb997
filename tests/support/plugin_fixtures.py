"""Fixtures shared by the tests that call the native plugin over gRPC in-process (loaded by
`tests/conftest.py` through `pytest_plugins`)."""

from __future__ import annotations

from typing import Iterator

import pytest
from plugin_client import Plugin, running_plugin, secret
from webhook_programs import KEY_1


@pytest.fixture
def plugin(emulator, no_config_env) -> Iterator[Plugin]:
    """A new plugin process (a deployment of its own), configured as the engine does: the
    emulator's endpoint, KEY_1 as a secret, no retries."""
    with running_plugin() as served:
        served.configure(endpoint=emulator.base_url, apiKey=secret(KEY_1), retries=0.0)
        yield served
