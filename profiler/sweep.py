"""The MJX calibration sweep: one subprocess per point, the profile saved after every point.

For each ``num_envs`` a compile-only child first fills JAX's persistent compilation cache (and
reports compile time and XLA's memory analysis); a second, fresh child then loads the
executables from that cache and measures, so its peak memory is the training's, not the
compiler's. An out-of-memory point is recorded as the memory boundary: larger points are not
tried. A timeout or crash costs that point only.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from profiler.errors import WorkloadSpecError
from profiler.hardware import fingerprint, software_versions
from profiler.mjcf import resolve_model
from profiler.profile import Accelerator, MjxPoint, MjxSection, MjxWorkload, Profile
from profiler.runner import ChildResult, run_child
from profiler.store import advisor_home, load_profile_file, profile_path, save_profile

POINT_MODULE = "profiler.mjx_point"

#: Default grids (num_envs). GPU: geometric from 64 until a point runs out of memory or 65536.
GPU_GRID = (64, 256, 1024, 4096, 16384, 65536)
GPU_QUICK_GRID = (256, 2048, 16384)
CPU_GRID = (16, 32, 64, 128, 256)
CPU_QUICK_GRID = (16, 64, 256)


@dataclass(frozen=True)
class MjxSweepSpec:
    """What an MJX sweep measures and how. ``platform`` forces JAX's backend (``cpu``/``gpu``);
    ``None`` lets JAX choose (GPU when it sees one). ``memory_limit_bytes`` caps each point's
    process (its data segment), so a sweep can find the boundary of a smaller machine."""

    workload: MjxWorkload
    num_envs: tuple[int, ...]
    repeats: int = 3
    timeout_s: float = 900.0
    physics: bool = True
    platform: str | None = None
    seed: int = 0
    memory_limit_bytes: int | None = None

    def __post_init__(self) -> None:
        if not self.num_envs:
            raise WorkloadSpecError("the sweep has no num_envs values; give --num-envs 64,256")
        if self.repeats < 1:
            raise WorkloadSpecError("--repeats must be at least 1")
        if self.timeout_s <= 0:
            raise WorkloadSpecError("--timeout must be positive seconds")
        check_divisible(self.workload, self.num_envs)

    @property
    def settings(self) -> dict[str, Any]:
        """The settings a resumed sweep must share with the interrupted one, as stored in JSON."""
        return json.loads(json.dumps({"workload": dataclasses.asdict(self.workload), "num_envs": list(self.num_envs),
                                      "physics": self.physics, "platform": self.platform,
                                      "memory_limit_bytes": self.memory_limit_bytes}))


def check_divisible(workload: MjxWorkload, num_envs: tuple[int, ...]) -> None:
    """LocoMuJoCo asserts ``num_envs * num_steps % num_minibatches == 0``; so do we, up front."""
    bad = [n for n in num_envs if (n * workload.num_steps) % workload.num_minibatches]
    if bad:
        raise WorkloadSpecError(
            f"num_envs*num_steps must be divisible by num_minibatches={workload.num_minibatches}, "
            f"which fails for num_envs {', '.join(map(str, bad))} with num_steps={workload.num_steps}; "
            "pick num_envs that are multiples of num_minibatches or change --num-minibatches"
        )


@dataclass(frozen=True)
class SweepEvent:
    """Progress report: ``phase`` is ``probe``, ``compile``, ``measure`` or ``done``; ``point``
    is set with ``done``; ``index`` counts from 0 over ``total`` points."""

    phase: str
    index: int
    total: int
    num_envs: int | None = None
    point: MjxPoint | None = None
    message: str = ""


def probe_device(workdir: Path, platform: str | None, timeout_s: float = 300.0) -> Accelerator:
    """Ask a child what JAX sees (backend, device name and capacity)."""
    child = run_child(POINT_MODULE, {"probe": True, "platform": platform}, workdir, "probe", timeout_s)
    if not child.result or child.result.get("status") != "ok":
        reason = (child.result or {}).get("error") or child.log_tail.strip().splitlines()[-1:] or ["no output"]
        raise WorkloadSpecError(f"JAX could not start here ({reason if isinstance(reason, str) else reason[0]}); "
                                "run 'advisor doctor' or install the mjx extra")
    device = child.result["device"]
    return Accelerator(device["platform"], device["name"], device.get("memory_bytes"))


def default_grid(platform: str, quick: bool) -> tuple[int, ...]:
    if platform == "cpu":
        return CPU_QUICK_GRID if quick else CPU_GRID
    return GPU_QUICK_GRID if quick else GPU_GRID


def _point_from_children(num_envs: int, workload: MjxWorkload, compiled: ChildResult,
                         measured: ChildResult | None) -> tuple[MjxPoint, str | None]:
    """Turn the two children's outputs into an :class:`MjxPoint` (and the memory source)."""
    shape = dict(num_envs=num_envs, num_steps=workload.num_steps,
                 num_minibatches=workload.num_minibatches, update_epochs=workload.update_epochs)
    wall = compiled.wall_s + (measured.wall_s if measured else 0.0)
    comp = compiled.result or {}
    xla = comp.get("xla") or {}
    xla_bytes = (xla.get("temp", 0) + xla.get("argument", 0) + xla.get("output", 0) - xla.get("alias", 0)) or None
    compile_s = comp.get("compile_s") if not comp.get("compile_cache_hit") else None
    for child in (compiled, measured):
        if child is None:
            continue
        status, error = _failure(child)
        if status:
            return MjxPoint(**shape, status=status, error=error, wall_s=wall, compile_s=compile_s,
                            xla_bytes=xla_bytes), None
    res = measured.result if measured else {}
    samples = tuple(res.get("train_sps_samples", ()))
    physics = res.get("physics_sps_samples")
    point = MjxPoint(
        **shape,
        train_sps=statistics.median(samples),
        train_sps_samples=samples,
        physics_sps=statistics.median(physics) if physics else None,
        compile_s=compile_s,
        peak_bytes=res.get("peak_bytes"),
        xla_bytes=xla_bytes,
        wall_s=wall,
    )
    return point, res.get("memory_source")


def _failure(child: ChildResult) -> tuple[str | None, str | None]:
    """``(status, reason)`` for a child that did not finish well, else ``(None, None)``."""
    from profiler.mjx_point import looks_like_oom

    result = child.result or {}
    if child.timed_out:
        return "timeout", "ended at its timeout"
    if result.get("status") == "ok" and child.returncode == 0:
        return None, None
    if result.get("status") in ("oom", "error"):
        return result["status"], result.get("error")
    tail = child.log_tail.strip()
    last = tail.splitlines()[-1] if tail else "no output"
    if looks_like_oom(tail):
        return "oom", last[:500]
    if child.returncode is not None and child.returncode < 0:
        return "error", f"killed by signal {-child.returncode} (the kernel's OOM killer sends 9): {last[:300]}"
    return "error", f"exit code {child.returncode}: {last[:500]}"


def jax_cache_dir() -> Path:
    """JAX's persistent compilation cache: ``$ADVISOR_JAX_CACHE``, else ``$ADVISOR_HOME/jax-cache``."""
    import os

    return Path(os.environ.get("ADVISOR_JAX_CACHE") or advisor_home() / "jax-cache")


def new_profile(name: str) -> Profile:
    return Profile(
        name=name,
        source="calibrated",
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        hardware=fingerprint(),
        software=software_versions(),
    )


def run_mjx_sweep(
    spec: MjxSweepSpec,
    profile_name: str,
    *,
    resume: bool = False,
    fresh: bool = False,
    on_event: Callable[[SweepEvent], None] = lambda event: None,
    accelerator: Accelerator | None = None,
) -> Profile:
    """Measure every point of ``spec`` into profile ``profile_name``, saving after each point.

    With ``resume`` the profile's MJX section must come from the same settings; points already
    there are skipped. Without it, an unfinished sweep in the profile is never discarded silently:
    ``fresh`` must say so. Returns the saved profile.
    """
    model_path = resolve_model(spec.workload.model)
    path = profile_path(profile_name)
    existing = load_profile_file(path) if path.exists() else None
    profile = existing or new_profile(profile_name)
    workdir = advisor_home() / "runs" / profile_name
    if resume:
        section = _resumable_section(existing, spec, profile_name)
    else:
        unfinished = _unfinished(existing.mjx) if existing is not None and existing.mjx is not None else 0
        if unfinished and not fresh:
            raise WorkloadSpecError(
                f"profile {profile_name!r} holds an unfinished MJX sweep ({unfinished} point(s) to go); add --resume to "
                "continue it, or --fresh to discard it and start over"
            )
        on_event(SweepEvent("probe", 0, len(spec.num_envs), message="asking JAX which device it sees"))
        accel = accelerator or probe_device(workdir, spec.platform)
        section = MjxSection(
            workload=spec.workload, accelerator=accel, repeats=spec.repeats, timeout_s=spec.timeout_s,
            sweep_settings=spec.settings,
            method=_method(spec, accel),
        )
    profile = dataclasses.replace(profile, source="calibrated", mjx=section,
                                  hardware=fingerprint(), software=software_versions())
    save_profile(profile, path)
    cache_dir = str(jax_cache_dir())
    todo = [n for n in spec.num_envs if section.point(n) is None or section.point(n).status == "interrupted"]
    boundary = section.oom_num_envs
    total = len(spec.num_envs)
    for num_envs in todo:
        index = spec.num_envs.index(num_envs)
        if boundary is not None and num_envs > boundary:
            on_event(SweepEvent("done", index, total, num_envs, None, f"skipped: {boundary} envs ran out of memory"))
            continue
        child_spec = {
            "model_path": str(model_path), "num_envs": num_envs, "num_steps": spec.workload.num_steps,
            "num_minibatches": spec.workload.num_minibatches, "update_epochs": spec.workload.update_epochs,
            "hidden_layers": list(spec.workload.hidden_layers), "repeats": spec.repeats,
            "physics": spec.physics, "cache_dir": cache_dir, "platform": spec.platform, "seed": spec.seed,
            "memory_limit_bytes": spec.memory_limit_bytes,
        }
        on_event(SweepEvent("compile", index, total, num_envs))
        try:
            compiled = run_child(POINT_MODULE, {**child_spec, "compile_only": True}, workdir,
                                 f"n{num_envs}-compile", spec.timeout_s)
            measured = None
            if _failure(compiled)[0] is None:
                on_event(SweepEvent("measure", index, total, num_envs))
                measured = run_child(POINT_MODULE, child_spec, workdir, f"n{num_envs}-measure", spec.timeout_s)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the child group is already ended
            interrupted = MjxPoint(num_envs=num_envs, num_steps=spec.workload.num_steps,
                                   num_minibatches=spec.workload.num_minibatches,
                                   update_epochs=spec.workload.update_epochs, status="interrupted",
                                   error="interrupted by the user; --resume measures it again")
            save_profile(dataclasses.replace(profile, mjx=profile.mjx.with_point(interrupted)), path)
            raise
        point, memory_source = _point_from_children(num_envs, spec.workload, compiled, measured)
        section = profile.mjx.with_point(point)
        if memory_source and section.memory_source == "unknown":
            section = dataclasses.replace(section, memory_source=memory_source)
        profile = dataclasses.replace(profile, mjx=section)
        save_profile(profile, path)
        if point.status == "oom":
            boundary = num_envs if boundary is None else min(boundary, num_envs)
        on_event(SweepEvent("done", index, total, num_envs, point))
    return profile


def _unfinished(section: MjxSection) -> int:
    """Points of the section's requested grid still to measure (interrupted or never reached)."""
    boundary = section.oom_num_envs
    todo = [n for n in section.requested_num_envs
            if (section.point(n) is None or section.point(n).status == "interrupted")
            and (boundary is None or n < boundary)]
    return len(todo)


def _resumable_section(existing: Profile | None, spec: MjxSweepSpec, name: str) -> MjxSection:
    if existing is None or existing.mjx is None:
        raise WorkloadSpecError(f"nothing to resume: profile {name!r} has no MJX sweep; run without --resume")
    section = existing.mjx
    if section.sweep_settings != spec.settings:
        raise WorkloadSpecError(
            f"--resume needs the same settings as the interrupted sweep of {name!r}; run without "
            "--resume to start over, or repeat the original options"
        )
    return section


def _method(spec: MjxSweepSpec, accel: Accelerator) -> str:
    memory = ("JAX allocator peak_bytes_in_use with preallocation off" if accel.platform != "cpu"
              else "peak RSS of the measuring process while training ran")
    return (
        f"one fresh process per point on {accel.name} ({accel.platform}); compile in a first process "
        f"(persistent cache), then 1 warm-up + {spec.repeats} timed training iterations in a second; "
        f"memory: {memory}; XLA memory analysis of the training step"
    )
