"""``advisor race``: train candidate configs of your real training to a target score, several seeds
each, within a wall-clock budget (successive halving), and report each config's measured time to
score, its env steps to score and the winner. The kind supplies what one run is
(:meth:`advisor.workload.WorkloadKind.race_spec`); the race itself is :mod:`profiler.race.engine`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor import kinds
from advisor.console import err, out, print_json, sigterm_as_interrupt
from advisor.errors import BadInput, CalibrationInterrupted
from advisor.units import parse_count, parse_duration, parse_env, parse_int_list


def race(
    command: Annotated[Optional[list[str]], typer.Argument(
        help="The training command after --, with placeholders {num_envs} (required), {seed}, {total_timesteps} and "
             "{num_steps}, e.g. -- python ppo.py --num-envs {num_envs} --seed {seed} --total-timesteps "
             "{total_timesteps}. No shell: each argument is passed as it is.", show_default=False)] = None,
    score: Annotated[Optional[float], typer.Option(
        help="The return to reach (higher is better), as the program prints it (after --window averaging).")] = None,
    budget: Annotated[str, typer.Option(help="Wall-clock budget of the whole race: 600, 10m, 1h.")] = "10m",
    num_envs: Annotated[Optional[str], typer.Option(
        help="Candidate num_envs, e.g. 2,4,8. Default: the profile's calibrated num_envs around its fastest.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per config ({seed} takes 1, 2, ...).")] = 3,
    current: Annotated[Optional[int], typer.Option(help="Your current num_envs: raced too, and compared.")] = None,
    preset: Annotated[Optional[str], typer.Option(
        help="Read the score as a known trainer prints it: cleanrl (global_step=N, episodic_return=R lines, the mean "
             "of the last 20 episodes) or sb3 (Stable-Baselines3's rollout/ep_rew_mean and time/total_timesteps).")] = None,
    score_regex: Annotated[Optional[str], typer.Option(
        help="Regular expression of the score in the output (its first group, else the whole match).")] = None,
    step_regex: Annotated[Optional[str], typer.Option(
        help="Regular expression of the env step counter in the output (its first group, else the whole match).")] = None,
    window: Annotated[Optional[int], typer.Option(
        help="Score = the mean of the last N figures printed (default: cleanrl 20, otherwise 1).")] = None,
    total_timesteps: Annotated[str, typer.Option(
        help="The value of {total_timesteps} in every run: more than any run needs (runs end at the score).")] = "10M",
    num_steps: Annotated[Optional[int], typer.Option(
        help="Env steps per env per update (the value of {num_steps}; env steps per update = num_envs x num_steps, the "
             "sample-efficiency model's batch). Default: cleanrl 128, sb3 2048, otherwise 1.")] = None,
    timeout: Annotated[Optional[str], typer.Option(
        help="The most one run may train (its own wall time), e.g. 5m. Default: the budget.")] = None,
    env: Annotated[Optional[list[str]], typer.Option(help="NAME=VALUE added to the command's environment (repeatable).")] = None,
    name: Annotated[str, typer.Option(
        help="Profile to save the race into (a calibrated one gives the candidates, and 'recommend --objective "
             "time-to-score' then uses both).")] = "race",
    kind: Annotated[str, typer.Option(help="The workload kind that trains: command (your command after --).")] = "command",
    resume: Annotated[bool, typer.Option(help="Go on with an interrupted race of this profile (same options).")] = False,
    fresh: Annotated[bool, typer.Option(help="Discard an unfinished race of this profile and start over.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="When another calibration or race holds this device, "
                                                             "exit 2 naming it instead of waiting.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON: winner and configs.")] = False,
) -> int:
    """Race candidate configs of your training to --score within --budget: every config and seed gets a short first
    rung, the better half by progress towards the score per wall second goes on, and each config's median time to
    score (s, start-up included; "more than" when censored) and env steps to score are reported with the winner.
    Runs one at a time on the device; Ctrl-C keeps finished runs and --resume goes on."""
    from advisor import catalog

    chosen = kinds.get(kind)
    if score is None:
        raise BadInput("--score is required: the return to reach, e.g. --score 475")
    budget_s = parse_duration(budget, "--budget")
    if budget_s <= 0:
        raise BadInput("--budget must be positive, e.g. 10m")
    if seeds < 1 or seeds > 100:
        raise BadInput("--seeds must be between 1 and 100")
    if resume and fresh:
        raise BadInput("--resume goes on with a race and --fresh discards it; give one of them")
    if window is not None and window < 1:
        raise BadInput("--window must be a positive whole number")
    if num_steps is not None and num_steps < 1:
        raise BadInput("--num-steps must be a positive whole number")
    if name in catalog.shipped_names():
        raise BadInput(f"--name {name!r} is a shipped profile's name; choose another")
    from profiler.store import check_name, load_profile_file, profile_path

    check_name(name)
    path = profile_path(name)
    profile = load_profile_file(path) if path.exists() else None
    options = dict(score=score, budget_s=budget_s, seeds=seeds, current=current, preset=preset,
                   score_regex=score_regex, step_regex=step_regex, window=window,
                   num_envs=list(parse_int_list(num_envs, "--num-envs", maximum=2**24)) if num_envs else None,
                   total_timesteps=parse_count(total_timesteps, "--total-timesteps"), num_steps=num_steps,
                   timeout_s=parse_duration(timeout, "--timeout") if timeout else None, env=parse_env(env or []))
    spec, candidates_from, platform = chosen.race_spec(profile, list(command or []), **options)
    from profiler.devicelock import SweepClaim
    from profiler.race.engine import preflight, run_race

    claim = SweepClaim(name)
    preflight(spec, name, resume=resume, fresh=fresh)
    if not json_output:
        err.print(f"racing num_envs {', '.join(map(str, spec.num_envs))} x {len(spec.seeds)} seeds to score "
                  f"{spec.score:g} within {budget} ({candidates_from})", markup=False)

    def on_event(event) -> None:
        if event.phase == "wait":
            err.print(event.message, markup=False)
        elif event.phase == "slice" and event.run is not None and event.message != "slice":
            r = event.run
            figure = (f"reached in {r.time_to_score_s:.1f} s, {r.env_steps_to_score:,} env steps" if r.reached else
                      f"{event.message}{': ' + r.error if r.error else ''}")
            err.print(f"num_envs={r.num_envs} seed={r.seed}: {figure}", markup=False)
        elif event.phase == "eliminated":
            err.print(f"num_envs {', '.join(map(str, event.key))}: {event.message}", markup=False)

    try:
        with sigterm_as_interrupt():
            saved = run_race(spec, name, resume=resume, fresh=fresh, on_event=on_event, claim=claim,
                             platform=platform, wait=not no_wait)
    except KeyboardInterrupt:
        raise CalibrationInterrupted(f"interrupted: the finished runs are kept in profile {name}; run the same "
                                     "command with --resume to go on") from None
    finally:
        claim.release()
    from advisor.race_report import race_json, race_table, summary_lines

    result = saved.race(spec.kind)
    if json_output:
        print_json(race_json(result, name, candidates_from))
    else:
        out.print(race_table(result, f"race to score {result.score:g} ({spec.kind}, {len(result.seeds)} seeds)"))
        for line in summary_lines(result):
            out.print(line)
        out.print(f"saved in profile [bold]{name}[/bold] ({path})")
    return 0
