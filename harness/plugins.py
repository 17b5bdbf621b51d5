"""Users' own workloads and checks, named in a scenario by import path (`package.module:NAME`).

Registries are dicts of the built-in names that also resolve import paths on lookup, so
the scenario loader validates a user's `examples.money_transfer.workload:TRANSFER` exactly
like `order_saga` (a typo is reported with its file and line), and worker processes
resolve the same name the same way.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


def is_import_path(name: object) -> bool:
    return isinstance(name, str) and ":" in name and not name.startswith(":")


def import_object(path: str) -> Any:
    """Import `module:attr`; like `python -m`, the current directory is importable."""
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class PluggableRegistry(dict[str, V], Generic[V]):
    """A name -> entry dict whose lookups also accept `module:attr` import paths."""

    def __init__(self, entries: dict[str, V], convert: Callable[[str, Any], V]) -> None:
        super().__init__(entries)
        self._convert = convert
        # Why an import path did not resolve: the real cause (the ImportError's message, a
        # missing attribute, an object of the wrong kind), for the loader's error line.
        self.errors: dict[str, str] = {}

    def _resolve(self, key: object) -> bool:
        if not is_import_path(key) or dict.__contains__(self, key):
            return dict.__contains__(self, key)
        module = str(key).partition(":")[0]
        try:
            value = self._convert(str(key), import_object(str(key)))
        except ImportError as err:
            self.errors[str(key)] = f"cannot import module {module!r}: {err}"
            return False
        except AttributeError as err:
            self.errors[str(key)] = f"module {module!r} has no such object: {err}"
            return False
        except (TypeError, ValueError) as err:
            self.errors[str(key)] = str(err)
            return False
        except Exception as err:  # noqa: BLE001 - a user module that fails while importing
            self.errors[str(key)] = f"importing {module!r} failed: {type(err).__name__}: {err}"
            return False
        dict.__setitem__(self, str(key), value)
        return True

    def __contains__(self, key: object) -> bool:
        return self._resolve(key)

    def __getitem__(self, key: str) -> V:
        self._resolve(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[key] if self._resolve(key) else default


def why_unresolved(registry: object, key: object) -> str | None:
    """The recorded reason an import path did not resolve in a registry, if any."""
    errors = getattr(registry, "errors", None)
    return errors.get(str(key)) if isinstance(errors, dict) else None
