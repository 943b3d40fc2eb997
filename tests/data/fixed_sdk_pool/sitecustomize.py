"""Makes the dynamic provider process look like an SDK that serves on another executor class.

Put on PYTHONPATH by tests/engine/test_dynamic_concurrency.py: every `ThreadPoolExecutor` made after
start-up, the SDK's dynamic server's included, is a subclass of the standard one that behaves
exactly the same. `pulumi_wa_webhook.dynamic.workers` widens only the standard class itself,
so it must leave this server at the SDK's 4 workers, silently, with every result unchanged.
"""

import concurrent.futures
from concurrent.futures import thread


class OtherServerPool(thread.ThreadPoolExecutor):
    """The standard thread pool under another class, as a changed SDK might build it."""


concurrent.futures.ThreadPoolExecutor = OtherServerPool  # type: ignore[misc]
