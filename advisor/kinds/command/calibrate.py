"""``advisor calibrate command``: run the user's own training command at each ``num_envs`` and save
its env steps/s, fixed cost and peak memory into a profile, with a progress bar."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Annotated, ClassVar, Optional

import typer

from advisor.calibrate_runner import Progress, Say, SweepPlan, SweepRequest, calibrate
from advisor.errors import BadInput
from advisor.option_sets import typer_command
from advisor.sweeping import contended_suffix
from advisor.units import parse_bytes, parse_count, parse_duration, parse_env, parse_int_list
from profiler.cpu_reference import STEADY_WAIT_S

#: Presets: argument lists and environments for trainers advisor knows (see :mod:`advisor.kinds.command.presets`).
PRESET_HELP = ("cleanrl (CleanRL's PPO scripts: --num-envs, --total-timesteps, its --num-steps), sb3 or rl-zoo3 "
               "(python -m rl_zoo3.train: --hyperparams n_envs:N, -n), brax-train (Playground's train_jax_ppo.py / "
               "train-jax-ppo: --num_envs=, --num_timesteps=), locomujoco (experiment.py's Hydra overrides, "
               "WANDB_MODE=disabled). The preset adds the flags and knows the program's iteration or reads the "
               "steps it reports.")


@dataclass(frozen=True)
class CommandCalibration(SweepRequest):
    """``advisor calibrate command``'s options, and its sweep for the calibrate runner."""

    kind: ClassVar[str] = "command"
    title: ClassVar[str] = "command"
    has_quick: ClassVar[bool] = False

    command: Annotated[Optional[list[str]], typer.Argument(
        help="The training command after --, with placeholders {num_envs}, {total_timesteps} and optionally "
             "{num_minibatches}, {num_steps}, e.g. -- python train.py --num-envs {num_envs} "
             "--total-timesteps {total_timesteps}. No shell: each argument is passed as it is.",
        show_default=False)] = None
    name: Annotated[Optional[str], typer.Option(help="Profile to save into (one command per profile).")] = None
    num_envs: Annotated[str, typer.Option(help="Comma-separated num_envs to run the command at, e.g. 64,256,1024; "
                                               "sizes above one that runs out of memory are not tried.")] = "64,256,1024"
    num_steps: Annotated[Optional[int], typer.Option(
        help="Env steps per env per iteration of the command (its rollout length), if you know it: the value of "
             "{num_steps}, and run lengths are rounded to whole iterations of num_envs x num_steps. Without it "
             "advisor finds the iteration from the wall time (or reads the steps the program reports).")] = None
    minibatch_size: Annotated[Optional[int], typer.Option(
        help="Samples per minibatch to aim for: {num_minibatches} gets the count that divides num_envs x num_steps "
             "exactly nearest it (the rule 'advisor recommend --kind mjx' uses).")] = None
    sps_regex: Annotated[Optional[str], typer.Option(
        help="Read env steps/s from what the command prints instead of differential timing: a regular expression "
             "whose first group (or whole match) is the figure; its last match counts. One run per point.")] = None
    steps_regex: Annotated[Optional[str], typer.Option(
        help="Read the env steps each run took from what it prints: a regular expression whose first group (or "
             "whole match) is the count; its last match counts. For programs that run whole iterations.")] = None
    first_timesteps: Annotated[str, typer.Option(
        help="Env steps of each point's first (short) run, e.g. 20k (at least one iteration); the longer run is "
             "chosen from it.")] = "20k"
    delta: Annotated[str, typer.Option(
        help="How much longer (wall time) the longer runs should take than the short ones, e.g. 20s: the "
             "difference must dominate run-to-run noise (two calibrations of one program agree within a few % "
             "on a quiet machine at 20s).")] = "20s"
    repeats: Annotated[int, typer.Option(
        help="Timing rounds per point, each one env steps/s sample (their spread sets the interval): the first "
             "(two short runs and a longer run), then each later one (a short and a longer run) after every "
             "point's first, one point after another, so that a slow spell of the machine meets one round of "
             "several points rather than all of one point's.")] = 2
    max_spread: Annotated[float, typer.Option(
        help="A point whose rounds' samples differ by more than this fraction of their median gets up to "
             "max(2, --repeats) more rounds; one whose samples still do is marked unsteady.")] = 0.05
    steady_wait: Annotated[str, typer.Option(
        envvar="ADVISOR_STEADY_WAIT",
        help="Before each run, wait up to this long (e.g. 60s; 0 never waits) while the CPU runs more than 10% "
             "slower than its steady speed on this machine (a fixed reference loop, against the fastest tenth of "
             "its past runs here): a shared or virtual host's slow spell is waited out instead of measured. After "
             "a wait that runs out, no run waits again until one is timed at the steady speed.")] = f"{STEADY_WAIT_S:g}s"
    timeout: Annotated[float, typer.Option(help="Seconds before one run is ended (with everything it started) and "
                                                "recorded as a timeout.")] = 900.0
    memory_limit: Annotated[Optional[str], typer.Option(
        help="Cap the command's memory (bytes, or 512M, 1.5G; RLIMIT_DATA): a point over it is recorded as out "
             "of memory, the boundary, as on a smaller machine.")] = None
    env: Annotated[Optional[list[str]], typer.Option(
        help="NAME=VALUE added to the command's environment (repeatable).")] = None
    preset: Annotated[Optional[str], typer.Option(help=PRESET_HELP)] = None

    @functools.cached_property
    def _line(self):
        return _command_line(self.command or [], self.preset, self.minibatch_size, self.num_steps)

    def check(self) -> None:
        for option, value in (("--num-steps", self.num_steps), ("--minibatch-size", self.minibatch_size),
                              ("--repeats", self.repeats)):
            if value is not None and value < 1:
                raise BadInput(f"{option} must be a positive integer")
        argv, _env, minibatch_size, _num_steps, _rounding, _iteration = self._line
        if not 0 < self.timeout < 1e7:
            raise BadInput("--timeout must be a positive number of seconds, such as 900")
        if not 0 < self.max_spread < 1:
            raise BadInput("--max-spread must be a fraction between 0 and 1, such as 0.05")
        for option, pattern in (("--sps-regex", self.sps_regex), ("--steps-regex", self.steps_regex)):
            if pattern is not None:
                _check_regex(option, pattern)
        from profiler.kinds.command.placeholders import check_command

        used = check_command(argv, differential=self.sps_regex is None, num_steps_given=self.num_steps is not None)
        if "num_minibatches" in used and minibatch_size is None:
            raise BadInput("the command uses {num_minibatches}; give --minibatch-size (samples per minibatch to aim "
                           "for)")
        self._spec  # its options' parse errors

    def profile_name(self) -> str:
        if self.name is None:
            raise BadInput("--name is required: the profile to save this command's measurements into")
        return self.name

    @functools.cached_property
    def _spec(self):
        from profiler.kinds.command.schema import CommandWorkload
        from profiler.kinds.command.sweep import CommandSweepSpec

        argv, extra_env, minibatch_size, num_steps, rounding, iteration = self._line
        if self.steps_regex is not None and iteration == "detect":
            iteration = "reported"
        if self.sps_regex is not None and iteration == "detect":  # one run per point: nothing to difference
            iteration = "given"
        workload = CommandWorkload(argv=tuple(argv), cwd=os.getcwd(), num_steps=num_steps or 1,
                                   minibatch_size=minibatch_size, env={**extra_env, **parse_env(self.env or [])},
                                   sps_regex=self.sps_regex, preset=None if self.preset is None else _canonical(self.preset),
                                   iteration=iteration, rounding=rounding, steps_regex=self.steps_regex)
        return CommandSweepSpec(
            workload=workload, num_envs=tuple(sorted(parse_int_list(self.num_envs, "--num-envs", maximum=2**24))),
            name=self.name, first_timesteps=parse_count(self.first_timesteps, "--first-timesteps"),
            delta_s=parse_duration(self.delta, "--delta"), repeats=self.repeats, timeout_s=self.timeout,
            max_spread=self.max_spread, steady_wait_s=parse_duration(self.steady_wait, "--steady-wait", allow_zero=True),
            memory_limit_bytes=parse_bytes(self.memory_limit, "--memory-limit") if self.memory_limit else None)

    def precheck(self, profile_name: str) -> None:
        _check_program(self._spec.workload)
        self.preflight(self._spec, profile_name)

    def likely_platform(self) -> str | None:
        from profiler.kinds.command.sweep import this_accelerator

        return this_accelerator(self._spec.memory_limit_bytes).platform

    def plan(self, profile_name: str, say: Say) -> SweepPlan:
        return SweepPlan(spec=self._spec, platform=self.likely_platform(), total=len(self._spec.num_envs))

    def sweep(self, plan: SweepPlan, profile_name: str, on_event, **options):
        from profiler.kinds.command.sweep import run_command_sweep

        return run_command_sweep(plan.spec, profile_name, on_event=on_event, **options)

    def progress(self) -> Progress:
        from advisor.kinds.command.render import done_line

        return Progress(lambda key: f"num_envs={key}", lambda p: done_line(p) + contended_suffix(p), 200,
                        shown=("run",))

    def table(self, section, profile_name: str):
        from advisor.kinds.command.render import points_table

        return points_table(section, f"{profile_name}: command on {section.accelerator.name}")

    def next_hint(self, profile_name: str) -> str:
        return f"advisor recommend --kind command --profile {profile_name} --target 100M"


calibrate_command = typer_command(
    CommandCalibration, calibrate, "command",
    """Calibrate your own training command: run it at each num_envs (differential timing: two runs of different
    total_timesteps, env steps/s = difference in env steps / difference in wall seconds) and record env steps/s,
    the fixed cost (start-up + compile, seconds) and peak memory (bytes).""")


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
