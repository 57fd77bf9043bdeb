"""The ``command`` workload kind: any training command the user runs, with ``{num_envs}`` and
``{total_timesteps}`` placeholders, measured by differential timing and fitted by the vectorised
num_envs curves (:mod:`models.num_envs_curves`)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor.vectorised import VectorisedKind
from advisor.workload import Option
from profiler.profile import Hardware, Profile


class CommandKind(VectorisedKind):
    name = "command"
    title = "your own training command (the command line to run)"
    short = "command"
    objectives = ("efficient", "max-throughput", "time-to-score")
    default_objective = "efficient"
    targetless_objectives = ("time-to-score",)
    recommend_options = (
        Option("score", Annotated[Optional[float], typer.Option(
            help="command: with --objective time-to-score, the return to reach (the profile's race to it, 'advisor "
                 "race', gives the sample-efficiency model).")], None),
        Option("tolerance", Annotated[float, typer.Option(
            help="mjx, command: fraction of the best throughput the efficient objective may give up.")], 0.05),
        Option("memory_headroom", Annotated[float, typer.Option(
            help="mjx, command: fraction of device memory a config's peak-memory upper bound may use.")], 0.9),
    )
    predict_axis = "num_envs"
    predict_example = "--num-envs 64,1024 (command)"
    predict_options = (
        Option("num_envs", Annotated[Optional[str], typer.Option(
            help="Comma-separated num_envs for MJX or command predictions, e.g. 1024,8192.")], None),
    )
    page_module = "advisor.kinds.command.page"
    points_word = "num_envs"
    recommend_help = "for --kind command, num_envs for your own training command and the exact command line to run"
    objective_help = ("command: efficient (default; the smallest num_envs within --tolerance of the best predicted env "
                      "steps/s), max-throughput, or time-to-score (with --score: the shortest predicted wall-clock "
                      "time to that return, from the profile's race and calibration; no --target).")
    output_help = "command: the command line"
    predict_help = ("your command's env steps/s (with 90% interval), peak memory (bytes, with upper bound) and fixed "
                    "cost (s) at the given num_envs (--kind command)")

    def calibrate_command(self):
        from advisor.kinds.command.calibrate import calibrate_command

        return calibrate_command

    def race_spec(self, profile: Profile | None, command: list[str], **options: Any) -> tuple[Any, str, str]:
        from advisor.kinds.command.race import check_program, race_spec
        from profiler.kinds.command.sweep import this_accelerator

        device = this_accelerator(None)
        spec, why = race_spec(profile, command, device=device.name, **options)
        check_program(command)
        return spec, why, device.platform

    def device_name(self, section: Any) -> str | None:
        return section.accelerator.name

    def distance(self, here: Hardware, profile: Profile) -> float:
        """A command profile describes one machine's run of one command: only this machine's count."""
        from advisor.catalog import same_machine

        return 0.0 if same_machine(profile.hardware, here) else 1000.0

    def summary_lines(self, section: Any) -> list[str]:
        from advisor.kinds.command.render import summary_lines

        return summary_lines(section)

    def points_table(self, section: Any, title: str | None = None) -> Any:
        from advisor.kinds.command.render import points_table

        return points_table(section, title or f"command points: {section.name} (env steps/s, fixed cost in s)")

    def recommend(self, target_steps: int, profile_name: str | None, objective: str, output: Any,
                  json_output: bool, **options: Any) -> int:
        from advisor.kinds.command.commands import recommend

        return recommend(self, target_steps, profile_name, objective, output, json_output, **options)

    def predict(self, profile: Profile, name: str, json_output: bool, **options: Any) -> int:
        from advisor.kinds.command.commands import predict

        return predict(profile, name, json_output, **options)

    def dashboard_panels(self, section: Any) -> list[Any]:
        from advisor.kinds.command.report import dashboard_panels

        return dashboard_panels(section)

    def panel_titles(self) -> dict[str, str]:
        from advisor.kinds.command.report import TITLES

        return TITLES

    def report_lines(self, profile: Profile, section: Any) -> list[str]:
        from advisor.kinds.command.report import report_lines

        return report_lines(section)


KIND = CommandKind()
