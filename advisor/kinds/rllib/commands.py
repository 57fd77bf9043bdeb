"""The RLlib kind's commands: ``recommend`` (env-runner settings as PPOConfig calls and YAML) and
``predict`` (env steps/s, speedup and efficiency at chosen runner counts): each returns an
:class:`~advisor.answer.Answer` that the CLI shows."""

from __future__ import annotations

from typing import Any

from advisor.answer import Answer, recommendation_answer
from advisor.catalog import resolve_profile
from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.kinds.rllib.conf import comment_header, emit_python, emit_yaml, settings
from advisor.kinds.rllib.recommend import predict_rllib, recommend_rllib
from advisor.kinds.rllib.render import rllib_options_table
from advisor.units import format_range, parse_int_list
from advisor.vectorised import measured_cell
from advisor.workload import RecommendRequest
from models.workers import fit_workers
from profiler.serde import to_jsonable


def recommend_command(kind, request: RecommendRequest, **_: Any) -> Answer:
    """``advisor recommend --kind rllib``: runners, envs per runner and CPUs per runner."""
    chosen_profile, note = resolve_profile(request.profile, kind)
    rec = recommend_rllib(fit_workers(chosen_profile.section("rllib")), request.target_steps,
                          profile=chosen_profile.name, profile_note=note, objective=request.objective)
    python_text = yaml_text = None
    if rec.chosen is not None:
        python_text, yaml_text = emit_python(rec), emit_yaml(rec)
    output = request.output
    json_data = to_jsonable(rec)
    json_data.update(settings=settings(rec) if rec.chosen else None, python=python_text, yaml=yaml_text)

    def lines() -> list[str]:
        if output is not None:
            return []
        text = (comment_header(rec) + "# --- as PPOConfig calls ---\n" + emit_python(rec, header=False)
                + "# --- as YAML (keys grouped by PPOConfig method) ---\n" + emit_yaml(rec, header=False))
        return [text.removesuffix("\n")]  # printed with the newline it ends with

    return recommendation_answer(rec, json_data, table=lambda: rllib_options_table(rec), lines=lines, output=output,
                                 output_text=lambda: python_text if output.suffix == ".py" else yaml_text,
                                 example="ppo_config.py")


def predict_command(loaded, name: str, *, runners: str, envs_per_runner: str) -> Answer:
    """``advisor predict --runners``: env steps/s, speedup and efficiency over 1 runner x 1 env, each with its
    90% interval."""
    runner_values = parse_int_list(runners, "--runners", maximum=4096)
    envs_values = parse_int_list(envs_per_runner, "--envs-per-runner", maximum=1024)
    section = loaded.section("rllib")
    if section is None:
        raise BadInput(f"profile {name!r} has no RLlib measurements; use one that does (see 'advisor profile list')")
    rows = predict_rllib(fit_workers(section), list(runner_values), list(envs_values))

    def table():
        table = new_table(f"{name}: RLlib predictions ({section.workload.env_id})",
                          ("num_env_runners", "num_envs_per_env_runner", "env steps/s", "90% interval", "speedup",
                           "90% interval", "efficiency", "90% interval", "rating", "measured", "extrapolated"))
        for r in rows:
            table.add_row(str(r["num_env_runners"]), str(r["num_envs_per_env_runner"]), f"{r['env_steps_per_s']:,.0f}",
                          format_range(r["env_steps_per_s_low"], r["env_steps_per_s_high"]),
                          "-" if r["speedup"] is None else f"{r['speedup']:.2f}x",
                          "-" if r["speedup"] is None else f"{r['speedup_low']:.2f}-{r['speedup_high']:.2f}x",
                          "-" if r["efficiency"] is None else f"{r['efficiency']:.1%}",
                          "-" if r["efficiency"] is None else f"{r['efficiency_low']:.1%}-{r['efficiency_high']:.1%}",
                          r["rating"] or "-", measured_cell(r["measured"], r["fit_env_steps_per_s"]),
                          "yes" if r["extrapolated"] else "no")
        return [table]

    return Answer(rows, head=table)
