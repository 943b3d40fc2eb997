"""The bound on API calls in flight (`wa-webhook:maxConcurrency`), the dynamic server's
widening (`dynamic.workers`) and the emulator's in-flight figure, without the engine.

The engine tests are in tests/engine/test_dynamic_concurrency.py.
"""

from __future__ import annotations

import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from pulumi_wa_webhook import config
from pulumi_wa_webhook.client import WebhookClient, in_flight_limit
from pulumi_wa_webhook.config import ClientOptions
from pulumi_wa_webhook.dynamic import workers as dynamic_workers
from pulumi_wa_webhook.emulator.testing import Emulator
from pulumi_wa_webhook.errors import ConfigurationError

pytest_plugins = ["pulumi_wa_webhook.emulator.testing"]
#: Also run by `make test-compat`: the standard library's executor on Python 3.10 and 3.13.
pytestmark = [pytest.mark.compat, pytest.mark.usefixtures("no_config_env")]

ACCOUNT = "972500000001"
KEY = "test-key-1"
BAD = ["0", "-3", "4.5", "1e3", "many", "257", "inf"]


# -- configuration -------------------------------------------------------------------------


def test_default_bound():
    assert config.load({}).options.max_concurrency == config.DEFAULT_MAX_CONCURRENCY == 16


@pytest.mark.parametrize("value", ["1", " 64 ", 256, "16"])
def test_bounds_are_read_from_stack_config(value):
    assert config.load({config.MAX_CONCURRENCY_CONFIG: value}).options.max_concurrency == int(
        value)


def test_stack_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(config.MAX_CONCURRENCY_ENV, "many")  # not even looked at
    assert config.load({config.MAX_CONCURRENCY_CONFIG: "8"}).options.max_concurrency == 8
    monkeypatch.setenv(config.MAX_CONCURRENCY_ENV, "32")
    assert config.load({}).options.max_concurrency == 32


@pytest.mark.parametrize("value", BAD)
def test_bad_bounds_name_their_source(value, monkeypatch):
    with pytest.raises(ConfigurationError) as caught:
        config.load({config.MAX_CONCURRENCY_CONFIG: value})
    assert str(caught.value) == (
        f"wa-webhook:maxConcurrency must be a whole number from 1 to 256, got {value!r}")
    monkeypatch.setenv(config.MAX_CONCURRENCY_ENV, value)
    with pytest.raises(ConfigurationError, match="^environment variable "
                       "WA_WEBHOOK_MAX_CONCURRENCY must be a whole number from 1 to 256"):
        config.load({})


# -- the client's gate ---------------------------------------------------------------------


def test_one_gate_per_bound_for_the_whole_process():
    assert in_flight_limit(7) is in_flight_limit(7)
    assert in_flight_limit(7) is not in_flight_limit(8)


def test_clients_keep_at_most_the_bound_in_flight_together(emulator: Emulator):
    """Two clients (two keys) share one bound: 12 slow calls from 12 threads, 3 at a time."""
    emulator.add_account("972500000002", "test-key-2")
    options = ClientOptions(endpoint=emulator.base_url, retries=0, max_concurrency=3)
    clients = [WebhookClient(KEY, options), WebhookClient("test-key-2", options)]
    accounts = [ACCOUNT, "972500000002"]
    emulator.add_fault("getWebhook", times=12, delay=0.5)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda i: clients[i % 2].get_webhook(accounts[i % 2]), range(12)))
    assert emulator.count("getWebhook") == 12
    assert emulator.peak_in_flight == 3  # the pool ran 12 at once; the bound let 3 through


# -- dynamic_workers -----------------------------------------------------------------------


@pytest.fixture
def sdk_server_process(monkeypatch):
    """Make this process look like the SDK's dynamic provider process (`__main__`)."""
    main = types.ModuleType("__main__")
    main.__spec__ = types.SimpleNamespace(name=dynamic_workers.SDK_SERVER_MODULE)  # type: ignore[assignment]
    monkeypatch.setitem(sys.modules, "__main__", main)


def together(pool: ThreadPoolExecutor, count: int) -> None:
    """Submit `count` tasks that each wait for all the others; BrokenBarrierError if the
    pool cannot run them all at once."""
    barrier = threading.Barrier(count, timeout=10)
    for future in [pool.submit(barrier.wait) for _ in range(count)]:
        future.result()


def test_the_sdk_servers_pool_is_widened_from_one_of_its_calls(sdk_server_process):
    with ThreadPoolExecutor(max_workers=dynamic_workers.SDK_WORKERS) as pool:
        assert pool.submit(dynamic_workers.raise_worker_limit, 9).result() is True
        assert pool._max_workers == 9
        together(pool, 9)
        # Never lowered: a smaller bound is the client's gate's job.
        assert pool.submit(dynamic_workers.raise_worker_limit, 2).result() is True
        assert pool._max_workers == 9


def test_calls_already_waiting_get_threads_of_their_own(sdk_server_process):
    """A refresh sends every read at once: 5 of these 9 wait in the queue when the first one
    widens the pool, and must not wait for the 4 busy threads."""
    barrier = threading.Barrier(9, timeout=30)

    def call() -> int:
        dynamic_workers.raise_worker_limit(9)
        return barrier.wait()  # all 9 only get here if none waits for a busy thread

    with ThreadPoolExecutor(max_workers=dynamic_workers.SDK_WORKERS) as pool:
        futures = [pool.submit(call) for _ in range(9)]
        failures = [future.exception() for future in futures]  # waits for each
        assert pool._max_workers == 9
    assert failures == [None] * 9, failures  # a BrokenBarrierError: a call had to wait
    assert sorted(future.result() for future in futures) == list(range(9))


def test_the_users_program_process_is_left_alone():
    """Here `__main__` is pytest, as in a program process it is the program: no change."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert pool.submit(dynamic_workers.raise_worker_limit, 9).result() is False
        assert pool._max_workers == 4


def test_outside_a_worker_thread_nothing_changes(sdk_server_process):
    assert dynamic_workers.raise_worker_limit(9) is False


@pytest.mark.parametrize("attribute, changed", [("_max_workers", "4"),
                                                ("_work_queue", None)])
def test_an_executor_that_no_longer_looks_as_expected_is_left_alone(sdk_server_process,
                                                                   attribute, changed):
    with ThreadPoolExecutor(max_workers=4) as pool:

        def widen_while_changed() -> bool:
            kept = getattr(pool, attribute)
            setattr(pool, attribute, changed)
            try:
                return dynamic_workers.raise_worker_limit(9)
            finally:
                setattr(pool, attribute, kept)

        assert pool.submit(widen_while_changed).result() is False
        assert pool._max_workers == 4


def test_an_executor_of_another_class_is_left_alone(sdk_server_process):
    class OtherPool(ThreadPoolExecutor):
        pass

    with OtherPool(max_workers=4) as pool:
        assert pool.submit(dynamic_workers.raise_worker_limit, 9).result() is False
        assert pool._max_workers == 4


# -- the emulator's in-flight figure --------------------------------------------------------


def _slow_gets(emulator: Emulator, count: int) -> None:
    emulator.add_fault("getWebhook", times=count, delay=1.0)
    barrier = threading.Barrier(count)

    def get() -> None:
        barrier.wait()
        requests.post(f"{emulator.base_url}/getWebhook", json={"apiKey": KEY, "from": ACCOUNT},
                      timeout=30)

    threads = [threading.Thread(target=get) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_stats_show_the_most_requests_in_flight(emulator: Emulator):
    stats = f"{emulator.root_url}/_emulator/stats"
    assert requests.get(stats, timeout=5).json() == {"inFlight": 0, "peakInFlight": 0}
    _slow_gets(emulator, 5)
    assert requests.get(stats, timeout=5).json() == {"inFlight": 0, "peakInFlight": 5}
    assert emulator.peak_in_flight == 5
    requests.get(f"{emulator.root_url}/_emulator/requests", timeout=5)  # admin: not counted
    assert requests.delete(stats, timeout=5).json() == {"inFlight": 0, "peakInFlight": 5}
    assert requests.get(stats, timeout=5).json() == {"inFlight": 0, "peakInFlight": 0}
    _slow_gets(emulator, 2)
    assert emulator.peak_in_flight == 2
    emulator.reset_peak_in_flight()
    assert emulator.peak_in_flight == 0
    assert requests.post(stats, timeout=5).status_code == 405
