"""The workload kinds advisor can measure, one subpackage each.

Every subpackage ``profiler/kinds/<name>/`` owns what its kind needs on the measuring side: its
profile section schema (``schema.py``, which names the section class as ``SECTION``), its sweep
plan and its measuring child. Kinds are found by looking at the subpackages, so adding a kind
adds a folder here and nothing else in this package. Importing a schema is cheap: heavy
frameworks (jax, ray, torch) are imported only inside measuring children.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any

#: Profile fields; a kind's section is stored under its name beside them, so no kind may take one.
RESERVED = frozenset({"name", "source", "created", "hardware", "software", "sections", "notes", "schema_version"})


@lru_cache(maxsize=None)
def section_types() -> dict[str, type]:
    """Kind name -> its section dataclass, for every kind subpackage that has a schema."""
    found: dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        schema = importlib.import_module(f"{__name__}.{info.name}.schema")
        if info.name in RESERVED:
            raise RuntimeError(f"workload kind {info.name!r} would clash with the profile field of that name")
        found[info.name] = schema.SECTION
    return found


def known_kinds() -> tuple[str, ...]:
    return tuple(section_types())


def order_sections(sections: dict[str, Any]) -> dict[str, Any]:
    """``sections`` in the order of :func:`known_kinds` (stable output whatever the input order)."""
    order = {kind: i for i, kind in enumerate(known_kinds())}
    return dict(sorted(sections.items(), key=lambda item: order.get(item[0], len(order))))
