"""The Profile: what advisor measured (or imported) about one machine, as frozen dataclasses.

A profile holds the machine's fingerprint and one section per workload kind, keyed by the kind's
name (``mjx``, ``rllib``, ...). Each kind's section schema lives in its own folder under
:mod:`profiler.kinds`; this module knows none of them. In JSON each section is the value of a
top-level key named after its kind, ``null`` for a kind the profile has not measured (a file
written before a kind existed simply lacks its key, and means the same).

Units are in the field names: ``*_sps`` and ``*_per_s`` are env steps per second, ``*_bytes``
are bytes, ``*_s`` are seconds. Derived values are properties, never stored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from profiler.checks import positive as _positive
from profiler.race.schema import Race

__all__ = ["SCHEMA_VERSION", "Hardware", "Accelerator", "Profile"]

#: 3: profiles may hold ``races`` (``advisor race``); older advisors refuse them rather than drop them
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Hardware:
    """Fingerprint of the machine a profile was measured on. ``None`` means not known."""

    gpu_name: str | None = None
    gpu_memory_bytes: int | None = None
    gpu_driver: str | None = None
    gpu_count: int = 0
    cpu_model: str | None = None
    cpu_physical_cores: int | None = None
    cpu_logical_cores: int | None = None
    ram_bytes: int | None = None

    @property
    def summary(self) -> str:
        parts = []
        if self.gpu_name:
            parts.append(self.gpu_name)
        if self.cpu_model or self.cpu_logical_cores:
            cores = f"{self.cpu_logical_cores} threads" if self.cpu_logical_cores else ""
            parts.append(" ".join(p for p in (self.cpu_model or "CPU", cores) if p))
        return ", ".join(parts) or "unknown hardware"


@dataclass(frozen=True)
class Accelerator:
    """The device a workload ran on: ``platform`` is ``gpu`` or ``cpu``; ``memory_bytes`` is its
    capacity (GPU memory, or host RAM for the CPU backend), ``None`` when unknown."""

    platform: str
    name: str
    memory_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.platform not in ("gpu", "cpu", "tpu"):
            raise ValueError(f"platform must be gpu, cpu or tpu, got {self.platform!r}")
        _positive("memory_bytes", self.memory_bytes)


@dataclass(frozen=True)
class Profile:
    """Everything measured on one machine. ``source`` is ``calibrated``, ``imported`` or
    ``shipped``; ``sections`` maps a workload kind's name to its section (see
    :mod:`profiler.kinds`)."""

    name: str
    source: str = "calibrated"
    created: str = ""
    hardware: Hardware = field(default_factory=Hardware)
    software: dict[str, str] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    schema_version: int = SCHEMA_VERSION
    races: tuple[Race, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a profile needs a name")
        if self.source not in ("calibrated", "imported", "shipped"):
            raise ValueError(f"source must be calibrated, imported or shipped, got {self.source!r}")
        from profiler.kinds import order_sections  # the registry of kinds; its schemas import this module

        object.__setattr__(self, "sections", order_sections(dict(self.sections)))

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds this profile has measurements of, in the order they are stored."""
        return tuple(self.sections)

    def section(self, kind: str) -> Any | None:
        """The section of workload kind ``kind``, or ``None`` when the profile has none."""
        return self.sections.get(kind)

    def __jsonable__(self) -> dict[str, Any]:
        """The JSON form: the fields in order, with each known kind's section (or ``null``) at a
        top-level key named after the kind, where ``sections`` stands."""
        from profiler.kinds import known_kinds
        from profiler.serde import to_jsonable

        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "races" and not self.races:  # only when there are some: older files keep their JSON
                continue
            if f.name != "sections":
                data[f.name] = to_jsonable(getattr(self, f.name))
                continue
            for kind in dict.fromkeys(known_kinds() + tuple(self.sections)):
                data[kind] = to_jsonable(self.sections.get(kind))
        return data

    def with_race(self, race: Race) -> Profile:
        """A copy with ``race`` stored, replacing the race of the same kind and name (races are
        named by ``advisor race --race``; one unnamed race per kind)."""
        kept = tuple(r for r in self.races if (r.kind, r.name) != (race.kind, race.name))
        return dataclasses.replace(self, races=kept + (race,))

    def race(self, kind: str, name: str = "") -> Race | None:
        """The stored race of ``kind`` called ``name``, if any."""
        return next((r for r in self.races if (r.kind, r.name) == (kind, name)), None)

    def with_section(self, kind: str, section: Any) -> Profile:
        """A copy with ``kind``'s section replaced (or added); every other section is kept."""
        return dataclasses.replace(self, sections={**self.sections, kind: section})
