"""Measure one MJX calibration point in this (fresh) process and write the result as JSON.

Run by the sweep runner as ``python -m profiler.kinds.mjx.point SPEC.json RESULT.json``; one process
per point, so an OOM or a hang costs one point and the peak memory read here is this point's
own. JAX's preallocation is switched off before jax is imported, so the allocator's
``peak_bytes_in_use`` is the true footprint rather than the 75% pool.

Order of work: build the env and PPO functions, AOT-compile the training iteration (timed as
``compile_s``, with XLA's memory analysis) and, if asked, the physics-only rollout; then one
warm-up iteration and ``repeats`` timed iterations of each. With ``compile_only`` it stops after
compiling, from shapes alone (``jax.eval_shape``: nothing is allocated, so a size that would not
fit still compiles and reports XLA's memory analysis); the sweep runs such processes first, in
parallel, to fill JAX's persistent compilation cache, so the measuring process loads its
executables from the cache and its peak memory is not the compiler's.

With ``phases`` (the default) the two phases of an iteration are also timed apart, after the
fused iteration and its memory reading: the rollout (``collect``: ``num_steps`` vmapped env steps
and GAE) and the update (``learn``: ``update_epochs`` x ``num_minibatches`` minibatch steps on
that batch), each jitted on its own and blocked on; the update phase is timed again for every
count in ``phase_minibatches`` (same batch, other minibatch sizes), which is how a sweep measures
the cost of the minibatch count without another rollout.

With ``go_file`` in the spec the process is *prepared*: it compiles (from the cache) from shapes
as well, then waits until that file exists before it allocates anything and times; the sweep
prepares the next point this way while the current one is timed on the GPU.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path
from typing import Any

from profiler import child
from profiler.jax_child import check_platform, configure_jax_environment, device_facts, skip_warp


def reset_peak_rss() -> bool:
    """Return freed heap to the OS, then reset the resident-set high-water mark (Linux
    ``clear_refs``), so the next reading counts what runs rather than what compiled; True if done."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """The resident-set high-water mark (``VmHWM``) since start or the last reset."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def wait_for_go(go_file: Path, timeout_s: float) -> float:
    """Block until the sweep creates ``go_file`` (the previous point has finished); seconds waited.

    A prepared process has imported, traced and loaded its executables from the cache while the
    previous point was being timed; it starts allocating and timing only once released."""
    started = time.perf_counter()
    while not go_file.exists():
        if time.perf_counter() - started > timeout_s:
            raise TimeoutError(f"not released within {timeout_s:.0f} s; the sweep that prepared it is gone")
        time.sleep(0.005)
    return time.perf_counter() - started


def _time_calls(fn: Any, state: Any, repeats: int) -> tuple[Any, list[float]]:
    import jax

    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        state = fn(state)
        jax.block_until_ready(state)
        durations.append(time.perf_counter() - start)
    return state, durations


def phase_counts(spec: dict[str, Any]) -> list[int]:
    """The num_minibatches whose update phase is timed: the point's own, then the extra ones."""
    own = int(spec["num_minibatches"])
    extra = [int(k) for k in spec.get("phase_minibatches") or () if int(k) != own]
    return [own, *dict.fromkeys(extra)]


def compile_phases(spec: dict[str, Any], config: Any, env: Any, state: Any) -> dict[str, Any]:
    """AOT-compile the rollout phase and the update phase at each of :func:`phase_counts`."""
    import dataclasses

    import jax

    from profiler.kinds.mjx.workload import make_train

    train = make_train(config, env)
    collect = jax.jit(train.collect, donate_argnums=0).lower(state).compile()
    batch = jax.eval_shape(train.collect, state)[1]
    learns = {}
    for k in phase_counts(spec):
        learn = make_train(dataclasses.replace(config, num_minibatches=k), env).learn
        learns[k] = jax.jit(learn, donate_argnums=0).lower(state, batch).compile()
    return {"collect": collect, "learn": learns}


def time_phases(phases: dict[str, Any], state: Any, repeats: int) -> tuple[Any, dict[str, Any]]:
    """One warm-up and ``repeats`` timed calls of each phase; seconds per call."""
    import jax

    def rollout(s: Any) -> Any:
        nonlocal batch
        s, batch = phases["collect"](s)
        return s

    batch = None
    state, _ = _time_calls(rollout, state, 1)
    state, rollout_s = _time_calls(rollout, state, repeats)
    update_s = {}
    for k, learn in phases["learn"].items():
        state, _ = _time_calls(lambda s: learn(s, batch)[0], state, 1)  # noqa: B023 - called right here
        state, update_s[str(k)] = _time_calls(lambda s: learn(s, batch)[0], state, repeats)  # noqa: B023
    jax.block_until_ready(batch)
    return state, {"rollout_s_samples": rollout_s, "update_s_samples": update_s}


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Compile and time one point; returns the result dict (see module docstring)."""
    import jax
    import jax.monitoring

    hits: list[str] = []
    jax.monitoring.register_event_listener(
        lambda event, **kw: hits.append(event) if event == "/jax/compilation_cache/cache_hits" else None
    )
    from profiler.kinds.mjx.workload import MjxEnv, PPOConfig, make_physics_rollout, make_train

    facts = device_facts()
    num_envs = int(spec["num_envs"])
    config = PPOConfig(
        num_envs=num_envs,
        num_steps=int(spec["num_steps"]),
        num_minibatches=int(spec["num_minibatches"]),
        update_epochs=int(spec["update_epochs"]),
        hidden_layers=tuple(int(h) for h in spec["hidden_layers"]),
    )
    env = MjxEnv.from_path(spec["model_path"], n_substeps=int(spec.get("n_substeps") or 1),
                           solver_iterations=spec.get("solver_iterations"), ls_iterations=spec.get("ls_iterations"),
                           timestep=spec.get("timestep"))
    train = make_train(config, env)
    repeats = int(spec["repeats"])
    key = jax.random.PRNGKey(int(spec.get("seed", 0)))
    update = jax.jit(train.update, donate_argnums=0)
    rollout = jax.jit(make_physics_rollout(env, num_envs, config.num_steps), donate_argnums=0)
    prepared = bool(spec.get("go_file")) and not spec.get("compile_only")
    started = time.perf_counter()
    if spec.get("compile_only") or prepared:
        # shapes only: nothing is allocated, so a size that would not fit still compiles, and a
        # prepared process holds no device memory while it waits for its turn
        state = jax.eval_shape(train.init, key)
    else:
        state = jax.jit(train.init)(key)
        jax.block_until_ready(state)
    hits_before = len(hits)
    compiled = update.lower(state).compile()
    compile_s = time.perf_counter() - started
    update_cached = len(hits) > hits_before  # the training step itself came from the cache
    analysis = compiled.memory_analysis()
    xla = None
    if analysis is not None:
        xla = {name: int(getattr(analysis, f"{name}_size_in_bytes", 0) or 0)
               for name in ("temp", "argument", "output", "alias", "generated_code")}
    physics = rollout.lower(state.env_state).compile() if spec.get("physics", True) else None
    phases = None
    if spec.get("phases", True):
        phase_started = time.perf_counter()
        phases = compile_phases(spec, config, env, state)
        phase_compile_s = time.perf_counter() - phase_started
    result: dict[str, Any] = {"device": facts, "compile_s": compile_s, "compile_cache_hit": update_cached,
                              "xla": xla}
    if phases is not None:
        result["phase_compile_s"] = phase_compile_s
    if spec.get("compile_only"):
        return result
    if prepared:
        result["waited_s"] = wait_for_go(Path(spec["go_file"]), float(spec.get("go_timeout_s", 3600.0)))
        state = jax.jit(train.init)(key)
        jax.block_until_ready(state)

    step = lambda s: compiled(s)[0]  # noqa: E731 - one training iteration, metrics dropped
    rss_reset = reset_peak_rss()  # on CPU, count what training holds, not the compiler's peak
    state, _ = _time_calls(step, state, 1)  # warm-up
    timed_from = time.time()  # the timed phase, for the sweep's contention record (wall clock)
    state, durations = _time_calls(step, state, repeats)
    result["train_sps_samples"] = [config.batch_size / d for d in durations]
    stats = jax.devices()[0].memory_stats() or {}
    if facts["platform"] != "cpu" and "peak_bytes_in_use" in stats:
        result["peak_bytes"] = int(stats["peak_bytes_in_use"])
        result["memory_source"] = "jax_allocator_peak"
    else:
        result["peak_bytes"] = peak_rss_bytes()
        result["memory_source"] = "host_peak_rss" if rss_reset else "host_peak_rss_with_compile"
    if phases is not None:  # after the memory reading, so the phases' own buffers do not count in it
        state, timings = time_phases(phases, state, repeats)
        result.update(timings)
    if spec.get("noise_scale") and phases is not None:  # after the timings: a batch at the trained parameters
        from profiler.kinds.mjx.noise_probe import measure_noise

        state, flat = phases["collect"](state)
        result["noise_scale"] = measure_noise(config, env, state.params, flat, jax.random.PRNGKey(1))
    if physics is not None:
        env_state, _ = _time_calls(physics, state.env_state, 1)  # warm-up
        _, phys = _time_calls(physics, env_state, repeats)
        result["physics_sps_samples"] = [config.batch_size / d for d in phys]
    result["timed_unix_s"] = [timed_from, time.time()]
    return result


def probe() -> dict[str, Any]:
    """What JAX sees here (backend and first device), for choosing a sweep grid."""
    import jax

    return {"backend": jax.default_backend(), "device": device_facts(), "jax": jax.__version__}


def setup(spec: dict[str, Any]) -> None:
    """Before jax is imported: the measuring environment, and the sweep's memory cap if any."""
    configure_jax_environment(spec.get("cache_dir"), spec.get("platform"))
    skip_warp()
    if spec.get("memory_limit_bytes"):
        limit = int(spec["memory_limit_bytes"])
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def run(spec: dict[str, Any]) -> dict[str, Any]:
    check_platform(spec.get("platform"))
    return probe() if spec.get("probe") else measure(spec)


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.mjx.point", setup=setup, measure=run))
