"""The RLlib calibration sweep: one subprocess (and one fresh Ray session) per point, the
profile saved after every point.

Before anything runs, every point gets its CPU plan (:func:`profiler.kinds.rllib.workload.runner_cpus`)
against the CPUs Ray will have: this machine's for a local session, or the cluster's (asked by a
probe child) with ``address``. A point that cannot fit is refused up front with a one-line
reason, because Ray would otherwise wait for ever in ``build_algo()``. A timeout or crash costs
that point only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from profiler.engine import Sweep, SweepEvent
from profiler.engine import preflight as engine_preflight
from profiler.errors import WorkloadSpecError
from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload
from profiler.kinds.rllib.workload import check_grid, free_node_cpus, runner_cpus
from profiler.profile import Profile
from profiler.runner import ChildResult, run_child

POINT_MODULE = "profiler.kinds.rllib.point"
#: The quick sweep: enough for speedup at 2 runners and the effect of a second env per runner.
QUICK_GRID = ((1, 1), (2, 1), (1, 2))
#: Unix socket paths must stay under 107 bytes; Ray adds about this much under its temp dir.
RAY_SOCKET_SUFFIX = 64


@dataclass(frozen=True)
class RllibSweepSpec:
    """What an RLlib sweep measures and how. ``grid`` holds (num_env_runners,
    num_envs_per_env_runner) pairs in the order they run; ``driver_cpus`` are held back from
    env runners for the driver and its learner; ``cpus_per_env_runner`` ``None`` plans one CPU
    per runner, or an equal share when there are more runners than CPUs."""

    workload: RllibWorkload
    grid: tuple[tuple[int, int], ...]
    repeats: int = 3
    warmup: int = 1
    timeout_s: float = 900.0
    address: str | None = None
    driver_cpus: float = 1.0
    cpus_per_env_runner: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.grid:
            raise WorkloadSpecError("the sweep has no points; give --runners 1,2,4 and --envs-per-runner 1")
        if self.repeats < 1:
            raise WorkloadSpecError("--repeats must be at least 1")
        if self.warmup < 0:
            raise WorkloadSpecError("--warmup must not be negative")
        if self.timeout_s <= 0:
            raise WorkloadSpecError("--timeout must be positive seconds")
        if self.driver_cpus < 0:
            raise WorkloadSpecError("--driver-cpus must not be negative")
        if self.cpus_per_env_runner is not None and self.cpus_per_env_runner <= 0:
            raise WorkloadSpecError("--cpus-per-runner must be a positive number of CPUs, e.g. 1 or 0.5")
        check_grid(self.workload, self.grid)

    kind = "rllib"
    title = "RLlib"
    module = POINT_MODULE

    @property
    def settings(self) -> dict[str, Any]:
        """What a resumed sweep must share with the interrupted one, as stored in JSON."""
        return json.loads(json.dumps({
            "workload": dataclasses.asdict(self.workload), "grid": [list(k) for k in self.grid],
            "address": self.address, "driver_cpus": self.driver_cpus, "cpus_per_env_runner": self.cpus_per_env_runner}))

    def interrupted_point(self, key: tuple[int, int]) -> RllibPoint:
        return RllibPoint(num_env_runners=key[0], num_envs_per_env_runner=key[1], status="interrupted",
                          error="interrupted by the user; --resume measures it again")


def make_grid(runners: tuple[int, ...], envs_per_runner: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """Every (runners, envs per runner) pair, envs per runner outermost."""
    return tuple((r, e) for e in envs_per_runner for r in runners)


def local_cpus() -> int:
    """CPUs this process may use (what a local Ray session is given)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail at once, not after Ray's minutes of retries, when nothing listens at ``host:port``
    (``auto`` and ``ray://`` addresses are left to Ray)."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "/" in address or not host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise WorkloadSpecError(f"nothing answers at --address {address} ({exc.strerror or exc}); start the cluster "
                                "('ray start --head') or check the address that 'ray status' prints") from None


def probe_cluster(workdir: Path, address: str, timeout_s: float = 180.0) -> dict[str, Any]:
    """Join the cluster at ``address`` in a child and report its CPUs, alive nodes and the node
    the driver runs on."""
    check_reachable(address)
    child = run_child(POINT_MODULE, {"probe": True, "address": address}, workdir, "probe", timeout_s)
    if not child.result or child.result.get("status") != "ok":
        reason = (child.result or {}).get("error") or ("timed out" if child.timed_out else
                                                      (child.log_tail.strip().splitlines() or ["no output"])[-1])
        raise WorkloadSpecError(f"could not join the Ray cluster at {address!r} ({reason[:300]}); check that "
                                "'ray status' works there, or drop --address for a local session")
    return child.result["cluster"]


def plan_cpus(spec: RllibSweepSpec, ray_cpus: float,
              node_cpus: tuple[float, ...] | None = None) -> dict[tuple[int, int], float]:
    """``num_cpus_per_env_runner`` for every point (fitting node by node on a cluster, given each
    node's free CPUs); raises before anything runs if one cannot fit."""
    return {key: runner_cpus(key[0], ray_cpus, spec.driver_cpus, spec.cpus_per_env_runner, node_cpus)
            for key in spec.grid}


def ray_temp_dir(workdir: Path) -> tuple[Path, bool]:
    """Ray's temp dir for a local session: ``workdir/ray-tmp`` when its socket paths fit, else a
    fresh folder under the system temp dir. Returns ``(path, made_elsewhere)``."""
    inside = workdir / "ray-tmp"
    if len(str(inside)) + RAY_SOCKET_SUFFIX < 107:
        inside.mkdir(parents=True, exist_ok=True)
        return inside, False
    return Path(tempfile.mkdtemp(prefix="advisor-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)), True


def point_from_child(key: tuple[int, int], child: ChildResult, cpus: float, temp_note: str = "") -> RllibPoint:
    """Turn one child's output into an :class:`RllibPoint`."""
    runners, envs = key
    result = child.result or {}
    base = dict(num_env_runners=runners, num_envs_per_env_runner=envs, num_cpus_per_env_runner=cpus,
                wall_s=child.wall_s)
    if child.timed_out:
        return RllibPoint(**base, status="timeout", error=f"ended at its timeout{temp_note}")
    if result.get("status") != "ok" or child.returncode != 0:
        if result.get("status") in ("oom", "error"):
            return RllibPoint(**base, status=result["status"], error=(result.get("error") or "") + temp_note)
        tail = child.log_tail.strip()
        last = tail.splitlines()[-1][:300] if tail else "no output"
        return RllibPoint(**base, status="error", error=f"exit code {child.returncode}: {last}{temp_note}")
    samples = tuple(float(s) for s in result["env_steps_per_s_samples"])
    return RllibPoint(
        **{**base, "num_cpus_per_env_runner": float(result["num_cpus_per_env_runner"])},
        env_steps_per_s=statistics.median(samples), env_steps_per_s_samples=samples,
        iter_s=result["iter_s"], sample_s=result["sample_s"], learner_s=result["learner_s"],
        cpu_util_percent=result["cpu_util_percent"], env_steps_per_iter=result["env_steps_per_iter"],
        node_ids=tuple(result["node_ids"]), node_ips=tuple(result["node_ips"]), startup_s=result["startup_s"],
    )


def ray_resources(spec: RllibSweepSpec, workdir: Path) -> tuple[float, int, tuple[float, ...] | None]:
    """``(CPUs, nodes, free CPUs per node)`` Ray will have: this machine's (one node, no per-node
    plan needed), or the cluster's from a probe child, the driver's CPUs taken from its node."""
    if spec.address:
        cluster = probe_cluster(workdir, spec.address)
        nodes = cluster["nodes"]
        return float(cluster["ray_cpus"]), len(nodes), free_node_cpus(nodes, cluster.get("driver_node_id"),
                                                                       spec.driver_cpus)
    return float(local_cpus()), 1, None


def preflight(spec: RllibSweepSpec | None, profile_name: str, *, resume: bool, fresh: bool) -> Profile | None:
    """The engine's refusals for an RLlib sweep (:func:`profiler.engine.preflight`)."""
    return engine_preflight(spec, "rllib", "RLlib", profile_name, resume=resume, fresh=fresh)


def run_rllib_sweep(spec: RllibSweepSpec, profile_name: str, *,
                    on_event: Callable[[SweepEvent], None] = lambda event: None,
                    resources: tuple[float, int, tuple[float, ...] | None] | None = None, resume: bool = False,
                    fresh: bool = False, claim: Any = None, strict: bool = False) -> Profile:
    """Measure every point of ``spec`` into profile ``profile_name`` (its other sections are
    kept), saving after each point. ``resources`` is :func:`ray_resources`'s answer when the
    caller already asked. With ``resume`` the RLlib section must come from the same settings and
    finished points are skipped; without it an unfinished sweep is only discarded with ``fresh``.
    Ctrl-C (or SIGTERM turned into it) records the point in flight as interrupted. The sweep holds
    its profile's and the host CPU's locks while it runs (``claim``: the caller's, else taken here,
    waiting for a busy CPU) and records contention with every point; ``strict`` re-measures or
    refuses contended points. Returns the saved profile."""
    existing = preflight(spec, profile_name, resume=resume, fresh=fresh)
    sweep = Sweep(spec, profile_name, existing, on_event)
    total = len(spec.grid)
    if resources is None:
        on_event(SweepEvent("probe", total, message="counting the CPUs Ray will have"))
        resources = ray_resources(spec, sweep.workdir)
    ray_cpus, nodes, node_cpus = resources
    plan = plan_cpus(spec, ray_cpus, node_cpus)
    if resume:
        section = existing.section("rllib")
    else:
        section = RllibSection(
            workload=spec.workload, ray_cpus=ray_cpus, driver_cpus=spec.driver_cpus, address=spec.address,
            num_nodes=nodes, warmup_iterations=spec.warmup, repeats=spec.repeats, timeout_s=spec.timeout_s,
            requested_grid=spec.grid, sweep_settings=spec.settings, method=_method(spec, ray_cpus, nodes))
    sweep.hold("cpu", claim=claim, strict=strict, cluster=bool(spec.address))
    try:
        sweep.begin(section)
        todo = set(sweep.section.unfinished_keys())
        for index, key in enumerate(spec.grid):
            if key not in todo:
                continue
            on_event(SweepEvent("start", total, key, index=index))
            child_spec = {"workload": dataclasses.asdict(spec.workload), "num_env_runners": key[0],
                          "num_envs_per_env_runner": key[1], "num_cpus_per_env_runner": plan[key],
                          "driver_cpus": spec.driver_cpus, "repeats": spec.repeats, "warmup": spec.warmup,
                          "seed": spec.seed, "address": spec.address, "ray_cpus": ray_cpus}
            temp, elsewhere = (None, False) if spec.address else ray_temp_dir(sweep.workdir)
            child_spec["ray_temp_dir"] = str(temp) if temp else None
            child = sweep.run_point(key, child_spec, f"r{key[0]}-e{key[1]}")
            point = sweep.marked(point_from_child(key, child, plan[key], f" (Ray's logs: {temp})" if elsewhere else ""))
            if elsewhere and point.ok:
                shutil.rmtree(temp, ignore_errors=True)
            sweep.record(point)
            on_event(SweepEvent("done", total, key, point, index=index))
    finally:
        sweep.release()
    return sweep.profile


def _method(spec: RllibSweepSpec, ray_cpus: float, nodes: int) -> str:
    where = (f"Ray cluster at {spec.address} ({nodes} nodes, {ray_cpus:g} CPUs; env runners placed with Ray's SPREAD "
             "strategy, CPU shares planned to fit node by node)" if spec.address else
             f"a fresh local Ray session per point ({ray_cpus:g} CPUs)")
    w = spec.workload
    return (
        f"one process per point on {where}, {spec.driver_cpus:g} CPU{'' if spec.driver_cpus == 1 else 's'} held back "
        "for the driver and its learner; "
        f"PPO on {w.env_id} (torch, new API stack, num_learners={w.num_learners}); {spec.warmup} warm-up + "
        f"{spec.repeats} timed algo.train() iterations; env_steps_per_s = env_runners/num_env_steps_sampled over "
        "the iteration's wall time (median); learner_s = LearnerGroup.update; sample_s = iteration minus learner "
        "update and weight sync; cpu_util_percent = system-wide on the driver's machine"
    )
