"""``advisor recommend --kind rllib``: RLlib env-runner settings for a target number of env steps."""

from __future__ import annotations

from pathlib import Path

from advisor.cli.common import out, print_json, write_output
from advisor.cli.render_rllib import rllib_options_table
from advisor.errors import NoRecommendation
from advisor.rllib_conf import comment_header, emit_python, emit_yaml, settings
from advisor.rllib_recommend import recommend_rllib
from models.workers import fit_workers
from profiler.serde import to_jsonable


def recommend_rllib_command(target_steps: int, profile: str | None, objective: str, output: Path | None,
                            json_output: bool) -> int:
    from advisor.cli.recommend import resolve_profile

    chosen_profile, note = resolve_profile(profile, "rllib")
    rec = recommend_rllib(fit_workers(chosen_profile.section("rllib")), target_steps, profile=chosen_profile.name,
                          profile_note=note, objective=objective)
    python_text = yaml_text = None
    if rec.chosen is not None:
        python_text, yaml_text = emit_python(rec), emit_yaml(rec)
    if json_output:
        data = to_jsonable(rec)
        data.update(settings=settings(rec) if rec.chosen else None, python=python_text, yaml=yaml_text)
        print_json(data)
    else:
        out.print(f"profile: [bold]{rec.profile}[/bold] ({rec.profile_note})")
        if rec.options:
            out.print(rllib_options_table(rec))
    if rec.chosen is None:
        raise NoRecommendation(rec.reason)
    if output is not None:
        write_output(output, python_text if output.suffix == ".py" else yaml_text, example="ppo_config.py")
    if not json_output:
        if output is not None:
            out.print(f"wrote {output}")
        else:
            out.print(comment_header(rec), markup=False, end="")
            out.print("# --- as PPOConfig calls ---", markup=False)
            out.print(emit_python(rec, header=False), markup=False, end="")
            out.print("# --- as YAML (keys grouped by PPOConfig method) ---", markup=False)
            out.print(emit_yaml(rec, header=False), markup=False, end="")
    return 0
