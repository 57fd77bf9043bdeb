"""Run one whole MJX training to its target in this (fresh) process and time it: the measuring
child of ``advisor verify``.

Run as ``python -m profiler.kinds.mjx.verify_child SPEC.json RESULT.json`` (see
:mod:`profiler.child`), with the same setup as a calibration point (:mod:`profiler.kinds.mjx.point`:
the forced platform, preallocation off, the optional persistent compile cache, the memory cap).

The program is LocoMuJoCo's: ``init`` and all ``num_updates`` training iterations as **one**
``lax.scan``, jitted and run once, like :func:`profiler.kinds.mjx.workload.make_train`'s
``train(rng)``. Its body is the same ``update`` plus one ``jax.debug.callback`` per update that
hands the host the update's index (LocoMuJoCo's own training calls a logging callback every
update, with its metrics); the host appends it to ``progress_file``, which is how the parent's
progress bar moves through the run without splitting it into chunks. So the timing is of the
whole-run program as users run it, nothing left out: compile (trace, lower, XLA compile, timed
as ``compile_s``) and then the one call that trains to the target (``run_s``, blocked on its
result). Peak memory is read as a calibration point reads it: the JAX allocator's
``peak_bytes_in_use`` on a GPU, the process's peak resident set after compile on CPU.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from profiler import child
from profiler.jax_child import device_facts
from profiler.kinds.mjx.point import peak_rss_bytes, reset_peak_rss, setup


def _progress(path: str | None):
    """A writer of progress lines (``phase`` or ``update i``) into ``path`` (unbuffered appends)."""
    handle = open(path, "a", buffering=1) if path else None  # noqa: SIM115 - open for the whole run

    def write(line: str) -> None:
        if handle is not None:
            handle.write(line + "\n")
            handle.flush()

    return write


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Compile and run the whole training of ``spec``; the result dict (module docstring)."""
    import jax
    import jax.monitoring

    hits: list[str] = []
    jax.monitoring.register_event_listener(
        lambda event, **kw: hits.append(event) if event == "/jax/compilation_cache/cache_hits" else None)
    from profiler.kinds.mjx.workload import MjxEnv, PPOConfig, make_train

    report = _progress(spec.get("progress_file"))
    facts = device_facts()
    config = PPOConfig(num_envs=int(spec["num_envs"]), num_steps=int(spec["num_steps"]),
                       num_minibatches=int(spec["num_minibatches"]), update_epochs=int(spec["update_epochs"]),
                       hidden_layers=tuple(int(h) for h in spec["hidden_layers"]),
                       total_timesteps=int(spec["target_steps"]))
    env = MjxEnv.from_path(spec["model_path"], n_substeps=int(spec.get("n_substeps") or 1),
                           solver_iterations=spec.get("solver_iterations"), ls_iterations=spec.get("ls_iterations"),
                           timestep=spec.get("timestep"))
    fns = make_train(config, env)
    num_updates = config.num_updates

    def on_update(i) -> None:
        report(f"update {int(i) + 1}")

    def body(state, i):
        state, metrics = fns.update(state)
        jax.debug.callback(on_update, i)
        return state, metrics

    def train(rng):  # Train.train, plus the per-update callback
        return jax.lax.scan(body, fns.init(rng), jax.numpy.arange(num_updates))

    key = jax.random.PRNGKey(int(spec.get("seed", 0)))
    report("compile")
    started = time.perf_counter()
    compiled = jax.jit(train).lower(key).compile()
    compile_s = time.perf_counter() - started
    rss_reset = reset_peak_rss()  # on CPU, count what training holds, not the compiler's peak
    report("run")
    started = time.perf_counter()
    timed_from = time.time()
    state, metrics = compiled(key)
    jax.block_until_ready((state, metrics))
    run_s = time.perf_counter() - started
    result: dict[str, Any] = {"device": facts, "compile_s": compile_s, "run_s": run_s, "num_updates": num_updates,
                              "env_steps": num_updates * config.batch_size, "compile_cache_hit": bool(hits),
                              "timed_unix_s": [timed_from, time.time()]}
    stats = jax.devices()[0].memory_stats() or {}
    if facts["platform"] != "cpu" and "peak_bytes_in_use" in stats:
        result["peak_bytes"], result["memory_source"] = int(stats["peak_bytes_in_use"]), "jax_allocator_peak"
    else:
        result["peak_bytes"] = peak_rss_bytes()
        result["memory_source"] = "host_peak_rss" if rss_reset else "host_peak_rss_with_compile"
    result["final_mean_reward"] = float(metrics["mean_reward"][-1])
    report("done")
    return result


def verify_setup(spec: dict[str, Any]) -> None:
    """A calibration point's setup; without a cache folder, no persistent cache at all (a user's
    first run compiles), even if the caller's environment names one."""
    if not spec.get("cache_dir"):
        os.environ.pop("JAX_COMPILATION_CACHE_DIR", None)
    setup(spec)


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.mjx.verify_child", setup=verify_setup, measure=measure))
