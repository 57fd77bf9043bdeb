"""The ``rllib`` workload kind: Ray RLlib PPO (new API stack) scaling over env runners, tuned as
``num_env_runners`` x ``num_envs_per_env_runner`` x CPUs per runner, emitted as ``PPOConfig``
calls and YAML."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor.workload import Option, Panel, WorkloadKind
from profiler.profile import Hardware, Profile


class RllibKind(WorkloadKind):
    name = "rllib"
    title = "RLlib PPO env runners (PPOConfig)"
    short = "RLlib"
    objectives = ("throughput", "efficiency")
    default_objective = "throughput"
    predict_axis = "runners"
    predict_example = "--runners 1,4,15 (RLlib)"
    predict_options = (
        Option("runners", Annotated[Optional[str], typer.Option(
            help="Comma-separated num_env_runners for RLlib predictions, e.g. 1,4,15.")], None),
        Option("envs_per_runner", Annotated[str, typer.Option(
            help="Comma-separated num_envs_per_env_runner for RLlib predictions (measured values only).")], "1"),
    )
    csv_columns = "rllib: num_env_runners, num_envs_per_env_runner, env_steps_per_s [iter_s]"
    import_options = (
        Option("env", Annotated[str, typer.Option(help="rllib: the gymnasium env id the measurements ran.")],
               "HalfCheetah-v5"),
        Option("cpus", Annotated[Optional[int], typer.Option(
            help="rllib: logical CPUs of the measuring machine (bounds the runner counts recommend considers).")], None),
        Option("train_batch", Annotated[int, typer.Option(
            help="rllib: train_batch_size_per_learner the measurements used.")], 16384),
        Option("minibatch_size", Annotated[int, typer.Option(help="rllib: minibatch_size the measurements used.")], 4096),
    )
    page_module = "advisor.kinds.rllib.page"
    points_word = "configs"
    report_rank = 0
    recommend_help = ("for --kind rllib, num_env_runners, num_envs_per_env_runner and CPUs per runner for RLlib PPO")
    objective_help = ("rllib: throughput (default; the highest predicted env steps/s) or efficiency (the most env "
                      "steps/s per CPU).")
    output_help = "rllib: YAML, or the PPOConfig snippet for a .py path"
    predict_help = ("RLlib env steps/s, speedup and parallel efficiency (fraction) over 1 runner x 1 env at the given "
                    "runners and envs per runner")

    def calibrate_command(self):
        from advisor.kinds.rllib.calibrate import calibrate_rllib

        return calibrate_rllib

    def summary_lines(self, section: Any) -> list[str]:
        from advisor.kinds.rllib.render import rllib_summary_lines

        return rllib_summary_lines(section)

    def points_table(self, section: Any, title: str | None = None) -> Any:
        from advisor.kinds.rllib.render import rllib_points_table

        return rllib_points_table(section, title or "RLlib points (env steps/s; seconds per iteration)")

    def import_section(self, text: str, where: str, *, device_name: str | None, device_memory_bytes: int | None,
                       env: str = "HalfCheetah-v5", cpus: int | None = None, train_batch: int = 16384,
                       minibatch_size: int = 4096, **_: Any) -> tuple[Any, Hardware]:
        from profiler.kinds.rllib.importer import rllib_section_from_csv
        from profiler.kinds.rllib.schema import RllibWorkload

        workload = RllibWorkload(env_id=env, train_batch_size_per_learner=train_batch, minibatch_size=minibatch_size)
        section = rllib_section_from_csv(text, where, workload, ray_cpus=float(cpus) if cpus else None)
        return section, Hardware(cpu_model=device_name, cpu_logical_cores=cpus)

    def check_import_options(self, *, cpus: int | None = None, train_batch: int = 16384, minibatch_size: int = 4096,
                             **_: Any) -> None:
        from advisor.errors import BadInput

        if cpus is not None and cpus < 1:
            raise BadInput("--cpus must be a positive number of logical CPUs, e.g. 16")
        if not 1 <= minibatch_size <= train_batch:
            raise BadInput("--minibatch-size must be between 1 and --train-batch")

    def fit(self, section: Any) -> Any:
        from models.workers import fit_workers

        return fit_workers(section)

    def recommend(self, target_steps: int, profile_name: str | None, objective: str, output: Any,
                  json_output: bool, **options: Any) -> int:
        from advisor.kinds.rllib.commands import recommend_command

        return recommend_command(self, target_steps, profile_name, objective, output, json_output)

    def predict(self, profile: Profile, name: str, json_output: bool, **options: Any) -> int:
        from advisor.kinds.rllib.commands import predict_command

        return predict_command(profile, name, json_output, **options)

    def validate(self, section: Any) -> list[Any]:
        from models.validation import validate_workers

        return validate_workers(section)

    def validation_tables(self, validations: list[Any]) -> list[tuple[Any, str]]:
        from advisor.kinds.rllib.render import validation_tables

        return validation_tables(validations)

    def validation_json(self, validation: Any) -> dict[str, Any]:
        return {"curve": validation.curve, "form": validation.form,
                "median_abs_error_interior": validation.median_abs_error,
                "worst_abs_error_interior": validation.worst_abs_error, "confidence": validation.confidence,
                "coverage": validation.interval_coverage, "efficiency_coverage": validation.efficiency_coverage,
                "rows": [r.__dict__ for r in validation.rows]}

    def dashboard_panels(self, section: Any) -> list[Panel]:
        from advisor.kinds.rllib.report import dashboard_panels

        return dashboard_panels(section)

    def filler_panel(self, section: Any) -> Panel | None:
        from advisor.kinds.rllib.report import filler_panel

        return filler_panel(section)

    def panel_titles(self) -> dict[str, str]:
        from advisor.kinds.rllib.report import TITLES

        return TITLES

    def report_lines(self, profile: Profile, section: Any) -> list[str]:
        from advisor.kinds.rllib.report import report_lines

        return report_lines(section)


KIND = RllibKind()
