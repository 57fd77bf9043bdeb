"""The MJX kind's commands: ``recommend`` (a LocoMuJoCo conf.yaml) and ``predict`` (train_sps and
peak memory at chosen num_envs), over the fitted num_envs curves: each returns an
:class:`~advisor.answer.Answer` that the CLI shows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from advisor.answer import Answer, Markup, Verbatim, recommendation_answer
from advisor.catalog import resolve_profile
from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.kinds.mjx.base_physics import with_physics_note
from advisor.kinds.mjx.conf import (
    base_batch,
    base_num_steps,
    base_shape,
    emit_conf,
    header_lines,
    merge_into,
    read_base,
    tuned_values,
)
from advisor.kinds.mjx.config_prediction import fit_mjx
from advisor.kinds.mjx.evaluated_configs import DEFAULT_MIN_UPDATES
from advisor.kinds.mjx.recommend import MjxConstraints, minibatch_problem, predict_mjx, recommend_mjx
from advisor.kinds.mjx.render import mjx_options_table
from advisor.units import format_bytes, format_range, parse_count, parse_int_list
from advisor.workload import RecommendRequest
from profiler.serde import to_jsonable


def recommend_command(kind, request: RecommendRequest, *, tolerance: float, memory_headroom: float,
                      minibatch_size: int, base: Path | None, min_updates: int = DEFAULT_MIN_UPDATES,
                      score: float | None = None) -> Answer:
    """``advisor recommend --kind mjx``: num_envs and num_minibatches for a LocoMuJoCo conf.yaml."""
    if request.objective == "time-to-score":
        chosen_profile, _note = resolve_profile(request.profile, kind)
        return time_to_score(chosen_profile, request, score=score, headroom=memory_headroom)
    base_text = base_data = None
    if base is not None:
        base_text, base_data = read_base(base)
    chosen_profile, note = resolve_profile(request.profile, kind)
    curves = fit_mjx(chosen_profile.section("mjx"))
    constraints = MjxConstraints(tolerance=tolerance, headroom=memory_headroom, minibatch_size=minibatch_size,
                                 min_updates=min_updates, **_conf_shape(base_data, str(base)))
    rec = recommend_mjx(curves, request.target_steps, profile=chosen_profile.name, profile_note=note,
                        objective=request.objective, constraints=constraints)
    rec = with_physics_note(rec, curves.section.workload, base_data, str(base))
    output = request.output
    conf_text = None
    warnings: tuple[str, ...] = ()
    if rec.chosen is not None:
        if base_text is not None:
            merged = merge_into(base_text, tuned_values(rec), str(base))
            conf_text, warnings = merged.text, tuple(merged.warnings)
        else:
            conf_text = emit_conf(rec)
    data = to_jsonable(rec)
    data["conf_yaml"] = conf_text
    data["warnings"] = list(warnings)

    def tail() -> list[Any]:
        if output is not None:
            return [*header_lines(rec)[3:],
                    Markup(f"wrote {output}" + (f" (your {base} with only the tuned keys changed)" if base else ""))]
        if base is not None:
            return [*(f"# {line}" for line in header_lines(rec)[3:]),
                    f"# your {base} with only the tuned keys changed:", Verbatim(conf_text)]
        return [Verbatim(conf_text)]

    answer = recommendation_answer(rec, data, table=lambda: mjx_options_table(rec), lines=list, output=output,
                                   output_text=lambda: conf_text, example="conf.yaml")
    return replace(answer, warnings=warnings, tail=tail)


def time_to_score(profile: Any, request: RecommendRequest, *, score: float | None, headroom: float) -> Answer:
    """``recommend --kind mjx --objective time-to-score --score S``: every num_envs's predicted time
    to score from the profile's MJX race and calibration, the shortest, and its LocoMuJoCo
    ``experiment:`` values (the race's shape: minibatches near its size), written to ``-o``."""
    from advisor.answer import Written
    from advisor.time_to_score import race_for, recommend_for, score_answer
    from profiler.minibatch import DEFAULT_MINIBATCH_SIZE, nearest_num_minibatches

    race = race_for(profile, "mjx", score)
    rec = recommend_for(profile, "mjx", race, headroom)
    if rec.chosen is None:
        return score_answer(rec)
    argv = race.settings.get("argv", [])
    size = int(argv[argv.index("--minibatch-size") + 1]) if "--minibatch-size" in argv else DEFAULT_MINIBATCH_SIZE
    epochs = int(argv[argv.index("--update-epochs") + 1]) if "--update-epochs" in argv else 4
    values = {"num_envs": rec.chosen.num_envs, "num_steps": race.num_steps,
              "num_minibatches": nearest_num_minibatches(rec.chosen.num_envs, race.num_steps, size),
              "update_epochs": epochs}
    conf = "experiment:\n" + "".join(f"  {k}: {v}\n" for k, v in values.items())
    written = Written(request.output, lambda: conf, "conf.yaml") if request.output is not None else None
    return score_answer(rec, {"experiment": values}, (Verbatim(conf),), written)


def _conf_shape(data: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """What a user's conf (``--base``) sets of the recommendation's shape: ``num_steps``,
    ``update_epochs`` and ``hidden_layers``, and its env steps per update (``base_batch``)."""
    if data is None:
        return {}
    return dict(num_steps=base_num_steps(data, where), **base_shape(data, where), base_batch=base_batch(data, where))


def predict_command(loaded, name: str, *, num_envs: str, num_minibatches: int | None = None,
                   num_steps: int | None = None, update_epochs: int | None = None, target: str | None = None) -> Answer:
    """``advisor predict --num-envs [--num-minibatches --num-steps --update-epochs --target]``:
    train_sps of each exact config with its interval, and peak memory with its bound."""
    values = parse_int_list(num_envs, "--num-envs")
    for flag, value in (("--num-minibatches", num_minibatches), ("--num-steps", num_steps),
                        ("--update-epochs", update_epochs)):
        if value is not None and value < 1:
            raise BadInput(f"{flag} must be a positive integer")
    target_steps = parse_count(target, "--target") if target else None
    section = loaded.section("mjx")
    if section is None:
        raise BadInput(f"profile {name!r} has no MJX measurements; use one that does (see 'advisor profile list')")
    steps = num_steps or section.workload.num_steps
    problems = {n: minibatch_problem(section, n, steps, num_minibatches) for n in values}
    valid = [n for n in values if problems[n] is None]
    rows = predict_mjx(fit_mjx(section), valid, num_steps=num_steps, num_minibatches=num_minibatches,
                       update_epochs=update_epochs, target_steps=target_steps) if valid else []

    def table() -> list[Any]:
        table = new_table(f"{name}: predictions",
                          ("num_envs", "num_steps", "minibatches", "train_sps", "90% interval", "peak memory",
                           "upper bound", "grad steps/update") + (("PPO updates",) if target_steps else ())
                          + ("extrapolated",))
        for r in rows:
            table.add_row(str(r["num_envs"]), str(r["num_steps"]), str(r["num_minibatches"]), f"{r['train_sps']:,.0f}",
                          format_range(r["train_sps_low"], r["train_sps_high"]),
                          format_bytes(r["peak_vram_bytes"]), format_bytes(r["peak_vram_bytes_upper"]),
                          str(r["gradient_steps_per_update"]),
                          *((f"{r['num_updates']:,}",) if target_steps else ()),
                          f"measured (fit {r['fit_train_sps']:,.0f})" if r["measured"]
                          else ", ".join(r["extrapolated_axes"]) or "no")
        notes = [f"note: {note}" for note in dict.fromkeys(n for r in rows for n in r["notes"])]
        return ([table] if rows else []) + notes

    return Answer(rows or None, head=table, problems=problems)
