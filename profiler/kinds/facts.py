"""What a workload kind declares about itself on the measuring side, for the shared modules that
ask every kind (:func:`profiler.kinds.facts_by_kind`): the optional extra of advisor's
distribution that installs its frameworks and the versions of them advisor is tested with
(:mod:`profiler.extras`, :mod:`profiler.known_good`), how an older profile's section of the kind
is brought up to date (:mod:`profiler.store`) and the checks ``advisor doctor`` runs for it
(:mod:`profiler.diagnose`). Each ``profiler/kinds/<name>/__init__.py`` names its facts ``FACTS``;
declaring them imports nothing heavy."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Extra:
    """An optional extra of advisor's distribution (``pip install 'rl-throughput-advisor[name]'``):
    ``enables`` what it is for, ``modules`` the top-level modules it installs that advisor imports,
    ``known_good`` the version of each of its packages advisor is tested with (in the order
    ``advisor doctor`` lists them) and ``requires`` what the extra needs beyond advisor's own
    requirements (``"Python >= 3.11"``; empty: nothing)."""

    name: str
    enables: str
    modules: tuple[str, ...]
    known_good: Mapping[str, str] = field(default_factory=dict)
    requires: str = ""


@dataclass(frozen=True)
class KindFacts:
    """One kind's facts. ``rank`` orders the kinds where the shared modules list them (lower
    first); ``extra`` installs what its calibration imports (``None``: the core install does);
    ``section_upgrades`` maps a profile schema version to a function that changes the kind's
    section (a parsed JSON object, in place) from that version to the next; ``doctor_checks`` are
    ``"package.module:function"`` references to functions taking nothing and returning a
    :class:`profiler.diagnose.Check`, imported only when ``advisor doctor`` runs."""

    rank: int
    extra: Extra | None = None
    section_upgrades: Mapping[int, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    doctor_checks: tuple[str, ...] = ()


def resolve(reference: str) -> Any:
    """The object ``"package.module:attr"`` names, importing its module now."""
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)
