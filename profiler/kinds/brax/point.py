"""Measure one Brax PPO point in this (fresh) process: one ``brax.training.agents.ppo.train``
call on a MuJoCo Playground env, and write the result as JSON.

Run by the sweep as ``python -m profiler.kinds.brax.point SPEC.json RESULT.json``
(:func:`profiler.child.main`); a timeout, crash or Ctrl-C costs this point only.

The run is what Playground's trainer (``learning/train_jax_ppo.py``) runs: Playground's defaults for
the env from its family's ``brax_ppo_config(env, impl)`` (DM Control suite, locomotion or
manipulation), the networks its ``network_factory`` names, Brax's ``ppo.train`` as released with
``wrap_for_brax_training``; a measurement changes only what it needs: the point's ``num_envs``,
``batch_size``, ``num_minibatches``, ``unroll_length`` (and ``num_updates_per_batch`` when the
sweep sets it), ``num_resets_per_eval=0`` (one epoch per eval period, so each
``training/walltime`` delta is one epoch; Brax's ``training/sps`` would count
``num_resets_per_eval`` epochs' steps over one epoch's time), ``num_evals`` = epochs + 1 and
``num_timesteps`` = epochs x ``training_steps`` x env steps per update exactly, and
``run_evals`` only where the sweep measures evaluation. The env config gets ``impl`` (``jax``
on CPU). Epochs that compiled are told apart by JAX's own compile events inside them: the first
always does, and with brax 0.14.2 on a released jax the second compiles again (the training state
comes back from the first epoch with another sharding than it went in with); the others are timed.

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
from profiler.jax_child import check_platform, configure_jax_environment, device_facts, skip_warp
from profiler.kinds.brax.rules import FAMILIES, env_error, env_family, env_steps_per_update

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
#: Every JAX event that times part of a compile (tracing, lowering, XLA's backend compile).
COMPILE_EVENTS_PREFIX = "/jax/core/compile/"
CACHE_HIT_EVENT = "/jax/compilation_cache/cache_hits"
#: An epoch compiled when compile events inside it add up to more than this share of its seconds.
COMPILING_SHARE = 0.1
#: Playground's config module per env family (``learning/train_jax_ppo.py``'s ``get_rl_config``).
PARAMS_MODULES = {"manipulation": "manipulation_params", "locomotion": "locomotion_params",
                  "dm_control_suite": "dm_control_suite_params"}


def env_families() -> dict[str, tuple[str, ...]]:
    from mujoco_playground import registry

    return {family: tuple(getattr(registry, family).ALL_ENVS) for family in FAMILIES}


def menagerie_facts() -> dict[str, str]:
    """Where Playground looks for MuJoCo Menagerie and the commit it clones
    (:mod:`profiler.kinds.brax.menagerie`)."""
    from mujoco_playground._src import mjx_env

    return {"path": str(mjx_env.MENAGERIE_PATH), "commit": str(mjx_env.MENAGERIE_COMMIT_SHA)}


def fetch_menagerie() -> dict[str, Any]:
    """Playground's own fetch of Menagerie (``mjx_env.ensure_menagerie_exists``: a git clone)."""
    import shutil
    import subprocess

    from mujoco_playground._src import mjx_env

    if shutil.which("git") is None:
        raise RuntimeError("git is not installed, and Playground clones Menagerie with it")
    try:
        mjx_env.ensure_menagerie_exists()
    except subprocess.CalledProcessError as exc:
        step = " ".join(str(part) for part in exc.cmd[:2]) if isinstance(exc.cmd, (list, tuple)) else str(exc.cmd)
        raise RuntimeError(f"Playground's {step} exited with status {exc.returncode}") from None
    return {"menagerie": menagerie_facts()}


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


def playground_defaults(env: str, impl: str, family: str) -> dict[str, Any]:
    """Playground's ``brax_ppo_config(env, impl)`` of the env's family, as plain JSON values."""
    import importlib

    module = importlib.import_module(f"mujoco_playground.config.{PARAMS_MODULES[family]}")
    return jsonable(module.brax_ppo_config(env, impl))


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
                              "backend": jax.default_backend(), "device": device_facts(), "versions": versions(),
                              "menagerie": menagerie_facts()}
    if env and env_error(env, families) is None:
        result["ppo_defaults"] = playground_defaults(env, impl_of(spec), env_family(env, families))
    return result


def train_params(spec: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Playground's defaults with the point's changes (module docstring), less what its trainer
    passes to ``ppo.train`` otherwise (``network_factory``, ``num_eval_envs``)."""
    params = {k: v for k, v in defaults.items() if k not in ("network_factory", "num_eval_envs")}
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


def network_factory(defaults: dict[str, Any]) -> Any:
    """Brax's ``make_ppo_networks`` with Playground's ``network_factory`` settings for the env, as
    its trainer builds it (Brax's defaults where Playground names none)."""
    import functools

    from brax.training.agents.ppo import networks as ppo_networks

    settings = dict(defaults.get("network_factory") or {})
    for key in ("policy_hidden_layer_sizes", "value_hidden_layer_sizes"):
        if key in settings:
            settings[key] = tuple(int(v) for v in settings[key])
    return functools.partial(ppo_networks.make_ppo_networks, **settings)


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    import jax
    import jax.monitoring

    compiles: list[tuple[float, float]] = []
    compiling: list[tuple[float, float]] = []
    hits: list[float] = []

    def on_duration(event: str, duration: float, **kw: Any) -> None:
        if event.startswith(COMPILE_EVENTS_PREFIX):
            compiling.append((time.perf_counter(), duration))
            if event == COMPILE_EVENT:
                compiles.append(compiling[-1])

    jax.monitoring.register_event_duration_secs_listener(on_duration)
    jax.monitoring.register_event_listener(
        lambda event, **kw: hits.append(time.perf_counter()) if event == CACHE_HIT_EVENT else None)
    from brax.training.agents.ppo import train as ppo
    from mujoco_playground import registry, wrapper

    families = env_families()
    problem = env_error(spec["env"], families)
    if problem:
        raise ValueError(problem)
    family = env_family(spec["env"], families)
    env = registry.load(spec["env"], config=registry.get_default_config(spec["env"]),
                        config_overrides={"impl": impl_of(spec)})
    defaults = playground_defaults(spec["env"], impl_of(spec), family)
    params = train_params(spec, defaults)
    run_evals = bool(spec.get("run_evals"))
    calls: list[dict[str, float]] = []

    def progress(step: int, metrics: dict[str, Any]) -> None:
        calls.append({"step": int(step), "t": time.perf_counter(), "unix": time.time(),
                      **{k: float(v) for k, v in metrics.items()
                         if k in ("training/walltime", "training/sps", "eval/epoch_eval_time")}})

    started = time.perf_counter()
    ppo.train(environment=env, wrap_env_fn=wrapper.wrap_for_brax_training, progress_fn=progress,
              network_factory=network_factory(defaults), num_eval_envs=int(spec["num_eval_envs"]),
              run_evals=run_evals, seed=int(spec.get("seed", 0)), **params)
    train_wall = time.perf_counter() - started
    result = summarise(spec, params, calls, compiles, compiling, hits, started, train_wall, run_evals)
    result["family"] = family
    return result


def compiled_epochs(calls: list[dict[str, float]], epochs: list[float], compiling: list[tuple[float, float]],
                    hits: list[float], run_evals: bool) -> list[bool]:
    """Per training epoch, whether it compiled: the first always; another when JAX's compile
    events (tracing, lowering, compiling; stamped when they end) inside its training time add up
    to more than :data:`COMPILING_SHARE` of it, or it loaded a program from the persistent cache.
    An epoch's training time ends where its evaluation (if any) began, before the progress call."""
    flags = []
    for i, (call, seconds) in enumerate(zip([c for c in calls if "training/walltime" in c], epochs)):
        end = call["t"] - (call.get("eval/epoch_eval_time", 0.0) if run_evals else 0.0)
        start = end - seconds
        inside = sum(d for t, d in compiling if start < t <= end)
        flags.append(i == 0 or inside > COMPILING_SHARE * seconds or any(start < t <= end for t in hits))
    return flags


def summarise(spec: dict[str, Any], params: dict[str, Any], calls: list[dict[str, float]],
              compiles: list[tuple[float, float]], compiling: list[tuple[float, float]], hits: list[float],
              started: float, train_wall: float, run_evals: bool) -> dict[str, Any]:
    """The result dict from the progress calls: epochs from ``training/walltime`` deltas, timed
    where they did not compile (:func:`compiled_epochs`)."""
    import jax

    walltimes = [c["training/walltime"] for c in calls if "training/walltime" in c]
    epochs = [b - a for a, b in zip([0.0] + walltimes, walltimes)]
    flags = compiled_epochs(calls, epochs, compiling, hits, run_evals)
    timed = [s for s, compiled in zip(epochs, flags) if not compiled]
    if not timed:
        raise RuntimeError(f"each of the {len(epochs)} training epoch(s) Brax ran compiled; give the point more "
                           "epochs (--epochs)")
    steps = int(spec["training_steps"]) * env_steps_per_update(
        params["batch_size"], params["unroll_length"], params["num_minibatches"], params.get("action_repeat", 1))
    steady = statistics.median(timed)
    recompile = sum(max(0.0, s - steady) for s, compiled in list(zip(epochs, flags))[1:] if compiled)
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
        "epoch_s": steady, "first_epoch_s": epochs[0], "epochs_s": epochs, "compiled_epochs": flags,
        "recompile_s": recompile,
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
    if spec.get("fetch_menagerie"):
        return fetch_menagerie()
    check_platform(spec.get("platform"))
    return probe(spec) if spec.get("probe") else measure(spec)


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.brax.point", setup=setup, measure=run))
