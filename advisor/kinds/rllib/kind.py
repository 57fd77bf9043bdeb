"""The ``rllib`` workload kind: Ray RLlib PPO (new API stack) scaling over env runners, tuned as
``num_env_runners`` x ``num_envs_per_env_runner`` x CPUs per runner, emitted as ``PPOConfig``
calls and YAML."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor.workload import Option, WorkloadKind
from profiler.profile import Hardware


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

    operations = {
        "calibrate_command": "advisor.kinds.rllib.calibrate:calibrate_rllib",
        "summary_lines": "advisor.kinds.rllib.render:rllib_summary_lines",
        "points_table": "advisor.kinds.rllib.render:rllib_points_table",
        "fit": "models.workers:fit_workers",
        "recommend": "advisor.kinds.rllib.commands:recommend_command",
        "predict": "advisor.kinds.rllib.commands:predict_command",
        "validate": "models.validation:validate_workers",
        "validation_tables": "advisor.kinds.rllib.render:validation_tables",
        "dashboard_panels": "advisor.kinds.rllib.report:dashboard_panels",
        "filler_panel": "advisor.kinds.rllib.report:filler_panel",
        "panel_titles": "advisor.kinds.rllib.report:TITLES",
        "report_lines": "advisor.kinds.rllib.report:report_lines",
    }

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

    def validation_json(self, validation: Any) -> dict[str, Any]:
        return {"curve": validation.curve, "form": validation.form,
                "median_abs_error_interior": validation.median_abs_error,
                "worst_abs_error_interior": validation.worst_abs_error, "confidence": validation.confidence,
                "coverage": validation.interval_coverage, "efficiency_coverage": validation.efficiency_coverage,
                "rows": [r.__dict__ for r in validation.rows]}



KIND = RllibKind()
