"""The ``brax`` workload kind: Brax PPO (``brax.training.agents.ppo.train``) on MuJoCo Playground
envs, measured over num_envs and batch shapes, fitted by the shared num_envs curves
(:mod:`models.num_envs_curves`) and the phase model (:mod:`models.phases.brax`); recommend emits
Playground ``ppo_params`` overrides."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor.vectorised import HEADROOM_OPTION, NUM_ENVS_PREDICT_OPTION, SCORE_OPTION, VectorisedKind
from advisor.workload import Option, RaceRequest
from profiler.profile import Profile


def _int_option(name: str, text: str) -> Option:
    return Option(name, Annotated[Optional[int], typer.Option(help=f"brax: {text}")], None, exclusive=True)


class BraxKind(VectorisedKind):
    name = "brax"
    title = "Brax PPO on MuJoCo Playground envs (Playground ppo_params)"
    short = "Brax"
    objectives = ("fastest", "time-to-score")
    default_objective = "fastest"
    targetless_objectives = ("time-to-score",)
    recommend_options = (
        HEADROOM_OPTION,
        SCORE_OPTION,
        _int_option("env_steps_per_update", "env steps per training step (batch_size x unroll_length x "
                    "num_minibatches x action_repeat; Brax's sample-efficiency quantity); sets batch_size at "
                    "Playground's num_minibatches and unroll_length. Default: Playground's for the env."),
        _int_option("batch_size", "Brax batch_size (default: Playground's for the env)."),
        _int_option("num_minibatches", "Brax num_minibatches (default: Playground's for the env)."),
        _int_option("unroll_length", "Brax unroll_length (default: Playground's for the env)."),
        _int_option("num_updates_per_batch", "Brax num_updates_per_batch (default: Playground's for the env)."),
    )
    predict_axis = "num_envs"
    predict_example = "--num-envs 64,256 (brax)"
    predict_options = (
        NUM_ENVS_PREDICT_OPTION,
    )
    page_module = "advisor.kinds.brax.page"
    race_module = "advisor.kinds.brax.race"
    points_word = "configs"
    report_rank = 30
    recommend_help = ("for --kind brax, num_envs for Brax PPO on a Playground env at Playground's batch shape (or "
                      "yours), as ppo_params overrides (Python dict and YAML) and as the command line of "
                      "Playground's trainer (learning/train_jax_ppo.py)")
    objective_help = ("brax: fastest (the shortest predicted time to the target), or time-to-score (with --score: the "
                      "shortest predicted wall-clock time to that return, from the profile's 'advisor race --kind "
                      "brax').")
    output_help = ("brax: the ppo_params overrides (.py: Python, .yaml: YAML) or Playground's trainer command "
                   "(.sh: train-jax-ppo with the flags)")
    predict_help = ("Brax PPO env steps/s (with 90% interval) and peak memory at the given num_envs, at the "
                    "profile's measured batch shape (--kind brax)")

    operations = {
        "calibrate_command": "advisor.kinds.brax.calibrate:calibrate_brax",
        "summary_lines": "advisor.kinds.brax.render:summary_lines",
        "points_table": "advisor.kinds.brax.render:points_table",
        "recommend": "advisor.kinds.brax.commands:recommend",
        "predict": "advisor.kinds.brax.commands:predict",
        "dashboard_panels": "advisor.kinds.brax.report:dashboard_panels",
        "panel_titles": "advisor.kinds.brax.report:TITLES",
        "report_lines": "advisor.kinds.brax.report:report_lines",
    }

    def race_spec(self, profile: Profile | None, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
        from advisor.kinds.brax.race import race_spec

        return race_spec(profile, request.name, command, request)

    def device_name(self, section: Any) -> str | None:
        return section.accelerator.name

    def validate(self, section: Any) -> list[Any]:
        from advisor.kinds.brax.validate import phase_validation

        found = super().validate(section)
        phases = phase_validation(section)
        return found + ([phases] if phases is not None else [])

    def validation_tables(self, validations: list[Any]) -> list[tuple[Any, str]]:
        from advisor.kinds.brax.validate import CURVE, phase_table

        shared = super().validation_tables([v for v in validations if v.curve != CURVE])
        return shared + [phase_table(v) for v in validations if v.curve == CURVE]

    def doctor(self) -> tuple[list[Any], dict[str, Any] | None, str | None]:
        """Whether the installed brax trains on the installed jax (where brax is installed)."""
        from importlib import metadata

        from profiler.diagnose import Check
        from profiler.kinds.brax.versions import broken_pair

        versions = {}
        for dist in ("brax", "jax"):
            try:
                versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
        if "brax" not in versions:
            return [], None, None
        problem = broken_pair(versions)
        detail = problem or f"brax {versions['brax']} trains on jax {versions.get('jax', '(not installed)')}"
        return [Check("brax and jax", "fail" if problem else "ok", detail)], None, None


KIND = BraxKind()
