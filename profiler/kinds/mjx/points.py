"""From measuring children to :class:`MjxPoint`: child specs and results (a failure is classified by
:func:`profiler.jax_child.failure`).

Pure functions over :class:`profiler.runner.ChildResult`; no processes are started here.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from profiler.jax_child import failure
from profiler.kinds.mjx.schema import MjxPoint, MjxWorkload, UpdatePhase
from profiler.noise import GradientNoise, NoiseEstimate
from profiler.runner import ChildResult


def shape(workload: MjxWorkload, num_envs: int) -> dict[str, int]:
    """The training-shape fields of a point."""
    return dict(num_envs=num_envs, num_steps=workload.num_steps, num_minibatches=workload.minibatches_at(num_envs),
                update_epochs=workload.update_epochs)


def child_spec(workload: MjxWorkload, model_path: Path, num_envs: int, *, repeats: int, physics: bool,
               cache_dir: str, platform: str | None, seed: int, memory_limit_bytes: int | None,
               compile_only: bool, phases: bool = True, phase_minibatches: tuple[int, ...] = (),
               noise_scale: bool = False) -> dict[str, Any]:
    """The JSON spec a :mod:`profiler.kinds.mjx.point` child reads; with ``phases`` it also times
    the rollout and update phases apart, the update at ``phase_minibatches`` too."""
    return {
        "model_path": str(model_path), "num_envs": num_envs, "num_steps": workload.num_steps,
        "num_minibatches": workload.minibatches_at(num_envs), "update_epochs": workload.update_epochs,
        "hidden_layers": list(workload.hidden_layers), "repeats": repeats, "physics": physics,
        "cache_dir": cache_dir, "platform": platform, "seed": seed, "memory_limit_bytes": memory_limit_bytes,
        "compile_only": compile_only, "n_substeps": workload.n_substeps,
        "solver_iterations": workload.solver_iterations, "ls_iterations": workload.ls_iterations,
        "timestep": workload.timestep, "phases": phases, "phase_minibatches": list(phase_minibatches),
        "noise_scale": noise_scale,
    }


def xla_bytes(result: dict[str, Any] | None) -> int | None:
    """Bytes XLA's memory analysis says the training step holds: temp + arguments + outputs,
    less what outputs reuse of donated arguments (alias)."""
    xla = (result or {}).get("xla") or {}
    total = xla.get("temp", 0) + xla.get("argument", 0) + xla.get("output", 0) - xla.get("alias", 0)
    return total or None


def compile_seconds(result: dict[str, Any] | None) -> float | None:
    """Compile time, or ``None`` when the step came from the persistent cache (that is load time)."""
    result = result or {}
    return None if result.get("compile_cache_hit") else result.get("compile_s")


def gradient_noise(found: dict[str, Any] | None) -> GradientNoise | None:
    """The child's noise-scale estimates as stored (``None`` when it measured none)."""
    if not found or not all(head in found for head in ("policy", "value")):
        return None
    return GradientNoise(policy=NoiseEstimate(**found["policy"]), value=NoiseEstimate(**found["value"]))


def point_from(num_envs: int, workload: MjxWorkload, compiled: ChildResult | None,
               measured: ChildResult | None) -> tuple[MjxPoint, str | None]:
    """An :class:`MjxPoint` (and the memory source) from the compile and measure children."""
    wall = sum(c.wall_s for c in (compiled, measured) if c is not None)
    comp = compiled.result if compiled else None
    common = dict(shape(workload, num_envs), wall_s=wall, compile_s=compile_seconds(comp), xla_bytes=xla_bytes(comp),
                  phase_compile_s=(comp or {}).get("phase_compile_s"))
    for child in (compiled, measured):
        if child is None:
            continue
        status, error = failure(child)
        if status:
            return MjxPoint(**common, status=status, error=error), None
    if measured is None:  # analysed by compilation alone
        return MjxPoint(**common, status="compiled"), None
    res = measured.result or {}
    samples = tuple(res.get("train_sps_samples", ()))
    physics = res.get("physics_sps_samples")
    if common["xla_bytes"] is None:
        common["xla_bytes"] = xla_bytes(res)
    updates = tuple(sorted((UpdatePhase(int(k), tuple(v)) for k, v in (res.get("update_s_samples") or {}).items()),
                           key=lambda u: u.num_minibatches))
    point = MjxPoint(**common, train_sps=statistics.median(samples), train_sps_samples=samples,
                     physics_sps=statistics.median(physics) if physics else None, peak_bytes=res.get("peak_bytes"),
                     rollout_s_samples=tuple(res.get("rollout_s_samples") or ()), update_phases=updates,
                     gradient_noise=gradient_noise(res.get("noise_scale")))
    return point, res.get("memory_source")
