"""The dynamic face: `Webhook` for Python programs, served by the Python SDK's dynamic
provider (`provider`), with nothing to install beyond the package. The default Python path."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .resource import Webhook


def __getattr__(name: str) -> Any:
    # The resource imports the Pulumi SDK; the provider process imports `provider` alone.
    if name == "Webhook":
        from .resource import Webhook

        return Webhook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Webhook"]
