"""Names a package exports but loads only when a program uses them (PEP 562)."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict


def lazy_names(package: str, modules: Dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports each name in `modules` (name ->
    submodule, relative to the package) on first use."""

    def __getattr__(name: str) -> Any:
        if name in modules:
            return getattr(importlib.import_module(f".{modules[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
