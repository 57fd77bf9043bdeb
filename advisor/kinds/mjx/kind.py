"""The ``mjx`` workload kind: MJX/JAX PPO in LocoMuJoCo's training shape, tuned over ``num_envs``
and ``num_minibatches``, emitted as a LocoMuJoCo ``conf.yaml``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor.kinds.mjx.sample_efficiency import DEFAULT_MIN_UPDATES
from advisor.vectorised import (
    HEADROOM_OPTION,
    NUM_ENVS_PREDICT_OPTION,
    SCORE_OPTION,
    TOLERANCE_OPTION,
    VectorisedKind,
)
from advisor.workload import Option, RaceRequest
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE
from profiler.profile import Hardware, Profile


class MjxKind(VectorisedKind):
    name = "mjx"
    title = "MJX/JAX PPO (LocoMuJoCo conf.yaml)"
    short = "MJX"
    objectives = ("efficient", "max-throughput", "same-batch", "time-to-score")
    default_objective = "efficient"
    targetless_objectives = ("time-to-score",)
    recommend_options = (
        TOLERANCE_OPTION,
        HEADROOM_OPTION,
        SCORE_OPTION,
        Option("minibatch_size", Annotated[int, typer.Option(
            help="mjx: target samples per minibatch; num_minibatches is chosen so num_envs*num_steps/num_minibatches "
                 "is near it and divides exactly.")], DEFAULT_MINIBATCH_SIZE),
        Option("min_updates", Annotated[int, typer.Option(
            help="mjx: fewest PPO updates (target // (num_envs*num_steps)) a recommended config may run; fewer "
                 "updates mean fewer policy improvements however big each batch. Default 200, a fifth of "
                 "LocoMuJoCo's 976 for 100M steps; 0 turns the guard off.")], DEFAULT_MIN_UPDATES, exclusive=True),
        Option("base", Annotated[Optional[Path], typer.Option(
            help="mjx: your LocoMuJoCo conf.yaml: only experiment.num_envs, num_minibatches and total_timesteps "
                 "change.")], None, exclusive=True),
    )
    predict_axis = "num_envs"
    predict_example = "--num-envs 1024,8192 (MJX)"
    predict_options = (
        NUM_ENVS_PREDICT_OPTION,
        Option("num_minibatches", Annotated[Optional[int], typer.Option(
            help="mjx: minibatches per epoch of the configs predicted (num_envs*num_steps must divide by it). "
                 "Default: the profile's own at each num_envs.")], None, exclusive=True),
        Option("num_steps", Annotated[Optional[int], typer.Option(
            help="mjx: rollout length (env steps per env per iteration). Default: the profile's.")], None,
               exclusive=True),
        Option("update_epochs", Annotated[Optional[int], typer.Option(
            help="mjx: PPO epochs per iteration. Default: the profile's.")], None, exclusive=True),
        Option("target", Annotated[Optional[str], typer.Option(
            help="mjx: total env steps (100M, 1e8), to report the PPO updates each config runs.")], None,
               exclusive=True),
    )
    verify_options = (
        Option("num_envs", Annotated[Optional[int], typer.Option(
            help="mjx: verify this num_envs instead of the recommended one.")], None),
        Option("num_minibatches", Annotated[Optional[int], typer.Option(
            help="mjx: minibatches per epoch (num_envs*num_steps must divide by it). Default: the recommended "
                 "config's, or recommend's --minibatch-size rule.")], None),
        Option("num_steps", Annotated[Optional[int], typer.Option(
            help="mjx: rollout length per env per iteration. Default: --base's, else the profile's.")], None),
        Option("update_epochs", Annotated[Optional[int], typer.Option(
            help="mjx: PPO epochs per iteration. Default: --base's, else the profile's.")], None),
        Option("objective", Annotated[Optional[str], typer.Option(
            help="mjx: recommend's --objective for the recommended config (efficient, max-throughput or same-batch).")], None),
    ) + tuple(o for o in recommend_options if o is not SCORE_OPTION) + (
        Option("timeout", Annotated[Optional[float], typer.Option(
            help="mjx: seconds before the run is ended (default: 3x the predicted time to target + 600).")], None),
        Option("compile_cache", Annotated[bool, typer.Option(
            help="mjx: use JAX's persistent compilation cache ($ADVISOR_JAX_CACHE); default off, so compile is "
                 "timed as a first run sees it.")], False),
        Option("no_wait", Annotated[bool, typer.Option(
            "--no-wait", help="mjx: exit 2 naming the calibration holding this device instead of waiting.")], False),
    )
    verify_help = ("MJX: trains the config 'advisor recommend' emits (same options), or the one given by --num-envs "
                   "and friends, to the target with the built-in LocoMuJoCo-shaped PPO, as one whole-run scan in a "
                   "fresh process")
    csv_columns = ("mjx: num_envs, num_steps, num_minibatches, update_epochs, train_sps, peak_vram_bytes "
                   "[physics_sps, compile_s, xla_bytes]")
    import_options = (
        Option("platform", Annotated[str, typer.Option(help="mjx: gpu or cpu: what the measurements ran on.")], "gpu"),
        Option("model", Annotated[str, typer.Option(help="mjx: model or task the measurements trained.")], "unspecified"),
        Option("hidden_layers", Annotated[str, typer.Option(
            help="mjx: actor/critic hidden layer widths, e.g. 512,256.")], "512,256"),
    )
    page_module = "advisor.kinds.mjx.page"
    race_module = "advisor.kinds.mjx.race"
    points_word = "num_envs"
    report_rank = 1
    recommend_help = "for --kind mjx, num_envs and num_minibatches of a LocoMuJoCo conf.yaml"
    objective_help = ("mjx: efficient (default; the smallest num_envs within --tolerance of the best predicted env "
                      "steps/s), max-throughput, or same-batch (env steps per update held at --base's num_envs x "
                      "num_steps, LocoMuJoCo's 2048 x 50 without it; the fastest num_envs x num_steps split), or "
                      "time-to-score (with --score: the shortest predicted wall-clock time to that return, from the "
                      "profile's 'advisor race --kind mjx').")
    output_help = "mjx: the conf.yaml"
    predict_help = ("MJX train_sps (env steps/s, with 90% interval) and peak memory (bytes, with upper bound) at the "
                    "given num_envs")

    operations = {
        "calibrate_command": "advisor.kinds.mjx.calibrate:calibrate_mjx",
        "doctor": "advisor.kinds.mjx.calibrate:doctor_plan",
        "fit": "advisor.kinds.mjx.config_prediction:fit_mjx",
        "profile_lines": "advisor.kinds.mjx.render:summary_lines",
        "points_table": "advisor.kinds.mjx.render:mjx_points_table",
        "recommend": "advisor.kinds.mjx.commands:recommend_command",
        "predict": "advisor.kinds.mjx.commands:predict_command",
        "verified_table": "advisor.kinds.mjx.verified_render:verified_runs_table",
        "verified_json": "advisor.kinds.mjx.verified_render:verified_run_json",
        "dashboard_panels": "advisor.kinds.mjx.report:dashboard_panels",
        "panel_titles": "advisor.kinds.mjx.report:TITLES",
        "report_lines": "advisor.kinds.mjx.report:report_lines",
    }

    def verify(self, profile: Profile, origin: str, name: str, target_steps: int, **options: Any) -> Any:
        from advisor.kinds.mjx.verify import VerifyOptions
        from advisor.kinds.mjx.verify_command import verify_command

        return verify_command(profile, origin, name, target_steps, VerifyOptions(**options))

    def race_spec(self, profile: Profile | None, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
        from advisor.kinds.mjx.race import race_spec

        return race_spec(profile, request.name, command, request)

    def validate(self, section: Any) -> list[Any]:
        from advisor.kinds.mjx.phase_validation import phase_validations

        return super().validate(section) + phase_validations(section)

    def validation_tables(self, validations: list[Any]) -> list[tuple[Any, str]]:
        from advisor.kinds.mjx.phase_validation import PhaseValidation, phase_table

        curves = [v for v in validations if not isinstance(v, PhaseValidation)]
        return super().validation_tables(curves) + [phase_table(v) for v in validations
                                                    if isinstance(v, PhaseValidation)]

    def validation_json(self, validation: Any) -> dict[str, Any]:
        from advisor.kinds.mjx.phase_validation import PhaseValidation, phase_json

        return phase_json(validation) if isinstance(validation, PhaseValidation) else super().validation_json(validation)

    def device_name(self, section: Any) -> str | None:
        return section.accelerator.name

    def distance(self, here: Hardware, profile: Profile) -> float:
        """The kind of device first (GPU or CPU), then its name, then its size."""
        hw = profile.hardware
        wanted = "gpu" if here.gpu_name else "cpu"
        score = 0.0 if profile.section(self.name).accelerator.platform == wanted else 100.0
        if here.gpu_name and hw.gpu_name:
            score += 0.0 if hw.gpu_name == here.gpu_name else 10.0
            if here.gpu_memory_bytes and hw.gpu_memory_bytes:
                score += abs(math.log(hw.gpu_memory_bytes / here.gpu_memory_bytes))
        elif here.cpu_logical_cores and hw.cpu_logical_cores:
            score += abs(math.log(hw.cpu_logical_cores / here.cpu_logical_cores))
        return score

    def check_import_options(self, *, platform: str = "gpu", hidden_layers: str = "512,256", **_: Any) -> None:
        from advisor.errors import BadInput
        from advisor.units import parse_layers

        if platform not in ("gpu", "cpu"):
            raise BadInput("--platform must be gpu or cpu")
        parse_layers(hidden_layers)

    def import_section(self, text: str, where: str, *, device_name: str | None, device_memory_bytes: int | None,
                       platform: str = "gpu", model: str = "unspecified", hidden_layers: str = "512,256",
                       **_: Any) -> tuple[Any, Hardware]:
        from advisor.units import parse_layers
        from profiler.kinds.mjx.importer import mjx_section_from_csv
        from profiler.profile import Accelerator

        accelerator = Accelerator(platform, device_name or "unspecified device", device_memory_bytes)
        section = mjx_section_from_csv(text, where, accelerator, model=model, hidden_layers=parse_layers(hidden_layers))
        hardware = (Hardware(gpu_name=device_name, gpu_memory_bytes=device_memory_bytes, gpu_count=1)
                    if platform == "gpu" and device_name else Hardware())
        return section, hardware



KIND = MjxKind()
