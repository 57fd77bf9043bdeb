"""How an MJX section of an older profile is brought up to date (:attr:`profiler.kinds.facts.KindFacts.section_upgrades`)."""

from __future__ import annotations

from typing import Any


def v1_to_v2(section: dict[str, Any]) -> None:
    """v2 keeps an MJX sweep's grid only in ``sweep_settings`` (v1 also had ``requested_num_envs``)."""
    if "requested_num_envs" in section:
        grid = section.pop("requested_num_envs")
        settings = section.setdefault("sweep_settings", {})
        if isinstance(settings, dict) and grid:
            settings.setdefault("num_envs", grid)
