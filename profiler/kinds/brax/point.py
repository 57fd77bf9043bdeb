"""Measure one Brax PPO point in this (fresh) process: one ``brax.training.agents.ppo.train``
call on a MuJoCo Playground env, and write the result as JSON.

Run by the sweep as ``python -m profiler.kinds.brax.point SPEC.json RESULT.json``
(:func:`profiler.child.main`); a timeout, crash or Ctrl-C costs this point only.

The run starts from Playground's own defaults for the env (``dm_control_suite_params.
brax_ppo_config``) and changes only what a measurement needs: the point's ``num_envs``,
``batch_size``, ``num_minibatches``, ``unroll_length`` (and ``num_updates_per_batch`` when the
sweep sets it), ``num_resets_per_eval=0`` (one epoch per eval period, so each
``training/walltime`` delta is one epoch; Brax's ``training/sps`` would count
``num_resets_per_eval`` epochs' steps over one epoch's time), ``num_evals`` = epochs + 1 and
``num_timesteps`` = epochs x ``training_steps`` x env steps per update exactly, and
``run_evals`` only where the sweep measures evaluation. The env config gets ``impl`` (``jax``
on CPU). The first epoch compiles; the later ones are timed.

Compile seconds come from JAX's own compile events; peak memory is the allocator's
``peak_bytes_in_use`` on a GPU (preallocation off), else the process's peak RSS.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from typing import Any

from profiler import child
from profiler.kinds.brax.rules import NEEDS_INTERNET, env_error, env_steps_per_update
from profiler.kinds.mjx.point import check_platform, configure_jax_environment, device_facts, skip_warp

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
CACHE_HIT_EVENT = "/jax/compilation_cache/cache_hits"
FAMILIES = ("dm_control_suite",) + NEEDS_INTERNET


def env_families() -> dict[str, tuple[str, ...]]:
    from mujoco_playground import registry

    return {family: tuple(getattr(registry, family).ALL_ENVS) for family in FAMILIES}


def jsonable(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


def playground_defaults(env: str) -> dict[str, Any]:
    """Playground's ``brax_ppo_config`` for ``env`` as plain JSON values."""
    from mujoco_playground.config import dm_control_suite_params

    return jsonable(dm_control_suite_params.brax_ppo_config(env))


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {}
    for dist in ("brax", "playground", "jax", "jaxlib", "mujoco", "mujoco-mjx", "flax"):
        try:
            found[dist] = version(dist)
        except Exception:  # a missing distribution is reported as absent
            continue
    return found


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    """Playground's env families, the env's defaults (when it is a DM Control suite env), devices
    and versions, for the sweep's up-front checks."""
    import jax

    families = env_families()
    env = spec.get("env")
    result: dict[str, Any] = {"families": families, "device_count": jax.local_device_count(),
                              "backend": jax.default_backend(), "device": device_facts(), "versions": versions()}
    if env and env_error(env, families) is None:
        result["ppo_defaults"] = playground_defaults(env)
    return result


def train_params(spec: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Playground's defaults with the point's changes (module docstring)."""
    params = dict(defaults)
    params.pop("network_factory", None)
    for key in ("num_envs", "batch_size", "num_minibatches", "unroll_length"):
        params[key] = int(spec[key])
    for key in ("num_updates_per_batch", "action_repeat", "episode_length"):
        if spec.get(key) is not None:
            params[key] = int(spec[key])
    epochs = int(spec["epochs"])
    steps = env_steps_per_update(params["batch_size"], params["unroll_length"], params["num_minibatches"],
                                 params.get("action_repeat", 1))
    params.update(num_resets_per_eval=0, num_evals=epochs + 1,
                  num_timesteps=epochs * int(spec["training_steps"]) * steps)
    return params


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    import jax
    import jax.monitoring

    from profiler.kinds.brax import shim

    compiles: list[tuple[float, float]] = []
    hits: list[str] = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, duration, **kw: compiles.append((time.perf_counter(), duration)) if event == COMPILE_EVENT else None)
    jax.monitoring.register_event_listener(lambda event, **kw: hits.append(event) if event == CACHE_HIT_EVENT else None)
    shim.install()
    from brax.training.agents.ppo import train as ppo
    from mujoco_playground import registry, wrapper

    problem = env_error(spec["env"], env_families())
    if problem:  # the sweep checks first; never let Playground try the network
        raise ValueError(problem)
    config = registry.get_default_config(spec["env"])
    config.impl = impl_of(spec)
    env = registry.load(spec["env"], config=config)
    defaults = playground_defaults(spec["env"])
    params = train_params(spec, defaults)
    run_evals = bool(spec.get("run_evals"))
    calls: list[dict[str, float]] = []

    def progress(step: int, metrics: dict[str, Any]) -> None:
        calls.append({"step": int(step), "t": time.perf_counter(), "unix": time.time(),
                      **{k: float(v) for k, v in metrics.items()
                         if k in ("training/walltime", "training/sps", "eval/epoch_eval_time")}})

    started = time.perf_counter()
    ppo.train(environment=env, wrap_env_fn=wrapper.wrap_for_brax_training, progress_fn=progress,
              num_eval_envs=int(spec["num_eval_envs"]), run_evals=run_evals, seed=int(spec.get("seed", 0)), **params)
    train_wall = time.perf_counter() - started
    return summarise(spec, params, calls, compiles, hits, started, train_wall, run_evals)


def summarise(spec: dict[str, Any], params: dict[str, Any], calls: list[dict[str, float]],
              compiles: list[tuple[float, float]], hits: list[str], started: float, train_wall: float,
              run_evals: bool) -> dict[str, Any]:
    """The result dict from the progress calls: epochs from ``training/walltime`` deltas."""
    import jax

    walltimes = [c["training/walltime"] for c in calls if "training/walltime" in c]
    epochs = [b - a for a, b in zip([0.0] + walltimes, walltimes)]
    if len(epochs) < 2:
        raise RuntimeError(f"Brax reported {len(epochs)} training epoch(s); a point needs two or more")
    steps = int(spec["training_steps"]) * env_steps_per_update(
        params["batch_size"], params["unroll_length"], params["num_minibatches"], params.get("action_repeat", 1))
    timed = epochs[1:]
    evals = [c["eval/epoch_eval_time"] for c in calls if "eval/epoch_eval_time" in c] if run_evals else []
    eval_extra = 0.0
    if len(evals) >= 3:  # compile and the one recompile: what the first two took beyond a steady one
        eval_extra = max(0.0, evals[0] - evals[2]) + max(0.0, evals[1] - evals[2])
    ends = [c["unix"] for c in calls if "training/walltime" in c]  # after each epoch (and its evaluation)
    first_call = calls[0]["t"] if calls else started + train_wall
    setup = first_call - started - (evals[0] if evals else 0.0) - (epochs[0] if not run_evals else 0.0)
    stats = jax.devices()[0].memory_stats() or {}
    on_cpu = jax.default_backend() == "cpu"
    peak = None if on_cpu else stats.get("peak_bytes_in_use")
    return {
        "train_sps_samples": [steps / s for s in timed], "train_sps": statistics.median(steps / s for s in timed),
        "epoch_s": statistics.median(timed), "first_epoch_s": epochs[0], "epochs_s": epochs,
        "setup_s": max(0.0, setup), "compile_s": max(0.0, sum(d for _t, d in compiles) - eval_extra),
        "compile_total_s": sum(d for _t, d in compiles), "cache_hits": len(hits), "eval_s": evals,
        "timed_unix_s": [ends[0], ends[-1]], "brax_training_sps": [c["training/sps"] for c in calls if "training/sps" in c], "train_wall_s": train_wall,
        "device_count": jax.local_device_count(), "backend": jax.default_backend(),
        "peak_bytes": int(peak) if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "memory_source": "host_peak_rss" if peak is None else "jax_allocator_peak",
        "params": jsonable({k: v for k, v in params.items()}), "versions": versions(),
    }


def impl_of(spec: dict[str, Any]) -> str:
    """The MJX implementation the point's env runs: the spec's, else ``jax``."""
    return spec.get("impl") or "jax"


def setup(spec: dict[str, Any]) -> None:
    configure_jax_environment(spec.get("cache_dir"), spec.get("platform"))
    if impl_of(spec) == "jax":  # Playground's MJX JAX implementation: no Warp to import
        skip_warp()
    if spec.get("memory_limit_bytes"):
        limit = int(spec["memory_limit_bytes"])
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def run(spec: dict[str, Any]) -> dict[str, Any]:
    check_platform(spec.get("platform"))
    return probe(spec) if spec.get("probe") else measure(spec)


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.brax.point", setup=setup, measure=run))
