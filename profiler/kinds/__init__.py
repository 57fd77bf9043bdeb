"""The workload kinds advisor can measure, one subpackage each.

Every subpackage ``profiler/kinds/<name>/`` owns what its kind needs on the measuring side: its
profile section schema (``schema.py``, which names the section class as ``SECTION``), its sweep
plan and its measuring child, and in its ``__init__.py`` what the shared modules ask of it
(``FACTS``, a :class:`profiler.kinds.facts.KindFacts`: its extra, known-good versions, section
upgrades and doctor checks). Kinds are found by looking at the subpackages, so adding a kind
adds a folder here and nothing else in this package. Importing a schema is cheap: heavy
frameworks (jax, ray, torch) are imported only inside measuring children.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any

from profiler.kinds.facts import KindFacts

#: Profile fields; a kind's section is stored under its name beside them, so no kind may take one.
RESERVED = frozenset({"name", "source", "created", "hardware", "software", "sections", "notes", "schema_version"})


def _kind_packages() -> list[str]:
    """The names of the kind subpackages, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if info.ispkg)


@lru_cache(maxsize=None)
def facts_by_kind() -> dict[str, KindFacts]:
    """Kind name -> its declared facts (the package's ``FACTS``), in the order of their ``rank``."""
    found = {name: importlib.import_module(f"{__name__}.{name}").FACTS for name in _kind_packages()}
    return dict(sorted(found.items(), key=lambda item: item[1].rank))


@lru_cache(maxsize=None)
def section_types() -> dict[str, type]:
    """Kind name -> its section dataclass, for every kind subpackage that has a schema."""
    found: dict[str, type] = {}
    for name in _kind_packages():
        schema = importlib.import_module(f"{__name__}.{name}.schema")
        if name in RESERVED:
            raise RuntimeError(f"workload kind {name!r} would clash with the profile field of that name")
        found[name] = schema.SECTION
    return found


def known_kinds() -> tuple[str, ...]:
    return tuple(section_types())


def order_sections(sections: dict[str, Any]) -> dict[str, Any]:
    """``sections`` in the order of :func:`known_kinds` (stable output whatever the input order)."""
    order = {kind: i for i, kind in enumerate(known_kinds())}
    return dict(sorted(sections.items(), key=lambda item: order.get(item[0], len(order))))
