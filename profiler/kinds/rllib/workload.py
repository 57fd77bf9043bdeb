"""The RLlib PPO workload: its config, the CPU plan that keeps Ray from hanging, and reading
RLlib's results.

Ray waits for ever in ``build_algo()`` when the env runners ask for more CPUs than it has, so
every point gets a CPU plan first: ``num_env_runners x num_cpus_per_env_runner`` must fit in
Ray's CPUs minus those held back for the driver (which also runs the local learner). Without an
explicit ``num_cpus_per_env_runner`` a runner gets one CPU, or an equal fraction of what is left
when there are more runners than CPUs (the machine is then oversubscribed, and the point says
so). On a cluster the plan must also fit node by node, since a runner cannot straddle two
machines: a share that Ray could not place on the nodes' free CPUs is lowered until it can, or
refused. Only :func:`ppo_config` imports Ray.
"""

from __future__ import annotations

import math
from typing import Any

from profiler.errors import WorkloadSpecError
from profiler.kinds.rllib.schema import RllibWorkload

#: The quick sweep's workload: the source's PPO settings with a train batch small enough for a
#: 2-core machine to finish a few iterations per point in seconds.
QUICK_BATCH = {"train_batch_size_per_learner": 1024, "minibatch_size": 256}
#: Smallest CPU share one env runner may be given.
MIN_CPUS_PER_RUNNER = 0.01


def placeable(share: float, node_cpus: tuple[float, ...]) -> int:
    """How many runners of ``share`` CPUs each Ray can place on nodes with these free CPUs."""
    return sum(math.floor(c / share + 1e-9) for c in node_cpus if c > 0)


def free_node_cpus(nodes: list[dict[str, Any]], driver_node_id: str | None, driver_cpus: float) -> tuple[float, ...]:
    """CPUs each alive node has for env runners: its CPUs, less ``driver_cpus`` on the node the
    driver runs on (``nodes`` as :func:`profiler.kinds.rllib.point.cluster_facts` reports them)."""
    return tuple(max(float(n.get("cpus") or 0.0) - (driver_cpus if n.get("node_id") == driver_node_id else 0.0), 0.0)
                 for n in nodes)


def runner_cpus(runners: int, ray_cpus: float, driver_cpus: float, cpus_per_env_runner: float | None = None,
                node_cpus: tuple[float, ...] | None = None) -> float:
    """``num_cpus_per_env_runner`` for ``runners`` runners; raises :class:`WorkloadSpecError`
    when they cannot fit in ``ray_cpus - driver_cpus`` or, given ``node_cpus`` (free CPUs per
    node, see :func:`free_node_cpus`), on the nodes one by one (Ray would otherwise hang)."""
    available = ray_cpus - driver_cpus
    if available <= 0:
        raise WorkloadSpecError(
            f"Ray has {ray_cpus:g} CPUs and {driver_cpus:g} are held back for the driver, leaving none for env "
            "runners; lower --driver-cpus or give Ray more CPUs")
    if cpus_per_env_runner is not None:
        if runners * cpus_per_env_runner > available + 1e-9:
            raise WorkloadSpecError(
                f"{runners} env runners x {cpus_per_env_runner:g} CPUs = {runners * cpus_per_env_runner:g} CPUs, but Ray "
                f"can give env runners only {available:g} ({ray_cpus:g} minus {driver_cpus:g} for the driver) and "
                "would wait for ever; use fewer --runners or a smaller --cpus-per-runner")
        if node_cpus and placeable(cpus_per_env_runner, node_cpus) < runners:
            raise WorkloadSpecError(
                f"{runners} env runners x {cpus_per_env_runner:g} CPUs do not fit on the cluster's nodes (free CPUs per "
                f"node: {', '.join(f'{c:g}' for c in node_cpus)}): Ray could place "
                f"{placeable(cpus_per_env_runner, node_cpus)} and would wait for ever for the rest; use fewer --runners "
                "or a smaller --cpus-per-runner")
        return cpus_per_env_runner
    share = min(1.0, math.floor(available / runners * 100) / 100)
    if node_cpus and share >= MIN_CPUS_PER_RUNNER and placeable(share, node_cpus) < runners:
        # the largest share, no bigger than the even one, that fits node by node
        fits = [s for s in {min(share, math.floor(c / k * 100) / 100) for c in node_cpus if c > 0
                            for k in range(1, runners + 1)} if s >= MIN_CPUS_PER_RUNNER and placeable(s, node_cpus) >= runners]
        share = max(fits, default=0.0)
    if share < MIN_CPUS_PER_RUNNER:
        raise WorkloadSpecError(f"{runners} env runners cannot share {available:g} CPUs (less than "
                                f"{MIN_CPUS_PER_RUNNER} each on the nodes they would run on); use fewer --runners")
    return share


def default_runners(ray_cpus: float, driver_cpus: float) -> tuple[int, ...]:
    """1, 2, 4, 8, ... up to the CPUs left for runners, plus that count itself (15 on 16 CPUs).
    At least three runner counts, the extra ones sharing CPUs (1, 2, 3 with one or two CPUs
    left): two are needed to see scaling, and a third lets ``advisor validate`` hold out an
    interior runner count and check the prediction interval there (and the USL's coherency
    term be fitted)."""
    available = max(int(ray_cpus - driver_cpus), 1)
    grid = {2**k for k in range(0, 20) if 2**k <= available} | {available}
    while len(grid) < 3:
        grid.add(max(grid) + 1)
    return tuple(sorted(grid))


def quick_workload(workload: RllibWorkload) -> RllibWorkload:
    """``workload`` with the quick sweep's small train batch."""
    import dataclasses

    return dataclasses.replace(workload, **QUICK_BATCH)


def check_grid(workload: RllibWorkload, grid: tuple[tuple[int, int], ...]) -> None:
    """Every point must sample at least one env step per env per iteration."""
    for runners, envs in grid:
        if runners * envs > workload.train_batch_size_per_learner:
            raise WorkloadSpecError(
                f"{runners} runners x {envs} envs is more envs than train_batch_size_per_learner="
                f"{workload.train_batch_size_per_learner} env steps per iteration; use a bigger --train-batch")


def ppo_config(workload: RllibWorkload, runners: int, envs_per_runner: int, cpus_per_runner: float,
               seed: int | None = 0) -> Any:
    """The ``PPOConfig`` (new API stack, torch) of one point. Imports Ray."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    from profiler.kinds.rllib.env_entry import rllib_env

    return (
        PPOConfig()
        .environment(rllib_env(workload.env_id))
        .framework("torch")
        .env_runners(num_env_runners=runners, num_envs_per_env_runner=envs_per_runner,
                     num_cpus_per_env_runner=cpus_per_runner)
        .learners(num_learners=workload.num_learners)
        .training(lr=workload.lr, lambda_=workload.lambda_, num_epochs=workload.num_epochs,
                  train_batch_size_per_learner=workload.train_batch_size_per_learner,
                  minibatch_size=workload.minibatch_size)
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=list(workload.fcnet_hiddens),
                                                   fcnet_activation=workload.fcnet_activation))
        .debugging(seed=seed)
    )


def sampled_env_steps(result: dict[str, Any]) -> int:
    """Env steps sampled in one ``algo.train()`` iteration (``env_runners/num_env_steps_sampled``,
    summed over runners by RLlib)."""
    runners = result.get("env_runners") or {}
    steps = runners.get("num_env_steps_sampled")
    if steps is None:
        raise KeyError("env_runners/num_env_steps_sampled is missing from RLlib's result; this Ray version "
                       "reports differently (advisor is tested with ray 2.60)")
    return int(round(float(steps)))
