"""``advisor calibrate command``: run the user's own training command at each ``num_envs`` and save
its env steps/s, fixed cost and peak memory into a profile, with a progress bar."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from advisor import catalog
from advisor.errors import BadInput
from advisor.sweeping import (
    FreshOption,
    NoWaitOption,
    ResumeOption,
    SavedJsonOption,
    StrictOption,
    claim_device,
    contended_suffix,
    run_sweep,
    run_with_progress,
    show_saved,
)
from advisor.units import parse_bytes, parse_count, parse_duration, parse_env, parse_int_list

#: Presets: argument lists and environments for trainers advisor knows (see :mod:`advisor.kinds.command.presets`).
PRESET_HELP = ("cleanrl (CleanRL's PPO scripts: --num-envs, --total-timesteps, its --num-steps), sb3 or rl-zoo3 "
               "(python -m rl_zoo3.train: --hyperparams n_envs:N, -n), brax-train (Playground's train_jax_ppo.py / "
               "train-jax-ppo: --num_envs=, --num_timesteps=), locomujoco (experiment.py's Hydra overrides, "
               "WANDB_MODE=disabled). The preset adds the flags and knows the program's iteration or reads the "
               "steps it reports.")


def calibrate_command(
    command: Annotated[Optional[list[str]], typer.Argument(
        help="The training command after --, with placeholders {num_envs}, {total_timesteps} and optionally "
             "{num_minibatches}, {num_steps}, e.g. -- python train.py --num-envs {num_envs} "
             "--total-timesteps {total_timesteps}. No shell: each argument is passed as it is.",
        show_default=False)] = None,
    name: Annotated[Optional[str], typer.Option(help="Profile to save into (one command per profile).")] = None,
    num_envs: Annotated[str, typer.Option(help="Comma-separated num_envs to run the command at, e.g. 64,256,1024; "
                                               "sizes above one that runs out of memory are not tried.")] = "64,256,1024",
    num_steps: Annotated[Optional[int], typer.Option(
        help="Env steps per env per iteration of the command (its rollout length), if you know it: the value of "
             "{num_steps}, and run lengths are rounded to whole iterations of num_envs x num_steps. Without it "
             "advisor finds the iteration from the wall time (or reads the steps the program reports).")] = None,
    minibatch_size: Annotated[Optional[int], typer.Option(
        help="Samples per minibatch to aim for: {num_minibatches} gets the count that divides num_envs x num_steps "
             "exactly nearest it (the rule 'advisor recommend --kind mjx' uses).")] = None,
    sps_regex: Annotated[Optional[str], typer.Option(
        help="Read env steps/s from what the command prints instead of differential timing: a regular expression "
             "whose first group (or whole match) is the figure; its last match counts. One run per point.")] = None,
    steps_regex: Annotated[Optional[str], typer.Option(
        help="Read the env steps each run took from what it prints: a regular expression whose first group (or "
             "whole match) is the count; its last match counts. For programs that run whole iterations.")] = None,
    first_timesteps: Annotated[str, typer.Option(
        help="Env steps of each point's first (short) run, e.g. 20k (at least one iteration); the longer run is "
             "chosen from it.")] = "20k",
    delta: Annotated[str, typer.Option(
        help="How much longer (wall time) the longer runs should take than the short ones, e.g. 20s: the "
             "difference must dominate run-to-run noise (two calibrations of one program agree within a few % "
             "on a quiet machine at 20s).")] = "20s",
    repeats: Annotated[int, typer.Option(help="Longer runs per point (each gives one env steps/s sample; their "
                                              "spread sets the interval).")] = 2,
    max_spread: Annotated[float, typer.Option(
        help="Repeats of a point that differ by more than this fraction of their median are measured again once; "
             "a point whose repeats still do is marked unsteady.")] = 0.05,
    timeout: Annotated[float, typer.Option(help="Seconds before one run is ended (with everything it started) and "
                                                "recorded as a timeout.")] = 900.0,
    memory_limit: Annotated[Optional[str], typer.Option(
        help="Cap the command's memory (bytes, or 512M, 1.5G; RLIMIT_DATA): a point over it is recorded as out "
             "of memory, the boundary, as on a smaller machine.")] = None,
    env: Annotated[Optional[list[str]], typer.Option(
        help="NAME=VALUE added to the command's environment (repeatable).")] = None,
    preset: Annotated[Optional[str], typer.Option(help=PRESET_HELP)] = None,
    resume: ResumeOption = False,
    fresh: FreshOption = False,
    no_wait: NoWaitOption = False,
    strict: StrictOption = False,
    json_output: SavedJsonOption = False,
) -> int:
    """Calibrate your own training command: run it at each num_envs (differential timing: two runs of different
    total_timesteps, env steps/s = difference in env steps / difference in wall seconds) and record env steps/s,
    the fixed cost (start-up + compile, seconds) and peak memory (bytes)."""
    from profiler.kinds.command.schema import CommandWorkload
    from profiler.kinds.command.sweep import CommandSweepSpec, preflight

    for option, value in (("--num-steps", num_steps), ("--minibatch-size", minibatch_size), ("--repeats", repeats)):
        if value is not None and value < 1:
            raise BadInput(f"{option} must be a positive integer")
    argv, extra_env, minibatch_size, num_steps, rounding, iteration = _command_line(command or [], preset,
                                                                                  minibatch_size, num_steps)
    if not 0 < timeout < 1e7:
        raise BadInput("--timeout must be a positive number of seconds, such as 900")
    if not 0 < max_spread < 1:
        raise BadInput("--max-spread must be a fraction between 0 and 1, such as 0.05")
    for option, pattern in (("--sps-regex", sps_regex), ("--steps-regex", steps_regex)):
        if pattern is not None:
            _check_regex(option, pattern)
    if steps_regex is not None and iteration == "detect":
        iteration = "reported"
    from profiler.kinds.command.placeholders import check_command

    used = check_command(argv, differential=sps_regex is None, num_steps_given=num_steps is not None)
    if "num_minibatches" in used and minibatch_size is None:
        raise BadInput("the command uses {num_minibatches}; give --minibatch-size (samples per minibatch to aim for)")
    if name is None:
        raise BadInput("--name is required: the profile to save this command's measurements into")
    if name in catalog.shipped_names():
        raise BadInput(f"--name {name!r} is a shipped profile's name; choose another")
    if resume and fresh:
        raise BadInput("--resume continues a sweep and --fresh discards it; give one of them")
    if sps_regex is not None and iteration == "detect":  # one run per point: nothing to difference
        iteration = "given"
    workload = CommandWorkload(argv=tuple(argv), cwd=os.getcwd(), num_steps=num_steps or 1,
                               minibatch_size=minibatch_size, env={**extra_env, **parse_env(env or [])},
                               sps_regex=sps_regex, preset=preset if preset is None else _canonical(preset),
                               iteration=iteration, rounding=rounding, steps_regex=steps_regex)
    _check_program(workload)
    spec = CommandSweepSpec(workload=workload, num_envs=tuple(sorted(parse_int_list(num_envs, "--num-envs",
                                                                                     maximum=2**24))),
                            name=name, first_timesteps=parse_count(first_timesteps, "--first-timesteps"),
                            delta_s=parse_duration(delta, "--delta"), repeats=repeats, timeout_s=timeout,
                            max_spread=max_spread,
                            memory_limit_bytes=parse_bytes(memory_limit, "--memory-limit") if memory_limit else None)
    from profiler.devicelock import SweepClaim
    from profiler.kinds.command.sweep import this_accelerator

    claim = SweepClaim(name)  # another live sweep of this profile: refused before anything starts
    existing = preflight(spec, name, resume=resume, fresh=fresh)
    platform = (existing.section("command").accelerator.platform if resume and existing.section("command") is not None
                else this_accelerator(spec.memory_limit_bytes).platform)
    claim_device(claim, platform, no_wait)
    profile = run_sweep("command", name, lambda: _run_with_progress(spec, name, resume=resume, fresh=fresh,
                                                                    claim=claim, strict=strict))

    def table(section):
        from advisor.kinds.command.render import points_table

        return points_table(section, f"{name}: command on {section.accelerator.name}")

    return show_saved(profile, "command", name, json_output, table, "smaller --num-envs",
                      f"advisor recommend --kind command --profile {name} --target 100M", quick=False)


def _command_line(command: list[str], preset: str | None, minibatch_size: int | None, num_steps: int | None):
    """``(argv, env, minibatch_size, num_steps, rounding, iteration)`` of the command to sweep."""
    if preset is None:
        return list(command), {}, minibatch_size, num_steps, None, "given" if num_steps is not None else "detect"
    from advisor.kinds.command.presets import preset_command

    p = preset_command(preset, command, minibatch_size, num_steps)
    return list(p.argv), p.env, p.minibatch_size, p.num_steps, p.rounding, p.iteration


def _canonical(preset: str) -> str:
    from profiler.trainers import trainer

    return trainer(preset).name


def _check_program(workload) -> None:
    """The command's program exists and can run (found on the PATH the command will get, or at
    its path from the working directory), before anything is started."""
    import shutil

    program = workload.argv[0]
    if "{" in program:  # a placeholder: known only per point
        return
    if os.sep in program:
        path = program if os.path.isabs(program) else os.path.join(workload.cwd, program)
        if not os.path.isfile(path):
            raise BadInput(f"the command's program {program!r} does not exist; give the path of the program to run "
                           "(e.g. .venv/bin/python)")
        if not os.access(path, os.X_OK):
            raise BadInput(f"the command's program {program!r} is not executable; chmod +x it or run it through its "
                           "interpreter (e.g. python script.py)")
        return
    search = {**os.environ, **workload.env}.get("PATH")
    if shutil.which(program, path=search) is None:
        raise BadInput(f"the command's program {program!r} is not on PATH; give its path (e.g. .venv/bin/python) "
                       "or put it on PATH")


def _check_regex(option: str, pattern: str) -> None:
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        example = "'env steps/s: ([0-9.]+)'" if option == "--sps-regex" else "'global step ([0-9]+)'"
        raise BadInput(f"{option} {pattern!r} is not a regular expression ({exc}); e.g. {example}") from None


def _run_with_progress(spec, profile_name: str, **options):
    from advisor.kinds.command.render import done_line
    from profiler.kinds.command.sweep import run_command_sweep

    return run_with_progress(len(spec.num_envs),
                             lambda on_event: run_command_sweep(spec, profile_name, on_event=on_event, **options),
                             lambda key: f"num_envs={key}", lambda p: done_line(p) + contended_suffix(p), 200,
                             shown=("run",))
