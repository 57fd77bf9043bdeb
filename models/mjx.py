"""Fit everything the recommender needs from an MJX profile section (pure: no I/O)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from models.memory import PeakMemoryModel
from models.throughput import TrainThroughputModel
from profiler.profile import MjxSection


@dataclass(frozen=True)
class MjxCurves:
    """Fitted curves of one MJX section. A model is ``None`` when the data cannot support it;
    ``notes`` then says why."""

    section: MjxSection
    throughput: TrainThroughputModel | None
    memory: PeakMemoryModel | None
    compile_s: float | None
    notes: tuple[str, ...]

    @property
    def num_steps(self) -> int:
        return self.section.workload.num_steps

    @property
    def measured_num_envs(self) -> tuple[int, ...]:
        return tuple(p.num_envs for p in self.section.ok_points)

    @property
    def capacity_bytes(self) -> int | None:
        return self.section.accelerator.memory_bytes


def fit_mjx(section: MjxSection) -> MjxCurves:
    """Fit throughput and memory curves to the section's successful points."""
    ok = section.ok_points
    notes: list[str] = []
    throughput = memory = None
    n = np.array([p.num_envs for p in ok], dtype=float)
    if np.unique(n).size >= 2:
        throughput = TrainThroughputModel(num_steps=section.workload.num_steps).fit(
            n, [p.train_sps for p in ok], y_samples=[p.train_sps_samples for p in ok])
    else:
        notes.append(f"throughput needs two or more measured num_envs; this profile has {len(ok)}")
    with_memory = [p for p in ok if p.peak_bytes]
    if len({p.num_envs for p in with_memory}) >= 2:
        memory = PeakMemoryModel().fit([p.num_envs for p in with_memory], [p.peak_bytes for p in with_memory])
    elif section.memory_source != "unknown":  # unknown memory is explained by the recommender
        notes.append("peak memory needs two or more measured num_envs")
    compiles = [p.compile_s for p in section.points if p.compile_s]
    return MjxCurves(section, throughput, memory, statistics.median(compiles) if compiles else None, tuple(notes))
