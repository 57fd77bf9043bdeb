"""``advisor calibrate rllib``: measure RLlib PPO scaling over env runners into a saved profile."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor import catalog
from advisor.console import err
from advisor.errors import BadInput
from advisor.kinds.rllib.render import rllib_points_table
from advisor.sweeping import (
    NoWaitOption,
    PointTimeoutOption,
    SavedJsonOption,
    StrictOption,
    claim_device,
    contended_suffix,
    run_sweep,
    run_with_progress,
    show_saved,
)
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


def calibrate_rllib(
    name: Annotated[Optional[str], typer.Option(help="Profile to save into (other sections in it are kept). "
                                                     "Default: named after this machine.")] = None,
    env: Annotated[str, typer.Option(help="Gymnasium env id, e.g. HalfCheetah-v5, Hopper-v5, or your own env's "
                                          "entry point package.module:EnvClass (built with no arguments).")] = "HalfCheetah-v5",
    runners: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_env_runners. Default: 1, 2, 4, 8, ... up to the CPUs Ray has minus --driver-cpus "
             "(and that count itself, e.g. 15 on 16 CPUs).")] = None,
    envs_per_runner: Annotated[Optional[str], typer.Option(help="Comma-separated num_envs_per_env_runner. Default: 1,2.")] = None,
    address: Annotated[Optional[str], typer.Option(
        help="An existing Ray cluster ('auto' or host:port); env runners are spread over its nodes (Ray's SPREAD "
             "strategy) with CPU shares that fit node by node. Default: a fresh local Ray session per point.")] = None,
    quick: Annotated[bool, typer.Option(help="A short sweep: 1r x 1e, 2r x 1e, 1r x 2e, a 1024-step train batch, "
                                             "2 timed iterations (under 5 minutes on a 2-core CPU).")] = False,
    repeats: Annotated[Optional[int], typer.Option(help="Timed iterations per point after the warm-up. Default 3 (2 with --quick).")] = None,
    warmup: Annotated[int, typer.Option(help="Untimed warm-up iterations per point.")] = 1,
    train_batch: Annotated[Optional[int], typer.Option(help="train_batch_size_per_learner in env steps. Default 16384 (1024 with --quick).")] = None,
    minibatch_size: Annotated[Optional[int], typer.Option(help="PPO minibatch_size in env steps. Default 4096 (256 with --quick).")] = None,
    num_epochs: Annotated[int, typer.Option(help="PPO epochs per iteration.")] = 3,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 3e-4,
    lambda_: Annotated[float, typer.Option("--lambda", help="GAE lambda.")] = 0.95,
    hidden_layers: Annotated[str, typer.Option(help="fcnet_hiddens of RLlib's default model.")] = "256,256",
    driver_cpus: Annotated[Optional[float], typer.Option(
        help="CPUs held back from env runners for the driver and its learner (on the driver's node with --address). "
             "Default 1.")] = None,
    cpus_per_runner: Annotated[Optional[float], typer.Option(
        help="num_cpus_per_env_runner. Default 1, or an equal share of the CPUs left when there are more runners.")] = None,
    timeout: PointTimeoutOption = 900.0,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted RLlib sweep of this profile with the same settings.")] = False,
    fresh: Annotated[bool, typer.Option(help="Discard an unfinished RLlib sweep in this profile and start over.")] = False,
    no_wait: NoWaitOption = False,
    strict: StrictOption = False,
    json_output: SavedJsonOption = False,
) -> int:
    """Run RLlib PPO with a grid of num_env_runners x num_envs_per_env_runner, one process and Ray session per point;
    each point records env steps/s (median of timed iterations), iteration, sampling and learner seconds, CPU use
    (percent) and the Ray nodes its runners ran on."""
    from profiler.extras import require_extra
    from profiler.kinds.rllib.sweep import QUICK_GRID, RllibSweepSpec, make_grid, plan_cpus, preflight, ray_resources
    from profiler.kinds.rllib.workload import QUICK_BATCH, default_runners
    from profiler.store import advisor_home

    require_extra("advisor calibrate rllib", "rllib")
    if num_epochs < 1 or warmup < 0:
        raise BadInput("--num-epochs must be a positive integer and --warmup not negative")
    for option, value in (("--train-batch", train_batch), ("--minibatch-size", minibatch_size), ("--repeats", repeats)):
        if value is not None and value < 1:
            raise BadInput(f"{option} must be a positive integer")
    if repeats is not None and repeats > 1000:
        raise BadInput("--repeats must be at most 1000 timed iterations")
    if not 0 < timeout < 1e7 or not 0 < lr < 1e3 or not 0 < lambda_ <= 1:  # also refuses nan and inf
        raise BadInput("--timeout and --lr must be positive finite numbers and --lambda in (0, 1]")
    batch = train_batch or (QUICK_BATCH["train_batch_size_per_learner"] if quick else 16384)
    minibatch = minibatch_size or (QUICK_BATCH["minibatch_size"] if quick else 4096)
    if minibatch > batch:
        raise BadInput(f"--minibatch-size {minibatch} is larger than the train batch {batch}; lower it")
    check_env_id(env)
    workload = RllibWorkload(env_id=env, lr=lr, lambda_=lambda_, num_epochs=num_epochs,
                             train_batch_size_per_learner=batch, minibatch_size=minibatch,
                             fcnet_hiddens=parse_layers(hidden_layers))
    profile_name = name or catalog.machine_slug(fingerprint())
    if profile_name in catalog.shipped_names():
        raise BadInput(f"--name {profile_name!r} is a shipped profile's name; choose another")
    from profiler.devicelock import SweepClaim

    claim = SweepClaim(profile_name)  # another live sweep of this profile: refused before anything starts
    if resume and fresh:
        raise BadInput("--resume continues a sweep and --fresh discards it; give one of them")
    preflight(None, profile_name, resume=resume, fresh=fresh)  # refusals come before any wait for the CPU
    claim_device(claim, "cpu", no_wait)  # RLlib sweeps measure on the host CPU: held before Ray is asked anything
    driver = driver_cpus if driver_cpus is not None else 1.0
    runner_grid = parse_int_list(runners, "--runners", maximum=4096) if runners is not None else None
    envs_grid = parse_int_list(envs_per_runner, "--envs-per-runner", maximum=1024) if envs_per_runner is not None else None
    settings = dict(workload=workload, repeats=repeats or (2 if quick else 3), warmup=warmup, timeout_s=timeout,
                    address=address, driver_cpus=driver, cpus_per_env_runner=cpus_per_runner)
    RllibSweepSpec(grid=((1, 1),), **settings)  # settings errors before a cluster is asked anything
    if address:
        err.print(f"joining the Ray cluster at {address} to count its CPUs and nodes…")
    resources = ray_resources(RllibSweepSpec(grid=((1, 1),), **settings), advisor_home() / "runs" / profile_name)
    if quick and runner_grid is None and envs_grid is None:
        grid = QUICK_GRID
    else:
        grid = make_grid(runner_grid or default_runners(resources[0], driver), envs_grid or (1, 2))
    spec = RllibSweepSpec(grid=grid, **settings)
    plan_cpus(spec, resources[0], resources[2])  # a point Ray could not place: refused before anything runs
    preflight(spec, profile_name, resume=resume, fresh=fresh)
    profile = run_sweep("rllib", profile_name, lambda: _run_with_progress(spec, profile_name, resources, resume, fresh,
                                                                          claim=claim, strict=strict))
    return show_saved(profile, "rllib", profile_name, json_output,
                      lambda section: rllib_points_table(section, f"{profile_name}: RLlib PPO on {env} (env steps/s; "
                                                                  "seconds per iteration)"),
                      "fewer --runners", f"advisor recommend --kind rllib --profile {profile_name} --target 100M; "
                                         f"advisor report --profile {profile_name} -o report/")


def _done_text(p) -> str:
    nodes = f" on {p.num_nodes} node{'s' if p.num_nodes != 1 else ''}" if p.node_ids else ""
    return f"{p.env_steps_per_s:,.0f} env steps/s{nodes}{contended_suffix(p)}"


def _run_with_progress(spec, profile_name: str, resources, resume: bool, fresh: bool, **locking):
    from profiler.kinds.rllib.sweep import run_rllib_sweep

    def label(key) -> str:
        return f"{key[0]}r x {key[1]}e"

    return run_with_progress(len(spec.grid),
                             lambda on_event: run_rllib_sweep(spec, profile_name, on_event=on_event, resources=resources,
                                                              resume=resume, fresh=fresh, **locking),
                             label, _done_text, shown=("probe",),
                             states={"start": lambda key: f"{label(key)}: starting Ray and measuring"})
