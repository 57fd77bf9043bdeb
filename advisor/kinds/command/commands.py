"""The command kind's ``recommend`` (the exact command line to run, with its time to target) and
``predict`` (env steps/s and peak memory at chosen num_envs), over the fitted num_envs curves."""

from __future__ import annotations

from advisor.catalog import resolve_profile
from advisor.console import out, print_json, show_recommendation
from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.kinds.command.recommend import predict_rows, recommend_command
from advisor.kinds.command.render import options_table, recommendation_lines
from advisor.units import format_bytes, format_duration, format_range, parse_int_list
from advisor.vectorised import measured_cell
from advisor.workload import RecommendRequest
from models.num_envs_curves import fit_vectorised
from profiler.serde import to_jsonable


def recommend(kind, request: RecommendRequest, *, tolerance: float, memory_headroom: float,
              score: float | None = None) -> int:
    """``advisor recommend --kind command``: num_envs for the profile's command, and the command."""
    chosen_profile, note = resolve_profile(request.profile, kind)
    if request.objective == "time-to-score":
        from advisor.kinds.command.race import recommend_time_to_score_command

        return recommend_time_to_score_command(chosen_profile, request, score=score, headroom=memory_headroom)
    rec = recommend_command(fit_vectorised(chosen_profile.section("command")), request.target_steps,
                            profile=chosen_profile.name, profile_note=note, objective=request.objective,
                            tolerance=tolerance, headroom=memory_headroom)
    data = None
    if request.json_output:
        data = to_jsonable(rec)
        data["command_line"] = rec.command_line if rec.ok else None
    return show_recommendation(rec, data, table=lambda: options_table(rec), lines=lambda: recommendation_lines(rec),
                               output=request.output, output_text=rec.script, example="train.sh")


def predict(loaded, name: str, json_output: bool, *, num_envs: str) -> int:
    """``advisor predict --kind command --num-envs``: env steps/s with its interval, peak memory with
    its bound, and the measured fixed cost."""
    values = parse_int_list(num_envs, "--num-envs")
    section = loaded.section("command")
    if section is None:
        raise BadInput(f"profile {name!r} has no command measurements; use one that does (see 'advisor profile list')")
    rows = predict_rows(fit_vectorised(section), list(values))
    if json_output:
        print_json(rows)
        return 0
    table = new_table(f"{name}: predictions for its command",
                      ("num_envs", "env steps/s", "90% interval", "measured", "peak memory", "upper bound", "fixed cost",
                       "extrapolated"))
    for r in rows:
        table.add_row(str(r["num_envs"]), f"{r['train_sps']:,.0f}", format_range(r["train_sps_low"], r["train_sps_high"]),
                      measured_cell(r["measured"], r["fit_train_sps"]),
                      format_bytes(r["peak_bytes"]), format_bytes(r["peak_bytes_upper"]),
                      format_duration(r["fixed_s"]) if r["fixed_s"] is not None else "-",
                      "yes" if r["extrapolated"] else "no")
    out.print(table)
    return 0
