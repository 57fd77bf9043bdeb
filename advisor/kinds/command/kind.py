"""The ``command`` workload kind: any training command the user runs, with ``{num_envs}`` and
``{total_timesteps}`` placeholders, measured by differential timing and fitted by the vectorised
num_envs curves (:mod:`models.num_envs_curves`)."""

from __future__ import annotations

from typing import Any

from advisor.vectorised import (
    HEADROOM_OPTION,
    NUM_ENVS_PREDICT_OPTION,
    SCORE_OPTION,
    TOLERANCE_OPTION,
    VectorisedKind,
)
from advisor.workload import RaceRequest
from profiler.profile import Hardware, Profile


class CommandKind(VectorisedKind):
    name = "command"
    title = "your own training command (the command line to run)"
    short = "command"
    objectives = ("efficient", "max-throughput", "time-to-score")
    default_objective = "efficient"
    targetless_objectives = ("time-to-score",)
    recommend_options = (
        SCORE_OPTION,
        TOLERANCE_OPTION,
        HEADROOM_OPTION,
    )
    predict_axis = "num_envs"
    predict_example = "--num-envs 64,1024 (command)"
    predict_options = (NUM_ENVS_PREDICT_OPTION,)
    page_module = "advisor.kinds.command.page"
    race_module = "advisor.kinds.command.race"
    race_takes_command = True
    points_word = "num_envs"
    recommend_help = "for --kind command, num_envs for your own training command and the exact command line to run"
    objective_help = ("command: efficient (default; the smallest num_envs within --tolerance of the best predicted env "
                      "steps/s), max-throughput, or time-to-score (with --score: the shortest predicted wall-clock "
                      "time to that return, from the profile's race and calibration; no --target).")
    output_help = "command: the command line"
    predict_help = ("your command's env steps/s (with 90% interval), peak memory (bytes, with upper bound) and fixed "
                    "cost (s) at the given num_envs (--kind command)")

    operations = {
        "calibrate_command": "advisor.kinds.command.calibrate:calibrate_command",
        "summary_lines": "advisor.kinds.command.render:summary_lines",
        "points_table": "advisor.kinds.command.render:points_table",
        "recommend": "advisor.kinds.command.commands:recommend",
        "predict": "advisor.kinds.command.commands:predict",
        "dashboard_panels": "advisor.kinds.command.report:dashboard_panels",
        "panel_titles": "advisor.kinds.command.report:TITLES",
        "report_lines": "advisor.kinds.command.report:report_lines",
    }

    def race_spec(self, profile: Profile | None, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
        from advisor.kinds.command.race import check_program, race_spec
        from profiler.kinds.command.sweep import this_accelerator

        device = this_accelerator(None)
        spec, why = race_spec(profile, command, request, device.name)
        check_program(command)
        return spec, why, device.platform

    def device_name(self, section: Any) -> str | None:
        return section.accelerator.name

    def distance(self, here: Hardware, profile: Profile) -> float:
        """A command profile describes one machine's run of one command: only this machine's count."""
        from advisor.catalog import same_machine

        return 0.0 if same_machine(profile.hardware, here) else 1000.0



KIND = CommandKind()
