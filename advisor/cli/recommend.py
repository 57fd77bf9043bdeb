"""``advisor recommend``: a tuned config for a target number of env steps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor import catalog
from advisor.cli.common import err, out, print_json, write_output
from advisor.cli.render import mjx_options_table
from advisor.conf import base_num_steps, base_shape, emit_conf, header_lines, load_base, merge_into, tuned_values
from advisor.errors import BadInput, NoRecommendation
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE
from advisor.recommend import OBJECTIVES, recommend_mjx
from advisor.units import parse_count
from models.vectorised import fit_vectorised
from profiler.serde import to_jsonable


def resolve_profile(name: str | None, kind: str):
    """``(profile, note)`` from ``--profile`` or the default rule (see :mod:`advisor.catalog`)."""
    if name is not None and not name.strip():
        raise BadInput("--profile is empty; name a profile (see 'advisor profile list') or leave --profile out")
    if name:
        profile, origin = catalog.load(name)
        if getattr(profile, kind) is None:
            other = [k for k in profile.kinds if k != kind]
            hint = f"; it has {other[0]} measurements: add --kind {other[0]}" if other else ""
            raise BadInput(f"profile {name!r} has no {kind} measurements{hint}; or run 'advisor calibrate {kind} "
                           f"--name {name}', or pick another with --profile")
        return profile, f"{origin} profile"
    profile, origin, why = catalog.default_profile(kind)
    return profile, why


def recommend(
    target: Annotated[str, typer.Option("--target", "-t", help="Env steps to train for: 100M, 1.5B, 1e8 or 100000000.")],
    profile: Annotated[Optional[str], typer.Option(
        help="Profile to use (see 'advisor profile list'). Default: the profile calibrated on this machine, "
             "else the closest shipped one.")] = None,
    kind: Annotated[str, typer.Option(help="mjx: LocoMuJoCo MJX PPO conf.yaml; rllib: RLlib PPO env-runner settings "
                                           "(PPOConfig snippet and YAML).")] = "mjx",
    objective: Annotated[Optional[str], typer.Option(
        help="mjx: efficient (default; smallest num_envs within --tolerance of the best predicted env steps/s) or "
             "max-throughput. rllib: throughput (default; the highest predicted env steps/s) or efficiency "
             "(the most env steps/s per CPU).")] = None,
    tolerance: Annotated[float, typer.Option(help="Fraction of the best throughput the efficient objective may give up.")] = 0.05,
    memory_headroom: Annotated[float, typer.Option(
        help="Fraction of device memory a config's peak-memory upper bound may use (0.9 = 90%).")] = 0.9,
    minibatch_size: Annotated[int, typer.Option(
        help="Target samples per minibatch; num_minibatches is chosen so num_envs*num_steps/num_minibatches "
             "is near it and divides exactly.")] = DEFAULT_MINIBATCH_SIZE,
    base: Annotated[Optional[Path], typer.Option(
        help="Your LocoMuJoCo conf.yaml: only experiment.num_envs, num_minibatches and total_timesteps change.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the conf.yaml here (rllib: YAML, or "
                                                                        "the PPOConfig snippet for a .py path).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the recommendation as JSON (nothing else).")] = False,
) -> int:
    """Recommend num_envs and num_minibatches for a LocoMuJoCo MJX PPO run, with predicted env steps/s,
    time to target (seconds, compile included) and peak memory (bytes) against the device's capacity; with
    --kind rllib, num_env_runners, num_envs_per_env_runner and CPUs per runner for RLlib PPO."""
    target_steps = parse_count(target)
    if kind not in ("mjx", "rllib"):
        raise BadInput(f"--kind {kind!r} is unknown; use mjx or rllib")
    if kind == "rllib":
        if base is not None:
            raise BadInput("--base is a LocoMuJoCo conf.yaml and applies to --kind mjx only; drop it")
        from advisor.cli.recommend_rllib import recommend_rllib_command

        return recommend_rllib_command(target_steps, profile, objective or "throughput", output, json_output)
    objective = objective or "efficient"
    if objective not in OBJECTIVES:
        raise BadInput(f"--objective {objective!r} is unknown; use one of: {', '.join(OBJECTIVES)}")
    base_text = base_data = None
    if base is not None:
        try:
            base_text = base.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"--base {base}: cannot read it ({getattr(exc, 'strerror', None) or exc}); give an existing conf.yaml") from None
        base_data = load_base(base_text, str(base))
    chosen_profile, note = resolve_profile(profile, "mjx")
    curves = fit_vectorised(chosen_profile.section("mjx"))
    rec = recommend_mjx(
        curves, target_steps, profile=chosen_profile.name, profile_note=note, objective=objective,
        tolerance=tolerance, headroom=memory_headroom, minibatch_size=minibatch_size,
        num_steps=base_num_steps(base_data, str(base)) if base_data is not None else None,
        **(base_shape(base_data, str(base)) if base_data is not None else {}),
    )
    conf_text = warnings = None
    if rec.chosen is not None:
        if base_text is not None:
            merged = merge_into(base_text, tuned_values(rec), str(base))
            conf_text, warnings = merged.text, merged.warnings
        else:
            conf_text, warnings = emit_conf(rec), ()
    if json_output:
        data = to_jsonable(rec)
        data["conf_yaml"] = conf_text
        data["warnings"] = list(warnings or ())
        print_json(data)
    else:
        out.print(f"profile: [bold]{rec.profile}[/bold] ({rec.profile_note})")
        if rec.options:
            out.print(mjx_options_table(rec))
    if rec.chosen is None:
        raise NoRecommendation(rec.reason)
    if output is not None:
        write_output(output, conf_text)
    if not json_output:
        for warning in warnings:
            err.print(f"warning: {warning}", markup=False)
        if output is not None:
            for line in header_lines(rec)[3:]:
                out.print(line, markup=False)
            out.print(f"wrote {output}" + (f" (your {base} with only the tuned keys changed)" if base else ""))
        elif base is not None:
            for line in header_lines(rec)[3:]:
                out.print(f"# {line}", markup=False)
            out.print(f"# your {base} with only the tuned keys changed:", markup=False)
            out.print(conf_text, markup=False, end="")
        else:
            out.print(conf_text, markup=False, end="")
    return 0
