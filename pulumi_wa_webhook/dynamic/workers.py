"""Lift the Pulumi SDK's 4-call ceiling on dynamic providers, inside their provider process.

The SDK serves every dynamic provider from `python -m pulumi.dynamic`, whose `main()` builds
its gRPC server on `futures.ThreadPoolExecutor(max_workers=4)`, a hard-coded limit (the same
in SDK 3.216 and 3.272):
https://github.com/pulumi/pulumi/blob/v3.272.0/sdk/python/lib/pulumi/dynamic/__main__.py#L267-L271
So at most 4 engine calls (creates, updates, reads, deletes) run at once, whatever the
engine's --parallel. The executor starts a new worker thread on a submit only while it has
fewer than its `_max_workers`, so raising that number (and starting threads for the calls
already waiting) lets the server run more calls at once.

What this depends on, each checked before anything is changed:

- the process runs the SDK's dynamic server: `__main__` is the module `pulumi.dynamic.__main__`
  (so a user's program process is never touched);
- the caller runs on a worker thread of the standard library's `ThreadPoolExecutor` (the
  server runs every engine call on one; the provider's `configure` is called from one): the
  thread's target is `concurrent.futures.thread._worker` and its first argument a weak
  reference to the executor (CPython 3.10 to 3.13, as `make test-compat` checks; 3.14 keeps
  that first argument);
- that executor is exactly a `ThreadPoolExecutor` (not a subclass that may manage its threads
  otherwise) with an integer `_max_workers` and a `_work_queue` of waiting calls.

Should any of these not hold (a new SDK serving differently, another interpreter), nothing
is changed and no error is raised: the server keeps its 4 workers and every call still runs,
4 at a time, as before. The workers serve every dynamic provider of the deployment, which the
SDK already runs on 4 threads at once; API calls stay bounded by `client.in_flight_limit`.
"""

from __future__ import annotations

import sys
import threading
import weakref
from concurrent.futures import thread as executor_threads
from typing import Optional

#: The module the SDK's dynamic provider process runs as `__main__`.
SDK_SERVER_MODULE = "pulumi.dynamic.__main__"
#: The SDK's hard-coded worker count, kept when the server cannot be widened.
SDK_WORKERS = 4

_lock = threading.Lock()


def raise_worker_limit(workers: int) -> bool:
    """Let the SDK's dynamic provider server run up to `workers` engine calls at once.

    Call it from a method the server runs (e.g. the provider's `configure`). Returns True if
    the server's executor now allows at least `workers` threads, False if it was left as it
    is (not the SDK's server, or it no longer looks as expected). Never raises, never lowers.
    """
    try:
        executor = _server_executor()
        if executor is None:
            return False
        with _lock:
            current = executor._max_workers
            if not isinstance(current, int):
                return False
            if workers > current:
                waiting = executor._work_queue.qsize()
                executor._max_workers = workers
                # The executor starts a thread only when a call is submitted: calls that came
                # in while the 4 threads were busy (a refresh or destroy sends them all at
                # once) would wait for those 4. Each submit starts one more thread while
                # none is idle, so start one for each call already waiting.
                for _ in range(min(waiting, workers - current)):
                    executor.submit(_nothing)
        return True
    except Exception:  # noqa: BLE001 - any surprise means: keep the SDK's own limit
        return False


def _nothing() -> None:
    """A task whose submission starts a worker thread."""


def _server_executor() -> Optional[executor_threads.ThreadPoolExecutor]:
    """The executor whose worker runs this call in the SDK's dynamic server, else None."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) != SDK_SERVER_MODULE:
        return None  # not the SDK's dynamic provider process (e.g. the user's program)
    thread = threading.current_thread()
    if getattr(thread, "_target", None) is not getattr(executor_threads, "_worker", None):
        return None
    args = getattr(thread, "_args", None)
    if not isinstance(args, tuple) or not args or not isinstance(args[0], weakref.ref):
        return None
    executor = args[0]()
    if type(executor) is not executor_threads.ThreadPoolExecutor:  # where the class is defined
        return None
    return executor
