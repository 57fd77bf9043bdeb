"""Run ``advisor verify``'s measuring child and keep its result: the whole training of one MJX
config to its target, in a fresh process (:mod:`profiler.kinds.mjx.verify_child`), holding the
profile's and the device's locks like a calibration and judged for contention like its points.

The profile is written once, at the end, atomically, with the run appended to its MJX section's
``verified_runs``: Ctrl-C (or a failed run) ends the child's process group and leaves the
profile as it was.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from profiler.errors import AdvisorError
from profiler.jax_child import failure
from profiler.kinds.mjx.mjcf import resolve_model
from profiler.kinds.mjx.verified import VerifiedRun
from profiler.profile import Profile
from profiler.runner import Child, ChildResult
from profiler.store import advisor_home, load_profile_file, profile_path, save_profile

MODULE = "profiler.kinds.mjx.verify_child"
#: Seconds between looks at the child's progress file.
POLL_S = 0.2


def child_spec(profile: Profile, config: Any, *, cache_dir: str | None, progress_file: Path,
               seed: int = 0) -> dict[str, Any]:
    """The JSON spec of a verify child: ``config`` (an :class:`advisor.kinds.mjx.predicted.TrainConfig`)
    on the profile's model, physics settings and platform."""
    section = profile.section("mjx")
    w = section.workload
    return {"model_path": str(resolve_model(w.model)), "num_envs": config.num_envs, "num_steps": config.num_steps,
            "num_minibatches": config.num_minibatches, "update_epochs": config.update_epochs,
            "hidden_layers": list(config.hidden_layers), "target_steps": config.target_steps,
            "n_substeps": w.n_substeps, "solver_iterations": w.solver_iterations, "ls_iterations": w.ls_iterations,
            "timestep": w.timestep, "platform": section.accelerator.platform, "cache_dir": cache_dir,
            "progress_file": str(progress_file), "seed": seed}


def _read_new(path: Path, offset: int) -> tuple[list[str], int]:
    """Whole lines appended to ``path`` since ``offset``; the new offset."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1
    return data[:end].decode("utf-8", errors="replace").splitlines(), offset + end


def run_child(spec: dict[str, Any], workdir: Path, timeout_s: float,
              on_progress: Callable[[str, int], None]) -> ChildResult:
    """Run the child to its end, calling ``on_progress(phase, updates_done)`` as it reports
    (``compile``, ``run``, ``update``, ``done``). Ctrl-C ends its process group and re-raises."""
    progress = Path(spec["progress_file"])
    progress.unlink(missing_ok=True)
    child = Child(MODULE, spec, workdir, "verify", timeout_s)
    offset = 0
    try:
        while True:
            ended = child.poll()
            lines, offset = _read_new(progress, offset)
            for line in lines:
                phase, _, count = line.partition(" ")
                on_progress(phase, int(count) if count.isdigit() else 0)
            if ended:
                return child.collect()
            time.sleep(POLL_S)
    except BaseException:
        child.kill()
        raise


def verified_run(result: ChildResult, config: Any, prediction: Any, *, source: str, contention: Any,
                 log: Path) -> VerifiedRun:
    """The :class:`VerifiedRun` of a finished child (a failed one is a runtime error naming its log)."""
    status, reason = failure(result)
    if status:
        hint = " (out of memory: verify a smaller --num-envs)" if status == "oom" else ""
        raise AdvisorError(f"the verify run ended with {status}{hint}: {reason}; its log: "
                           f"{log}")
    r = result.result
    compile_s, run_s = float(r["compile_s"]), float(r["run_s"])
    return VerifiedRun(
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"), target_steps=config.target_steps,
        num_envs=config.num_envs, num_steps=config.num_steps, num_minibatches=config.num_minibatches,
        update_epochs=config.update_epochs, hidden_layers=tuple(config.hidden_layers),
        num_updates=int(r["num_updates"]), env_steps=int(r["env_steps"]), measured_time_s=compile_s + run_s,
        measured_compile_s=compile_s, measured_run_s=run_s, measured_train_sps=int(r["env_steps"]) / run_s,
        source=source, predicted_time_s=prediction.time_s if prediction else None,
        predicted_train_sps=prediction.train_sps if prediction else None,
        predicted_compile_s=prediction.compile_s if prediction else None,
        predicted_basis=prediction.basis if prediction else "", peak_bytes=r.get("peak_bytes"),
        memory_source=r.get("memory_source", "unknown"), process_wall_s=result.wall_s,
        compile_cache_hit=bool(r.get("compile_cache_hit")), device=(r.get("device") or {}).get("name", ""),
        contention=contention)


def measure_and_store(profile_name: str, profile: Profile, config: Any, prediction: Any, *, source: str,
                      timeout_s: float, cache_dir: str | None, wait: bool,
                      on_progress: Callable[[str, int], None], on_wait: Callable[[str], None]) -> VerifiedRun:
    """Hold the locks, run the child, append the run to the profile (module docstring)."""
    from profiler.measuring import MeasuringSession

    platform = profile.section("mjx").accelerator.platform
    workdir = advisor_home() / "runs" / profile_name / "verify"
    workdir.mkdir(parents=True, exist_ok=True)
    spec = child_spec(profile, config, cache_dir=cache_dir, progress_file=workdir / "progress.txt")
    if not wait:
        from profiler.devicelock import SweepClaim, device_key

        claim = SweepClaim(profile_name)
        try:
            claim.device(device_key(platform), wait=False)
        except BaseException:
            claim.release()
            raise
        session = MeasuringSession.open(profile_name, platform, claim=claim)
    else:
        session = MeasuringSession.open(profile_name, platform, on_wait=on_wait)
    try:
        result = run_child(spec, workdir, timeout_s, on_progress)
        contention = session.sampler.judge(result.result)
        run = verified_run(result, config, prediction, source=source, contention=contention,
                           log=workdir / "verify.log")
        path = profile_path(profile_name)
        latest = load_profile_file(path)  # as it is now: the locks kept calibrations out meanwhile
        section = latest.section("mjx")
        save_profile(latest.with_section("mjx", dataclasses.replace(
            section, verified_runs=section.verified_runs + (run,))), path)
    finally:
        session.close()
        if not wait:
            claim.release()
    return run
