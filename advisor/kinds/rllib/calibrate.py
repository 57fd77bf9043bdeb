"""``advisor calibrate rllib``: measure RLlib PPO scaling over env runners into a saved profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Optional

import typer

from advisor import catalog
from advisor.calibrate_runner import Progress, Say, SweepPlan, SweepRequest, calibrate
from advisor.errors import BadInput
from advisor.kinds.rllib.render import rllib_points_table
from advisor.option_sets import typer_command
from advisor.sweeping import PointTimeoutOption, contended_suffix
from advisor.units import parse_int_list, parse_layers
from profiler.hardware import fingerprint
from profiler.kinds.rllib.schema import RllibWorkload


def check_env_id(env_id: str) -> None:
    """Unknown gymnasium ids and entry points that cannot build an env fail here (exit 2), not
    minutes later inside an env runner; an entry point's folder goes on the children's PYTHONPATH."""
    import difflib

    import gymnasium

    from profiler.kinds.rllib.env_entry import check_entry_point, import_root_on_path, is_entry_point

    if is_entry_point(env_id):
        return import_root_on_path(check_entry_point(env_id))
    if env_id not in gymnasium.envs.registry:
        close = difflib.get_close_matches(env_id, list(gymnasium.envs.registry), n=3, cutoff=0.8)
        hint = f"; did you mean {', '.join(close)}?" if close else "; e.g. HalfCheetah-v5 or Hopper-v5"
        raise BadInput(f"--env {env_id!r} is not a registered gymnasium env id{hint}")


@dataclass(frozen=True)
class RllibCalibration(SweepRequest):
    """``advisor calibrate rllib``'s options, and its sweep for the calibrate runner."""

    kind: ClassVar[str] = "rllib"
    title: ClassVar[str] = "RLlib"
    extra: ClassVar[str | None] = "rllib"
    smaller: ClassVar[str] = "fewer --runners"

    name: Annotated[Optional[str], typer.Option(help="Profile to save into (other sections in it are kept). "
                                                     "Default: named after this machine.")] = None
    env: Annotated[str, typer.Option(help="Gymnasium env id, e.g. HalfCheetah-v5, Hopper-v5, or your own env's "
                                          "entry point package.module:EnvClass (built with no arguments).")] = "HalfCheetah-v5"
    runners: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_env_runners. Default: 1, 2, 4, 8, ... up to the CPUs Ray has minus --driver-cpus "
             "(and that count itself, e.g. 15 on 16 CPUs).")] = None
    envs_per_runner: Annotated[Optional[str], typer.Option(help="Comma-separated num_envs_per_env_runner. Default: 1,2.")] = None
    address: Annotated[Optional[str], typer.Option(
        help="An existing Ray cluster ('auto' or host:port); env runners are spread over its nodes (Ray's SPREAD "
             "strategy) with CPU shares that fit node by node. Default: a fresh local Ray session per point.")] = None
    quick: Annotated[bool, typer.Option(help="A short sweep: 1r x 1e, 2r x 1e, 1r x 2e, a 1024-step train batch, "
                                             "2 timed iterations (under 5 minutes on a 2-core CPU).")] = False
    repeats: Annotated[Optional[int], typer.Option(help="Timed iterations per point after the warm-up. Default 3 (2 with --quick).")] = None
    warmup: Annotated[int, typer.Option(help="Untimed warm-up iterations per point.")] = 1
    train_batch: Annotated[Optional[int], typer.Option(help="train_batch_size_per_learner in env steps. Default 16384 (1024 with --quick).")] = None
    minibatch_size: Annotated[Optional[int], typer.Option(help="PPO minibatch_size in env steps. Default 4096 (256 with --quick).")] = None
    num_epochs: Annotated[int, typer.Option(help="PPO epochs per iteration.")] = 3
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 3e-4
    lambda_: Annotated[float, typer.Option("--lambda", help="GAE lambda.")] = 0.95
    hidden_layers: Annotated[str, typer.Option(help="fcnet_hiddens of RLlib's default model.")] = "256,256"
    driver_cpus: Annotated[Optional[float], typer.Option(
        help="CPUs held back from env runners for the driver and its learner (on the driver's node with --address). "
             "Default 1.")] = None
    cpus_per_runner: Annotated[Optional[float], typer.Option(
        help="num_cpus_per_env_runner. Default 1, or an equal share of the CPUs left when there are more runners.")] = None
    timeout: PointTimeoutOption = 900.0
    resume: Annotated[bool, typer.Option(help="Continue an interrupted RLlib sweep of this profile with the same settings.")] = False
    fresh: Annotated[bool, typer.Option(help="Discard an unfinished RLlib sweep in this profile and start over.")] = False

    def check(self) -> None:
        if self.num_epochs < 1 or self.warmup < 0:
            raise BadInput("--num-epochs must be a positive integer and --warmup not negative")
        for option, value in (("--train-batch", self.train_batch), ("--minibatch-size", self.minibatch_size),
                              ("--repeats", self.repeats)):
            if value is not None and value < 1:
                raise BadInput(f"{option} must be a positive integer")
        if self.repeats is not None and self.repeats > 1000:
            raise BadInput("--repeats must be at most 1000 timed iterations")
        if not 0 < self.timeout < 1e7 or not 0 < self.lr < 1e3 or not 0 < self.lambda_ <= 1:  # also nan and inf
            raise BadInput("--timeout and --lr must be positive finite numbers and --lambda in (0, 1]")
        batch, minibatch = self._batch()
        if minibatch > batch:
            raise BadInput(f"--minibatch-size {minibatch} is larger than the train batch {batch}; lower it")
        check_env_id(self.env)
        self._spec(((1, 1),))  # settings errors before a cluster is asked anything

    def profile_name(self) -> str:
        return self.name or catalog.machine_slug(fingerprint())

    def likely_platform(self) -> str | None:
        return "cpu"  # RLlib sweeps measure on the host CPU: held before Ray is asked anything

    def _batch(self) -> tuple[int, int]:
        from profiler.kinds.rllib.workload import QUICK_BATCH

        return (self.train_batch or (QUICK_BATCH["train_batch_size_per_learner"] if self.quick else 16384),
                self.minibatch_size or (QUICK_BATCH["minibatch_size"] if self.quick else 4096))

    def _spec(self, grid):
        from profiler.kinds.rllib.sweep import RllibSweepSpec

        batch, minibatch = self._batch()
        workload = RllibWorkload(env_id=self.env, lr=self.lr, lambda_=self.lambda_, num_epochs=self.num_epochs,
                                 train_batch_size_per_learner=batch, minibatch_size=minibatch,
                                 fcnet_hiddens=parse_layers(self.hidden_layers))
        return RllibSweepSpec(grid=grid, workload=workload, repeats=self.repeats or (2 if self.quick else 3),
                              warmup=self.warmup, timeout_s=self.timeout, address=self.address,
                              driver_cpus=self._driver(), cpus_per_env_runner=self.cpus_per_runner)

    def _driver(self) -> float:
        return self.driver_cpus if self.driver_cpus is not None else 1.0

    def plan(self, profile_name: str, say: Say) -> SweepPlan:
        from profiler.kinds.rllib.sweep import QUICK_GRID, make_grid, plan_cpus, ray_resources
        from profiler.kinds.rllib.workload import default_runners
        from profiler.store import advisor_home

        runner_grid = parse_int_list(self.runners, "--runners", maximum=4096) if self.runners is not None else None
        envs_grid = (parse_int_list(self.envs_per_runner, "--envs-per-runner", maximum=1024)
                     if self.envs_per_runner is not None else None)
        if self.address:
            say(f"joining the Ray cluster at {self.address} to count its CPUs and nodes…")
        resources = ray_resources(self._spec(((1, 1),)), advisor_home() / "runs" / profile_name)
        if self.quick and runner_grid is None and envs_grid is None:
            grid = QUICK_GRID
        else:
            grid = make_grid(runner_grid or default_runners(resources[0], self._driver()), envs_grid or (1, 2))
        spec = self._spec(grid)
        plan_cpus(spec, resources[0], resources[2])  # a point Ray could not place: refused before anything runs
        return SweepPlan(spec=spec, platform="cpu", total=len(spec.grid), found=resources)

    def sweep(self, plan: SweepPlan, profile_name: str, on_event, **options):
        from profiler.kinds.rllib.sweep import run_rllib_sweep

        return run_rllib_sweep(plan.spec, profile_name, on_event=on_event, resources=plan.found, **options)

    def progress(self) -> Progress:
        return Progress(_label, _done_text, shown=("probe",),
                        states={"start": lambda key: f"{_label(key)}: starting Ray and measuring"})

    def table(self, section, profile_name: str):
        return rllib_points_table(section, f"{profile_name}: RLlib PPO on {self.env} (env steps/s; seconds per "
                                           "iteration)")

    def next_hint(self, profile_name: str) -> str:
        return (f"advisor recommend --kind rllib --profile {profile_name} --target 100M; "
                f"advisor report --profile {profile_name} -o report/")


calibrate_rllib = typer_command(
    RllibCalibration, calibrate, "rllib",
    """Run RLlib PPO with a grid of num_env_runners x num_envs_per_env_runner, one process and Ray session per point;
    each point records env steps/s (median of timed iterations), iteration, sampling and learner seconds, CPU use
    (percent) and the Ray nodes its runners ran on.""")


def _label(key) -> str:
    return f"{key[0]}r x {key[1]}e"


def _done_text(p) -> str:
    nodes = f" on {p.num_nodes} node{'s' if p.num_nodes != 1 else ''}" if p.node_ids else ""
    return f"{p.env_steps_per_s:,.0f} env steps/s{nodes}{contended_suffix(p)}"
