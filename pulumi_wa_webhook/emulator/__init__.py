"""A local emulator of the 99digital WhatsApp webhook API, for demos, tests and CI.

``EmulatorBackend`` holds the state (and ``Deliveries``, which POST incoming messages to the
accounts' webhook URLs with ``requests``), ``EmulatorServer`` serves it over HTTP,
``running_emulator`` runs one in-process for tests; ``python -m pulumi_wa_webhook.emulator``
runs one from the command line.
"""

from .backend import EmulatorBackend
from .server import EmulatorServer
from .testing import Emulator, running_emulator

__all__ = ["Emulator", "EmulatorBackend", "EmulatorServer", "running_emulator"]
