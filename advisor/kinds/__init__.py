"""The registry of workload kinds: one line per kind. Every generic command dispatches through
it (see :mod:`advisor.workload`); adding a kind adds its folders and one line here."""

from __future__ import annotations

import importlib
from typing import Any

from advisor.errors import BadInput
from advisor.workload import WorkloadKind

#: The kinds, one line each, in the order commands list them; the first is the default ``--kind``.
#: Each names a subpackage of this package whose ``KIND`` is its :class:`WorkloadKind`.
NAMES = (
    "mjx",
    "rllib",
    "command",
    "brax",
)

#: kind name -> kind
REGISTRY: dict[str, WorkloadKind] = {name: importlib.import_module(f"{__name__}.{name}").KIND for name in NAMES}


def kinds() -> tuple[WorkloadKind, ...]:
    return tuple(REGISTRY.values())


def by_report_rank() -> tuple[WorkloadKind, ...]:
    """The kinds in the order reports and dashboards show them."""
    return tuple(sorted(REGISTRY.values(), key=lambda kind: kind.report_rank))


def in_profile(profile, among=None) -> list[WorkloadKind]:
    """The kinds (of ``among``, default all, in registry order) whose section ``profile`` holds."""
    return [kind for kind in (REGISTRY.values() if among is None else among) if profile.section(kind.name) is not None]


def racing() -> tuple[WorkloadKind, ...]:
    """The kinds ``advisor race`` races (those with a ``race_module``), in registry order."""
    return tuple(kind for kind in REGISTRY.values() if kind.race_module)


def race_kind(name: str | None, command_given: bool, profile: Any) -> WorkloadKind:
    """The kind ``advisor race`` races: ``--kind`` where given; else, with a command after ``--``, the
    kind that races commands; else the one racing kind the profile holds a calibration of."""
    if name is not None:
        return get(name)
    if command_given:
        return next(kind for kind in racing() if kind.race_takes_command)
    held = [kind for kind in racing() if not kind.race_takes_command and profile is not None
            and profile.section(kind.name) is not None]
    if len(held) == 1:
        return held[0]
    choices = " or ".join(kind.name for kind in racing())
    raise BadInput(f"nothing to race: give your training command after -- (e.g. -- python train.py --num-envs "
                   f"{{num_envs}} --seed {{seed}}), or --kind {choices} with --name of a profile that calibrated it")


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def default_kind() -> WorkloadKind:
    return next(iter(REGISTRY.values()))


def get(name: str, option: str = "--kind") -> WorkloadKind:
    """The kind called ``name``; an unknown name is bad input naming the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise BadInput(f"{option} {name!r} is unknown; use {' or '.join(REGISTRY)}") from None
