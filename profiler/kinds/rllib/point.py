"""Measure one RLlib calibration point in this (fresh) process and write the result as JSON.

Run by the sweep as ``python -m profiler.kinds.rllib.point SPEC.json RESULT.json`` in its own process
session, so a timeout ends Ray's processes with it. Locally it starts a fresh Ray session with
exactly the CPUs the sweep planned (no dashboard, its temp dir where the sweep says); with
``address`` it joins that cluster instead and records which nodes the env runners landed on.

Order of work: start Ray, build the PPO algorithm (timed as ``startup_s``), ask every remote env
runner for its node, run ``warmup`` iterations, then ``repeats`` timed ``algo.train()``
iterations. Per iteration: env steps sampled over wall time, ``time_this_iter_s``, and a split
of it: ``learner_s`` (``LearnerGroup.update``, timed by wrapping the instance's method),
``sync_s`` (weight sync to the runners) and ``sample_s`` = wall - learner_s - sync_s (sampling
plus RLlib's per-iteration bookkeeping). RLlib's own timers are exponential moving averages
over all iterations, warm-up included, so they are not used. With ``probe`` it only reports the
cluster (CPUs and alive nodes).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any, Callable

from profiler import child


def configure_ray_environment() -> None:
    """Environment for a local, quiet, unauthenticated Ray session; before ray is imported."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")


def start_ray(spec: dict[str, Any]) -> None:
    import ray

    if spec.get("address"):
        ray.init(address=spec["address"], include_dashboard=False)
    else:
        ray.init(num_cpus=spec["ray_cpus"], include_dashboard=False, _temp_dir=spec.get("ray_temp_dir"))


def cluster_facts() -> dict[str, Any]:
    """CPUs Ray has, its alive nodes (id, IP, CPUs) and the node this driver runs on."""
    import ray

    nodes = [{"node_id": n["NodeID"], "ip": n.get("NodeManagerAddress"), "cpus": n.get("Resources", {}).get("CPU", 0.0)}
             for n in ray.nodes() if n.get("Alive")]
    return {"ray_cpus": float(ray.cluster_resources().get("CPU", 0.0)), "nodes": nodes, "ray": ray.__version__,
            "driver_node_id": ray.get_runtime_context().get_node_id()}


def spread_env_runners() -> None:
    """Ask Ray to place remote env runners on as many nodes as it can (its SPREAD scheduling
    strategy) rather than filling the driver's node first. RLlib offers a placement strategy only
    to runs under Tune, so the runners' remote options get Ray's public ``scheduling_strategy``."""
    from ray.rllib.env.env_runner_group import EnvRunnerGroup

    make_worker = EnvRunnerGroup._make_worker

    def spread(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._remote_args = {**self._remote_args, "scheduling_strategy": "SPREAD"}
        return make_worker(self, *args, **kwargs)

    EnvRunnerGroup._make_worker = spread


def _timed(record: list[float], method: Callable) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            record.append(time.perf_counter() - started)

    return wrapper


def runner_nodes(algo: Any, nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(node_id, node_ip)`` of every remote env runner; the IP is the node's address in the
    cluster (several nodes may share one machine and so one IP)."""
    def where(_runner: Any) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()

    ips = {n["node_id"]: n["ip"] for n in nodes}
    ids = algo.env_runner_group.foreach_env_runner(where, local_env_runner=False)
    return [(node_id, ips.get(node_id) or "unknown") for node_id in ids]


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the point's algorithm and time its iterations; returns the result dict."""
    started = time.perf_counter()
    import psutil

    from profiler.kinds.rllib.schema import RllibWorkload
    from profiler.kinds.rllib.workload import free_node_cpus, ppo_config, runner_cpus, sampled_env_steps

    workload = RllibWorkload(**{**spec["workload"], "fcnet_hiddens": tuple(spec["workload"]["fcnet_hiddens"])})
    runners, envs = int(spec["num_env_runners"]), int(spec["num_envs_per_env_runner"])
    start_ray(spec)
    facts = cluster_facts()
    # re-check against what Ray really has (a cluster may have shrunk since the probe)
    driver = float(spec["driver_cpus"])
    node_cpus = free_node_cpus(facts["nodes"], facts["driver_node_id"], driver) if spec.get("address") else None
    cpus = runner_cpus(runners, facts["ray_cpus"], driver, float(spec["num_cpus_per_env_runner"]), node_cpus)
    if spec.get("address"):
        spread_env_runners()
    algo = ppo_config(workload, runners, envs, cpus, seed=spec.get("seed", 0)).build_algo()
    nodes = runner_nodes(algo, facts["nodes"])
    learner_s: list[float] = []
    sync_s: list[float] = []
    algo.learner_group.update = _timed(learner_s, algo.learner_group.update)
    algo.env_runner_group.sync_weights = _timed(sync_s, algo.env_runner_group.sync_weights)
    startup_s = time.perf_counter() - started
    for _ in range(int(spec.get("warmup", 1))):
        algo.train()
    psutil.cpu_percent(interval=None)  # starts the CPU-use window
    timed_from = time.time()  # the timed phase, for the sweep's contention record (wall clock)
    iterations = []
    for _ in range(int(spec["repeats"])):
        learner_s.clear()
        sync_s.clear()
        begin = time.perf_counter()
        result = algo.train()
        wall = time.perf_counter() - begin
        steps = sampled_env_steps(result)
        learn, sync = sum(learner_s), sum(sync_s)
        iterations.append({"env_steps": steps, "wall_s": wall, "time_this_iter_s": float(result["time_this_iter_s"]),
                           "learner_s": learn, "sync_s": sync, "sample_s": max(wall - learn - sync, 0.0)})
    cpu_util = psutil.cpu_percent(interval=None)
    timed = [timed_from, time.time()]
    algo.stop()
    return {
        "cluster": facts, "num_cpus_per_env_runner": cpus, "startup_s": startup_s, "iterations": iterations,
        "env_steps_per_s_samples": [it["env_steps"] / it["wall_s"] for it in iterations],
        "iter_s": statistics.median(it["time_this_iter_s"] for it in iterations),
        "sample_s": statistics.median(it["sample_s"] for it in iterations),
        "learner_s": statistics.median(it["learner_s"] for it in iterations),
        "env_steps_per_iter": int(statistics.median(it["env_steps"] for it in iterations)),
        "cpu_util_percent": cpu_util, "node_ids": [n[0] for n in nodes], "node_ips": [n[1] for n in nodes],
        "timed_unix_s": timed,
    }


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    start_ray(spec)
    return {"cluster": cluster_facts()}


def setup(spec: dict[str, Any]) -> None:
    configure_ray_environment()


def run(spec: dict[str, Any]) -> dict[str, Any]:
    return probe(spec) if spec.get("probe") else measure(spec)


def shutdown_ray() -> None:
    if "ray" in sys.modules:
        sys.modules["ray"].shutdown()


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.rllib.point", setup=setup, measure=run,
                        teardown=shutdown_ray, oom_from_text=False))
