"""``advisor race``: train candidate configs of your real training to a target score, several seeds
each, within a wall-clock budget (successive halving), and report each config's measured time to
score, its env steps to score and the winner. The kind supplies what one run is
(:meth:`advisor.workload.WorkloadKind.race_spec`); the race itself is :mod:`profiler.race.engine`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor import kinds
from advisor.console import err, out, print_json, sigterm_as_interrupt
from advisor.errors import BadInput, CalibrationInterrupted
from advisor.option_sets import typer_command
from advisor.units import parse_count, parse_duration, parse_env, parse_int_list
from advisor.workload import RaceRequest


@dataclass(frozen=True)
class RaceOptions:
    """``advisor race``'s options, as the command line gives them."""

    command: Annotated[Optional[list[str]], typer.Argument(
        help="The training command after --, with placeholders {num_envs} (required), {seed}, {total_timesteps} and "
             "{num_steps}, e.g. -- python ppo.py --num-envs {num_envs} --seed {seed} --total-timesteps "
             "{total_timesteps}. No shell: each argument is passed as it is.", show_default=False)] = None
    score: Annotated[Optional[float], typer.Option(
        help="The return to reach (higher is better), as the program prints it (after --window averaging).")] = None
    budget: Annotated[str, typer.Option(help="Wall-clock budget of the whole race: 600, 10m, 1h.")] = "10m"
    num_envs: Annotated[Optional[str], typer.Option(
        help="Candidate num_envs, e.g. 2,4,8. Default: the profile's calibrated num_envs around its fastest.")] = None
    seeds: Annotated[int, typer.Option(help="Seeds per config ({seed} takes 1, 2, ...).")] = 3
    current: Annotated[Optional[int], typer.Option(help="Your current num_envs: raced too, and compared.")] = None
    preset: Annotated[Optional[str], typer.Option(
        help="Read the score as a known trainer prints it: cleanrl (global_step=N, episodic_return=R lines, the mean "
             "of the last 20 episodes) or sb3 (Stable-Baselines3's rollout/ep_rew_mean and time/total_timesteps).")] = None
    score_regex: Annotated[Optional[str], typer.Option(
        help="Regular expression of the score in the output (its first group, else the whole match).")] = None
    step_regex: Annotated[Optional[str], typer.Option(
        help="Regular expression of the env step counter in the output (its first group, else the whole match).")] = None
    window: Annotated[Optional[int], typer.Option(
        help="Score = the mean of the last N figures printed (default: cleanrl 20, otherwise 1).")] = None
    total_timesteps: Annotated[str, typer.Option(
        help="The value of {total_timesteps} in every run: more than any run needs (runs end at the score).")] = "10M"
    num_steps: Annotated[Optional[int], typer.Option(
        help="Env steps per env per update (the value of {num_steps}; env steps per update = num_envs x num_steps, the "
             "sample-efficiency model's batch). Default: cleanrl 128, sb3 2048, otherwise 1.")] = None
    timeout: Annotated[Optional[str], typer.Option(
        help="The most one run may train (its own wall time), e.g. 5m. Default: the budget.")] = None
    env: Annotated[Optional[list[str]], typer.Option(help="NAME=VALUE added to the command's environment (repeatable).")] = None
    name: Annotated[str, typer.Option(
        help="Profile to save the race into (a calibrated one gives the candidates, and 'recommend --objective "
             "time-to-score' then uses both).")] = "race"
    kind: Annotated[Optional[str], typer.Option(
        help=f"The workload kind that trains: {', '.join(k.name for k in kinds.racing())}. Default: the one that "
             "races your command when one follows --, else the one the --name profile calibrated.")] = None
    resume: Annotated[bool, typer.Option(help="Go on with an interrupted race of this profile (same options).")] = False
    fresh: Annotated[bool, typer.Option(
        help="Replace this profile's race of the kind (unfinished or finished) with a new one.")] = False
    no_wait: Annotated[bool, typer.Option("--no-wait", help="When another calibration or race holds this device, "
                                                             "exit 2 naming it instead of waiting.")] = False
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON: winner and configs.")] = False

    def check(self) -> None:
        """Refuse options that cannot race (exit 2, one line) before any profile is read."""
        from advisor import catalog

        if self.score is None:
            raise BadInput("--score is required: the return to reach, e.g. --score 475")
        if parse_duration(self.budget, "--budget") <= 0:
            raise BadInput("--budget must be positive, e.g. 10m")
        if self.seeds < 1 or self.seeds > 100:
            raise BadInput("--seeds must be between 1 and 100")
        if self.resume and self.fresh:
            raise BadInput("--resume goes on with a race and --fresh discards it; give one of them")
        if self.window is not None and self.window < 1:
            raise BadInput("--window must be a positive whole number")
        if self.num_steps is not None and self.num_steps < 1:
            raise BadInput("--num-steps must be a positive whole number")
        if self.name in catalog.shipped_names():
            raise BadInput(f"--name {self.name!r} is a shipped profile's name; choose another")

    def request(self) -> RaceRequest:
        """What the kind is asked to race, with the option values parsed (bad ones refused, exit 2)."""
        return RaceRequest(
            score=self.score, budget_s=parse_duration(self.budget, "--budget"), seeds=self.seeds, current=self.current,
            preset=self.preset, score_regex=self.score_regex, step_regex=self.step_regex, window=self.window,
            num_envs=parse_int_list(self.num_envs, "--num-envs", maximum=2**24) if self.num_envs else None,
            total_timesteps=parse_count(self.total_timesteps, "--total-timesteps"), num_steps=self.num_steps,
            timeout_s=parse_duration(self.timeout, "--timeout") if self.timeout else None,
            env=parse_env(self.env or []), name=self.name)


def run_race_command(options: RaceOptions) -> int:
    """Check the options, ask the kind for the race, run it and show its result; the exit code."""
    from profiler.store import check_name, load_profile_file, profile_path

    options.check()
    check_name(options.name)
    path = profile_path(options.name)
    profile = load_profile_file(path) if path.exists() else None
    chosen = kinds.race_kind(options.kind, bool(options.command), profile)
    spec, candidates_from, platform = chosen.race_spec(profile, list(options.command or []), options.request())
    saved = _run_race(spec, options, platform, candidates_from)
    _show_result(saved.race(spec.kind), spec.kind, options, candidates_from, path)
    return 0


def _run_race(spec: Any, options: RaceOptions, platform: str, candidates_from: str) -> Any:
    """Run ``spec`` under the profile's and the device's locks, with SIGTERM taken as Ctrl-C; the
    saved profile. An unfinished race that ``--resume``/``--fresh`` do not fit is refused first."""
    from profiler.devicelock import SweepClaim
    from profiler.race.engine import preflight, run_race

    name = options.name
    claim = SweepClaim(name)
    preflight(spec, name, resume=options.resume, fresh=options.fresh)
    if not options.json_output:
        err.print(f"racing num_envs {', '.join(map(str, spec.num_envs))} x {len(spec.seeds)} seeds to score "
                  f"{spec.score:g} within {options.budget} ({candidates_from})", markup=False)
    try:
        with sigterm_as_interrupt():
            return run_race(spec, name, resume=options.resume, fresh=options.fresh, on_event=_show_event, claim=claim,
                            platform=platform, wait=not options.no_wait)
    except KeyboardInterrupt:
        raise CalibrationInterrupted(f"interrupted: the finished runs are kept in profile {name}; run the same "
                                     "command with --resume to go on") from None
    finally:
        claim.release()


def _show_event(event: Any) -> None:
    """One line on stderr for a wait for the device, a finished run, or configs eliminated."""
    if event.phase == "wait":
        err.print(event.message, markup=False)
    elif event.phase == "slice" and event.run is not None and event.message != "slice":
        r = event.run
        figure = (f"reached in {r.time_to_score_s:.1f} s, {r.env_steps_to_score:,} env steps" if r.reached else
                  f"{event.message}{': ' + r.error if r.error else ''}")
        err.print(f"num_envs={r.num_envs} seed={r.seed}: {figure}", markup=False)
    elif event.phase == "eliminated":
        err.print(f"num_envs {', '.join(map(str, event.key))}: {event.message}", markup=False)


def _show_result(result: Any, kind: str, options: RaceOptions, candidates_from: str, path: Path) -> None:
    """The race's result as JSON, or as its table, the winner's lines and where it was saved."""
    from advisor.race_report import race_json, race_table, summary_lines

    if options.json_output:
        print_json(race_json(result, options.name, candidates_from))
        return
    out.print(race_table(result, f"race to score {result.score:g} ({kind}, {len(result.seeds)} seeds)"))
    for line in summary_lines(result):
        out.print(line)
    out.print(f"saved in profile [bold]{options.name}[/bold] ({path})")


race = typer_command(
    RaceOptions, run_race_command, "race",
"""Race candidate configs of your training to --score within --budget: every config and seed gets a short first
    rung, the better half by progress towards the score per wall second goes on, and each config's median time to
    score (s, start-up included; "more than" when censored) and env steps to score are reported with the winner.
    Runs one at a time on the device; Ctrl-C keeps finished runs and --resume goes on.""")
