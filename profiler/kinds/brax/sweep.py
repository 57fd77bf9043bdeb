"""The brax sweep: one ``ppo.train`` run per point, each in a fresh measuring process
(:mod:`profiler.kinds.brax.point`) with a timeout; the profile is saved after every point
(:class:`profiler.engine.Sweep`), so Ctrl-C, a hang or a crash costs one point and ``--resume``
continues.

The grid: the num_envs curve at one batch shape (``batch_size``, ``num_minibatches``,
``unroll_length``), then the extra shapes the phase model needs (:mod:`models.phases.brax`).
Before anything runs, a probe process reads Playground's env lists, the env's defaults and the
device count, and every point is checked against Brax's asserts and the env rules
(:mod:`profiler.kinds.brax.rules`): bad input is refused in one line. A locomotion or
manipulation env needs MuJoCo Menagerie where Playground looks for it; when it is absent, a
child fetches it the way Playground does, and only a failed fetch refuses the env
(:mod:`profiler.kinds.brax.menagerie`). Evaluation
(``num_eval_envs`` envs for ``episode_length`` steps, three times) is measured in the grid's
first point only: it does not depend on the training shape.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from profiler.engine import Sweep, SweepEvent, probe, require_num_envs
from profiler.engine import preflight as engine_preflight
from profiler.errors import AdvisorError, WorkloadSpecError
from profiler.extras import install_command
from profiler.jax_child import failure, jax_cache_dir
from profiler.kinds.brax.menagerie import NEEDS_MENAGERIE, Menagerie, ensure
from profiler.kinds.brax.rules import env_error, env_family, shape_error
from profiler.kinds.brax.schema import MEMORY_SOURCES, BraxPoint, BraxSection, BraxWorkload
from profiler.kinds.brax.versions import broken_pair
from profiler.profile import Accelerator, Profile

POINT_MODULE = "profiler.kinds.brax.point"
#: Epochs a point runs before its timed ones: the first compiles, and with brax 0.14.2 on a
#: released jax the second compiles again (see :mod:`profiler.kinds.brax.point`).
WARMUP_EPOCHS = 2
#: Playground's defaults a measurement changes, and why (the shape fields are the point's own).
CHANGED = {
    "num_envs": "the point's", "batch_size": "the point's", "num_minibatches": "the point's",
    "unroll_length": "the point's",
    "num_resets_per_eval": "0: one epoch per eval period, so each training/walltime delta is one epoch",
    "num_evals": "epochs + 1: one eval period per epoch (the timed epochs and the two before them that compile)",
    "num_timesteps": "epochs x training steps per epoch x env steps per update, exactly",
    "run_evals": "only in the point that measures evaluation",
    "impl": "the sweep's (jax by default, as Playground's trainer), in the env config and brax_ppo_config",
}
Key = tuple[int, int, int, int]


@dataclass(frozen=True)
class BraxSweepSpec:
    """What a brax sweep measures (module docstring). ``epochs`` timed epochs per point (after
    :data:`WARMUP_EPOCHS` that compile), each of ``training_steps`` training steps;
    ``num_updates_per_batch`` ``None`` keeps Playground's."""

    env: str
    num_envs: tuple[int, ...]
    batch_size: int
    num_minibatches: int
    unroll_length: int
    shapes: tuple[Key, ...] = ()
    num_updates_per_batch: int | None = None
    impl: str = "jax"
    epochs: int = 2
    training_steps: int = 1
    num_eval_envs: int = 128
    measure_eval: bool = True
    timeout_s: float = 1800.0
    seed: int = 0
    platform: str | None = None
    memory_limit_bytes: int | None = None

    kind = "brax"
    title = "Brax"
    module = POINT_MODULE

    def __post_init__(self) -> None:
        require_num_envs(self.num_envs, "16,64")
        for name in ("batch_size", "num_minibatches", "unroll_length", "epochs", "training_steps", "num_eval_envs"):
            if getattr(self, name) < 1:
                raise WorkloadSpecError(f"--{name.replace('_', '-')} must be a positive integer")
        if self.num_updates_per_batch is not None and self.num_updates_per_batch < 1:
            raise WorkloadSpecError("--num-updates-per-batch must be a positive integer")
        if not self.timeout_s > 0:
            raise WorkloadSpecError("--timeout must be a positive number of seconds")

    @property
    def repeats(self) -> int:
        return self.epochs

    @property
    def grid(self) -> tuple[Key, ...]:
        curve = tuple((n, self.batch_size, self.num_minibatches, self.unroll_length) for n in sorted(self.num_envs))
        return curve + tuple(k for k in self.shapes if k not in curve)

    @property
    def settings(self) -> dict[str, Any]:
        return json.loads(json.dumps({
            "env": self.env, "impl": self.impl, "num_envs": sorted(self.num_envs), "grid": [list(k) for k in self.grid],
            "num_updates_per_batch": self.num_updates_per_batch, "epochs": self.epochs,
            "training_steps": self.training_steps, "num_eval_envs": self.num_eval_envs,
            "measure_eval": self.measure_eval, "seed": self.seed, "memory_limit_bytes": self.memory_limit_bytes}))

    def interrupted_point(self, key: Key) -> BraxPoint:
        n, b, m, u = key
        return BraxPoint(num_envs=n, batch_size=b, num_minibatches=m, unroll_length=u, status="interrupted",
                         error="interrupted by the user; --resume measures it again")


def check_grid(spec: BraxSweepSpec, device_count: int) -> None:
    """Every point passes Brax's asserts on this machine's devices (else one line, exit 2)."""
    for n, b, m, _u in spec.grid:
        problem = shape_error(n, b, m, device_count)
        if problem:
            raise WorkloadSpecError(f"{problem} (point num_envs={n}, batch_size={b}, num_minibatches={m})")


def run_probe(spec: BraxSweepSpec, workdir: Path, timeout_s: float = 600.0, fetch_timeout_s: float = 3600.0,
              on_fetch: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """What Playground and JAX say here (env lists, the env's defaults, devices, versions); the
    env and every point are checked against it. For an env that loads MuJoCo Menagerie, the
    Menagerie decision; ``on_fetch`` hears of a fetch before it starts."""
    result = probe(POINT_MODULE, {"env": spec.env, "platform": spec.platform, "impl": spec.impl}, workdir, timeout_s)
    status, reason = failure(result)
    if status:
        raise AdvisorError(f"the brax probe failed ({reason}); is the brax extra installed? "
                           f"{install_command('brax')} (Python >= 3.11)")
    found = result.result or {}
    broken = broken_pair(found.get("versions") or {})
    if broken:
        raise WorkloadSpecError(broken)
    families = {k: tuple(v) for k, v in found["families"].items()}
    problem = env_error(spec.env, families)
    if problem:
        raise WorkloadSpecError(problem)
    family = env_family(spec.env, families)
    if family in NEEDS_MENAGERIE:
        menagerie = Menagerie(**found["menagerie"])

        def fetch() -> str | None:
            on_fetch(f"MuJoCo Menagerie is not at {menagerie.path}, where Playground looks for it; fetching it as "
                     "Playground does (git clone, once)")
            child = probe(POINT_MODULE, {"fetch_menagerie": True, "platform": spec.platform}, workdir, fetch_timeout_s)
            return failure(child)[1]

        found["menagerie_state"] = ensure(menagerie, spec.env, family, fetch)
    check_grid(spec, int(found["device_count"]))
    return found


def preflight(spec: BraxSweepSpec | None, profile_name: str, *, resume: bool, fresh: bool) -> Profile | None:
    return engine_preflight(spec, "brax", "Brax", profile_name, resume=resume, fresh=fresh)


def new_section(spec: BraxSweepSpec, found: dict[str, Any]) -> BraxSection:
    defaults = found.get("ppo_defaults") or {}
    device = found["device"]
    accelerator = Accelerator(device["platform"], device["name"], device.get("memory_bytes"))
    updates = spec.num_updates_per_batch or int(defaults.get("num_updates_per_batch", 16))
    changed = dict(CHANGED)
    if spec.num_updates_per_batch is not None:
        changed["num_updates_per_batch"] = "the sweep's --num-updates-per-batch"
    family = env_family(spec.env, {k: tuple(v) for k, v in found["families"].items()}) or "dm_control_suite"
    workload = BraxWorkload(env=spec.env, impl=spec.impl, family=family, batch_size=spec.batch_size,
                            num_minibatches=spec.num_minibatches, unroll_length=spec.unroll_length,
                            num_updates_per_batch=updates, action_repeat=int(defaults.get("action_repeat", 1)),
                            episode_length=int(defaults.get("episode_length", 1000)),
                            num_eval_envs=spec.num_eval_envs, ppo_defaults=defaults, changed=changed)
    method = (f"one ppo.train process per point on {accelerator.name} ({accelerator.platform}, "
              f"{found['device_count']} device(s)); Playground's brax_ppo_config for {spec.env} (impl={spec.impl}) with "
              f"its network_factory and num_resets_per_eval=0, {spec.epochs + WARMUP_EPOCHS} epochs of "
              f"{spec.training_steps} training step(s): those JAX's compile events show compiling (the first "
              f"{WARMUP_EPOCHS} with brax 0.14.2) are left out, the others are timed from training/walltime deltas "
              f"(env steps/s = env steps per epoch / its seconds); compile from JAX's compile events; evaluation "
              f"({spec.num_eval_envs} envs) timed "
              f"in the first point only; memory: {MEMORY_SOURCES['host_peak_rss' if accelerator.platform == 'cpu' else 'jax_allocator_peak']}")
    return BraxSection(workload=workload, accelerator=accelerator, device_count=int(found["device_count"]),
                       memory_source="host_peak_rss" if accelerator.platform == "cpu" else "jax_allocator_peak",
                       timeout_s=spec.timeout_s, sweep_settings=spec.settings, method=method,
                       versions=dict(found.get("versions") or {}))


def point_from(key: Key, section: BraxSection, child: Any, num_eval_envs: int | None,
               training_steps: int = 1) -> BraxPoint:
    """The point ``key``'s measuring process reported (or its failure, classified)."""
    n, b, m, u = key
    w = section.workload
    common = dict(num_envs=n, batch_size=b, num_minibatches=m, unroll_length=u,
                  num_updates_per_batch=w.num_updates_per_batch, action_repeat=w.action_repeat,
                  wall_s=child.wall_s)
    status, reason = failure(child)
    if status:
        return BraxPoint(**common, status=status, error=reason)
    r = child.result
    return BraxPoint(**common, training_steps=training_steps, train_sps=float(r["train_sps"]), train_sps_samples=tuple(float(s) for s in r["train_sps_samples"]),
                     epoch_s=float(r["epoch_s"]), first_epoch_s=float(r["first_epoch_s"]), setup_s=float(r["setup_s"]),
                     recompile_s=float(r["recompile_s"]), compiled_epochs=sum(map(bool, r["compiled_epochs"])),
                     compile_s=float(r["compile_s"]), cache_hits=int(r["cache_hits"]),
                     eval_s=tuple(float(s) for s in r["eval_s"]), num_eval_envs=num_eval_envs if r["eval_s"] else None,
                     peak_bytes=int(r["peak_bytes"]) if r.get("peak_bytes") else None,
                     train_wall_s=float(r["train_wall_s"]))


class BraxSweep(Sweep):
    def __init__(self, spec: BraxSweepSpec, name: str, existing: Profile | None,
                 on_event: Callable[[SweepEvent], None]):
        super().__init__(spec, name, existing, on_event)
        self.spec = spec
        self.cache_dir = str(jax_cache_dir())

    def child_spec(self, key: Key, run_evals: bool) -> dict[str, Any]:
        s, w = self.spec, self.section.workload
        n, b, m, u = key
        return {"env": s.env, "impl": s.impl, "num_envs": n, "batch_size": b, "num_minibatches": m,
                "unroll_length": u, "num_updates_per_batch": w.num_updates_per_batch,
                "epochs": s.epochs + WARMUP_EPOCHS,
                "training_steps": s.training_steps, "num_eval_envs": s.num_eval_envs, "run_evals": run_evals,
                "seed": s.seed, "cache_dir": self.cache_dir, "platform": s.platform,
                "memory_limit_bytes": s.memory_limit_bytes}

    def measure(self, key: Key, index: int) -> None:
        total = len(self.spec.grid)
        self.on_event(SweepEvent("start", total, key, index=index))
        boundary = self.section.oom_num_envs
        if boundary is not None and key[0] > boundary:
            n, b, m, u = key
            reason = f"skipped: {boundary} envs ran out of memory"
            self.record(BraxPoint(num_envs=n, batch_size=b, num_minibatches=m, unroll_length=u, status="skipped",
                                  error=reason))
            self.on_event(SweepEvent("done", total, key, None, reason, index=index))
            return
        run_evals = self.spec.measure_eval and self.section.eval_point is None and key == self.spec.grid[0]
        self.on_event(SweepEvent("measure", total, key, message=f"num_envs={key[0]} batch {key[1]}x{key[2]} "
                                 f"unroll {key[3]}: compiling and training", index=index))
        stem = "n{}-b{}-m{}-u{}".format(*key)
        child = self.run_point(key, self.child_spec(key, run_evals), stem)
        point = self.marked(point_from(key, self.section, child, self.spec.num_eval_envs if run_evals else None,
                                           self.spec.training_steps))
        self.record(point)
        self.on_event(SweepEvent("done", total, key, point, index=index))


def run_brax_sweep(spec: BraxSweepSpec, profile_name: str, found: dict[str, Any], *, resume: bool = False,
                   fresh: bool = False, on_event: Callable[[SweepEvent], None] = lambda event: None,
                   claim: Any = None, strict: bool = False) -> Profile:
    """Measure ``spec`` into profile ``profile_name``; ``found`` is :func:`run_probe`'s answer."""
    existing = preflight(spec, profile_name, resume=resume, fresh=fresh)
    sweep = BraxSweep(spec, profile_name, existing, on_event)
    section = existing.section("brax") if resume else new_section(spec, found)
    if resume:
        section = dataclasses.replace(section, timeout_s=spec.timeout_s)
    sweep.begin(section)
    sweep.hold(section.accelerator.platform, claim=claim, strict=strict)
    try:
        todo = sweep.todo(spec.grid)
        for index, key in enumerate(todo):
            sweep.measure(key, index)
    finally:
        sweep.release()
    return sweep.profile

