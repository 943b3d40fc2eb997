"""The dynamic face: `Webhook` for Python programs, served by the Python SDK's dynamic
provider (`provider`), with nothing to install beyond the package. The default Python path."""

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .resource import Webhook

# The resource imports the Pulumi SDK; the provider process imports `provider` alone.
__getattr__ = lazy_names(__name__, {"Webhook": "resource"})

__all__ = ["Webhook"]
