"""What ``advisor race`` reports: each config's median time to score (or "more than" when censored
runs could still move it), its env steps to score and its seeds, the winner, and the same as JSON.
Pure: builds data and rich tables; the CLI prints them."""

from __future__ import annotations

from typing import Any

from advisor.console import table as new_table
from advisor.units import format_count, format_duration
from profiler.race.schema import ConfigResult, Race, RaceRun


def run_json(run: RaceRun) -> dict[str, Any]:
    return {"seed": run.seed, "status": run.status, "censored": not run.reached, "wall_s": run.wall_s,
            "time_to_score_s": run.time_to_score_s, "env_steps_to_score": run.env_steps_to_score,
            "last_score": run.last_score, "last_env_steps": run.last_env_steps, "rung": run.rung, "error": run.error,
            "log": run.log}


def config_json(race: Race, config: ConfigResult) -> dict[str, Any]:
    spread = config.spread_s
    return {"num_envs": config.num_envs, "time_to_score_s": config.time_to_score_s, "censored": config.censored,
            "more_than_s": config.more_than_s, "env_steps_to_score": config.env_steps_to_score,
            "env_steps_per_update": race.env_steps_per_update(config.num_envs),
            "fastest_s": spread[0] if spread else None, "slowest_s": spread[1] if spread else None,
            "reached": len(config.reached_runs), "seeds": len(config.runs), "eliminated": config.eliminated,
            "current": config.num_envs == race.current, "runs": [run_json(r) for r in config.runs]}


def race_json(race: Race, profile: str, candidates_from: str = "") -> dict[str, Any]:
    """The race as ``advisor race --json`` prints it: ``winner`` (a config, or ``null`` when no
    config's median time to score is known) and ``configs``, then what the race was."""
    winner = race.winner
    return {"winner": config_json(race, winner) if winner is not None else None,
            "configs": [config_json(race, c) for c in race.configs],
            "score": race.score, "budget_s": race.budget_s, "spent_s": race.spent_s, "finished": race.finished,
            "kind": race.kind, "profile": profile, "seeds": list(race.seeds), "num_steps": race.num_steps,
            "candidates_from": candidates_from, "method": race.method, "device": race.device}


def time_text(config: ConfigResult) -> str:
    if config.time_to_score_s is not None:
        return format_duration(config.time_to_score_s)
    if config.more_than_s is not None:
        return f"> {format_duration(config.more_than_s)}"
    return "-"


def race_table(race: Race, title: str) -> Any:
    """One row per config: median time to score, the seeds' spread, env steps to score, how many
    seeds reached it and what stopped the rest."""
    table = new_table(title, ("num_envs", "time to score (median)", "seeds' range", "env steps to score",
                              "reached", "status"))
    winner = race.winner
    for config in race.configs:
        spread = config.spread_s
        stopped = sorted({r.status for r in config.runs if not r.reached})
        status = ("winner" if winner is not None and config.num_envs == winner.num_envs else
                  "eliminated" if config.eliminated else "censored" if config.censored else "finished")
        if stopped and stopped != [status]:
            status += f" ({', '.join(stopped)})"
        label = f"{'→ ' if winner is not None and config.num_envs == winner.num_envs else ''}{config.num_envs}"
        if config.num_envs == race.current:
            label += " (current)"
        table.add_row(label, time_text(config),
                      f"{format_duration(spread[0])}-{format_duration(spread[1])}" if spread else "-",
                      format_count(config.env_steps_to_score) if config.env_steps_to_score is not None else "-",
                      f"{len(config.reached_runs)}/{len(config.runs)}", status)
    return table


def summary_lines(race: Race) -> list[str]:
    winner = race.winner
    lines = []
    if winner is not None:
        lines.append(f"winner: num_envs {winner.num_envs}, median {format_duration(winner.time_to_score_s)} to score "
                     f"{race.score:g} ({format_count(winner.env_steps_to_score)} env steps), "
                     f"{len(winner.reached_runs)} of {len(winner.runs)} seeds reached it")
        current = race.config(race.current) if race.current is not None else None
        if current is not None and current.num_envs != winner.num_envs:
            if current.time_to_score_s is not None:
                lines.append(f"your current num_envs {current.num_envs}: {format_duration(current.time_to_score_s)} "
                             f"({current.time_to_score_s / winner.time_to_score_s:.2f}x the winner's)")
            else:
                lines.append(f"your current num_envs {current.num_envs}: {time_text(current)} (censored)")
    else:
        lines.append(f"no config's median time to score {race.score:g} is known: too few seeds reached it within "
                     "the budget; raise --budget, or lower --score")
    silent = [r for r in race.runs if r.settled and not r.curve]
    if silent and len(silent) == len(race.runs):
        lines.append("no run printed a score line in the time it had (start-up and compile came first): raise --budget")
    elif silent:
        lines.append(f"{len(silent)} of {len(race.runs)} runs printed no score line in the time they had")
    censored = sum(1 for r in race.runs if not r.reached)
    if censored:
        lines.append(f"{censored} of {len(race.runs)} runs did not reach the score: their times are 'more than' the "
                     "seconds they ran (censored), never dropped")
    lines.append(f"race wall clock: {format_duration(race.spent_s)} of a {format_duration(race.budget_s)} budget")
    return lines
