"""The command kind's ``recommend`` (the exact command line to run, with its time to target) and
``predict`` (env steps/s and peak memory at chosen num_envs), over the fitted num_envs curves: each
returns an :class:`~advisor.answer.Answer` that the CLI shows."""

from __future__ import annotations

from advisor.answer import Answer, Written, recommendation_answer
from advisor.catalog import resolve_profile
from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.kinds.command.recommend import predict_rows, recommend_command, unsteady_note
from advisor.kinds.command.render import options_table, recommendation_lines
from advisor.units import format_bytes, format_duration, format_range, parse_int_list
from advisor.vectorised import measured_cell
from advisor.workload import RecommendRequest
from models.num_envs_curves import fit_vectorised
from profiler.contention import section_speed_notes
from profiler.profile import Profile
from profiler.serde import to_jsonable


def recommend(kind, request: RecommendRequest, *, tolerance: float, memory_headroom: float,
              score: float | None = None) -> Answer:
    """``advisor recommend --kind command``: num_envs for the profile's command, and the command."""
    chosen_profile, note = resolve_profile(request.profile, kind)
    if request.objective == "time-to-score":
        return time_to_score(chosen_profile, request, score=score, headroom=memory_headroom)
    rec = recommend_command(fit_vectorised(chosen_profile.section("command")), request.target_steps,
                            profile=chosen_profile.name, profile_note=note, objective=request.objective,
                            tolerance=tolerance, headroom=memory_headroom)
    data = to_jsonable(rec)
    data["command_line"] = rec.command_line if rec.ok else None
    return recommendation_answer(rec, data, table=lambda: options_table(rec), lines=lambda: recommendation_lines(rec),
                                 output=request.output, output_text=rec.script, example="train.sh")


def time_to_score(profile: Profile, request: RecommendRequest, *, score: float | None, headroom: float) -> Answer:
    """``recommend --kind command --objective time-to-score --score S``: every config's predicted time to
    score, the shortest, and the command line to run it (written as a script to ``-o``)."""
    import shlex

    from advisor.time_to_score import race_for, recommend_for, score_answer

    race = race_for(profile, "command", score)
    rec = recommend_for(profile, "command", race, headroom)
    line = None
    if rec.chosen is not None:
        values = {"num_envs": rec.chosen.num_envs, "seed": 1, "total_timesteps": race.settings.get("total_timesteps", 0),
                  "num_steps": race.num_steps}
        argv = [a.format(**{k: str(v) for k, v in values.items()}) for a in race.settings.get("argv", [])]
        env = race.settings.get("env") or {}
        line = " ".join([f"{k}={shlex.quote(str(v))}" for k, v in env.items()] + [shlex.quote(a) for a in argv])
    written = None
    if request.output is not None and line:
        script = f"#!/bin/sh\n# written by advisor recommend --objective time-to-score\nexec {line}\n"
        written = Written(request.output, lambda: script, "train.sh")
    return score_answer(rec, {"command_line": line}, (f"run: {line}",) if line else (), written)


def predict(loaded, name: str, *, num_envs: str) -> Answer:
    """``advisor predict --kind command --num-envs``: env steps/s with its interval, peak memory with
    its bound, and the measured fixed cost."""
    values = parse_int_list(num_envs, "--num-envs")
    section = loaded.section("command")
    if section is None:
        raise BadInput(f"profile {name!r} has no command measurements; use one that does (see 'advisor profile list')")
    rows = predict_rows(fit_vectorised(section), list(values))
    # the CPU's speed while the points were timed, when it moved between them or sat in a slow
    # spell throughout (the rows are this hour's figures), and points whose repeats still disagreed
    speed = tuple(section_speed_notes(section)) + tuple(filter(None, [unsteady_note(section)]))

    def table():
        table = new_table(f"{name}: predictions for its command",
                          ("num_envs", "env steps/s", "90% interval", "measured", "peak memory", "upper bound",
                           "fixed cost", "extrapolated"))
        for r in rows:
            table.add_row(str(r["num_envs"]), f"{r['train_sps']:,.0f}",
                          format_range(r["train_sps_low"], r["train_sps_high"]),
                          measured_cell(r["measured"], r["fit_train_sps"]),
                          format_bytes(r["peak_bytes"]), format_bytes(r["peak_bytes_upper"]),
                          format_duration(r["fixed_s"]) if r["fixed_s"] is not None else "-",
                          "yes" if r["extrapolated"] else "no")
        return [table]

    return Answer(rows, head=table, warnings=speed)
