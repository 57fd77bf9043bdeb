"""The brax kind's commands: ``recommend`` (Playground ``ppo_params`` overrides as Python and
YAML and the command line of Playground's trainer, with predicted numbers) and ``predict`` (env steps/s and peak memory at chosen num_envs at
the profile's measured batch shape, through the shared num_envs curves): each returns an
:class:`~advisor.answer.Answer` that the CLI shows."""

from __future__ import annotations

from pathlib import Path

from advisor.answer import Answer, recommendation_answer
from advisor.catalog import resolve_profile
from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.kinds.brax.recommend import recommend_brax
from advisor.kinds.brax.render import (
    options_table,
    python_text,
    recommendation_lines,
    shell_text,
    trainer_command,
    trainer_lines,
    yaml_text,
)
from advisor.kinds.brax.trainer_cli import COMMAND, SCRIPT, trainer_args
from advisor.units import format_bytes, format_range, parse_int_list
from advisor.vectorised import measured_cell, prediction_rows
from advisor.workload import RecommendRequest
from models.num_envs_curves import fit_vectorised
from profiler.kinds.brax.rules import shape_error
from profiler.serde import to_jsonable


def recommend(kind, request: RecommendRequest, *, memory_headroom: float, env_steps_per_update: int | None,
              batch_size: int | None, num_minibatches: int | None, unroll_length: int | None,
              num_updates_per_batch: int | None, score: float | None = None) -> Answer:
    """``advisor recommend --kind brax``: num_envs (and the shape) for Brax PPO, as ppo_params and as
    the command line of Playground's trainer."""
    chosen_profile, note = resolve_profile(request.profile, kind)
    if request.objective == "time-to-score":
        return time_to_score(chosen_profile, score, memory_headroom)
    rec = recommend_brax(chosen_profile.section("brax"), request.target_steps, profile=chosen_profile.name,
                         profile_note=note, objective=request.objective, headroom=memory_headroom,
                         env_steps_per_update=env_steps_per_update, batch_size=batch_size,
                         num_minibatches=num_minibatches, unroll_length=unroll_length,
                         num_updates_per_batch=num_updates_per_batch)
    output = request.output
    data = to_jsonable(rec)
    data["params"] = rec.params
    if rec.chosen is not None:
        data.update(train_sps=rec.chosen.train_sps, train_sps_low=rec.chosen.train_sps_low,
                    train_sps_high=rec.chosen.train_sps_high, time_s=rec.chosen.time_s,
                    python=python_text(rec), yaml=yaml_text(rec),
                    train_jax_ppo={"script": SCRIPT, "program": COMMAND, "command": trainer_command(rec),
                                   "args": trainer_args(rec.env, rec.impl, rec.params)})
    return recommendation_answer(
        rec, data, table=lambda: options_table(rec), output=output, example="ppo_params.py",
        output_text=lambda: output_text(rec, output),
        lines=lambda: [*recommendation_lines(rec), "", python_text(rec), yaml_text(rec), *trainer_lines(rec)])


def time_to_score(profile, score: float | None, headroom: float) -> Answer:
    """``recommend --kind brax --objective time-to-score --score S``: every num_envs's predicted time
    to score at the raced shape, from the profile's Brax race and calibration, and the shortest."""
    from advisor.time_to_score import race_for, recommend_for, score_answer

    race = race_for(profile, "brax", score)
    rec = recommend_for(profile, "brax", race, headroom)
    w = profile.section("brax").workload
    params = {"num_envs": rec.chosen.num_envs, "batch_size": w.batch_size, "num_minibatches": w.num_minibatches,
              "unroll_length": w.unroll_length, "num_updates_per_batch": w.num_updates_per_batch} if rec.ok else None
    after = (f"ppo_params: {params}",) if params else ()
    return score_answer(rec, {"params": params}, after)


def output_text(rec, output: Path) -> str:
    """``-o``: YAML for .yaml/.yml, a shell script of Playground's trainer for .sh, else Python."""
    if output.suffix in (".yaml", ".yml"):
        return yaml_text(rec)
    return shell_text(rec) if output.suffix == ".sh" else python_text(rec)


def predict(loaded, name: str, *, num_envs: str) -> Answer:
    """``advisor predict --kind brax --num-envs``: the num_envs curve at the profile's batch shape."""
    values = parse_int_list(num_envs, "--num-envs")
    section = loaded.section("brax")
    if section is None:
        raise BadInput(f"profile {name!r} has no brax measurements; use one that does (see 'advisor profile list')")
    w = section.workload
    problems = {n: shape_error(n, w.batch_size, w.num_minibatches, section.device_count) for n in values}
    problems = {n: f"num_envs {n}: {problem}" if problem else None for n, problem in problems.items()}
    valid = [n for n in values if problems[n] is None]
    shape = {"batch_size": w.batch_size, "num_minibatches": w.num_minibatches, "unroll_length": w.unroll_length,
             "num_updates_per_batch": w.num_updates_per_batch}
    rows = prediction_rows(fit_vectorised(section), valid, extra=shape) if valid else []

    def table():
        table = new_table(f"{name}: Brax PPO on {w.env} at batch_size {w.batch_size}, num_minibatches "
                          f"{w.num_minibatches}, unroll_length {w.unroll_length}",
                          ("num_envs", "env steps/s", "90% interval", "measured", "peak memory", "upper bound",
                           "extrapolated"))
        for r in rows:
            table.add_row(str(r["num_envs"]), f"{r['train_sps']:,.0f}",
                          format_range(r["train_sps_low"], r["train_sps_high"]),
                          measured_cell(r["measured"], r["fit_train_sps"]),
                          format_bytes(r["peak_bytes"]), format_bytes(r["peak_bytes_upper"]),
                          "yes" if r["extrapolated"] else "no")
        return [table] if rows else []

    return Answer(rows or None, head=table, problems=problems)
