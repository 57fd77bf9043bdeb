"""``advisor calibrate brax``: Brax PPO on one MuJoCo Playground env, one ``ppo.train`` process
per point over num_envs and batch shapes, with the plan printed first and a progress bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Optional

import typer

from advisor.calibrate_runner import Progress, Say, SweepPlan, SweepRequest, calibrate
from advisor.errors import BadInput
from advisor.option_sets import typer_command
from advisor.sweeping import PointTimeoutOption
from advisor.units import parse_bytes, parse_int_list
from profiler.store import advisor_home

#: ``--quick``: a CPU-sized sweep. Two num_envs at one small shape (2,560 env steps per update)
#: and one shape with Playground's DM Control minibatches and unroll (32 x 30) at a small batch,
#: so the phase model sees sequential steps, env steps and SGD steps each vary.
QUICK = {"num_envs": "16,64", "batch_size": 64, "num_minibatches": 4, "unroll_length": 10,
         "shapes": "64:16:32:30", "num_eval_envs": 128}
#: The default: three num_envs at Playground's DM Control minibatches and unroll (32 x 30), the
#: shape ``recommend`` keeps, at a batch a CPU trains in seconds (30,720 env steps per update);
#: then that shape at twice the batch, and the same env steps in 8 minibatches, so the phase
#: model sees env steps per update and SGD steps vary around the shape it is asked about.
#: (On this project's 2-core CPU a calibration at 4 minibatches x unroll 10 predicted the
#: Playground shape 15% slow: the cost per env step depends on the shape beyond the model's terms.)
FULL = {"num_envs": "16,64,256", "batch_size": 32, "num_minibatches": 32, "unroll_length": 30,
        "shapes": "256:64:32:30,256:128:8:30", "num_eval_envs": 128}


def parse_shapes(text: str) -> tuple[tuple[int, int, int, int], ...]:
    """``N:B:M:U,...`` -> ``((num_envs, batch_size, num_minibatches, unroll_length), ...)``."""
    from profiler.checks import LIMITS

    names = ("num_envs", "batch_size", "num_minibatches", "unroll_length")
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            values = tuple(int(v) for v in part.split(":")) if len(part) <= 80 else ()
        except ValueError:
            values = ()
        if len(values) != 4 or any(v < 1 for v in values):
            raise BadInput(f"--shapes {part[:40]!r} is not num_envs:batch_size:num_minibatches:unroll_length; "
                           "e.g. --shapes 64:256:2:10")
        for name, value in zip(names, values):
            if value > LIMITS[name]:
                raise BadInput(f"--shapes {part[:40]!r}: {name} {value} is beyond {LIMITS[name]:,}; give a realistic "
                               "shape such as 64:256:2:10")
        found.append(values)
    return tuple(found)


@dataclass(frozen=True)
class BraxCalibration(SweepRequest):
    """``advisor calibrate brax``'s options, and its sweep for the calibrate runner."""

    kind: ClassVar[str] = "brax"
    title: ClassVar[str] = "Brax"
    extra: ClassVar[str | None] = "brax"
    plan_in_json: ClassVar[bool] = True

    env: Annotated[str, typer.Option(help="Playground env, e.g. CartpoleBalance, CheetahRun, HumanoidWalk (DM Control "
                                          "suite), Go1JoystickFlatTerrain, PandaPickCube (locomotion and manipulation "
                                          "envs load MuJoCo Menagerie: where Playground does not find it, it is "
                                          "fetched once with git, as Playground does).")] = "CartpoleBalance"
    name: Annotated[Optional[str], typer.Option(help="Profile to save into. Default: brax-<env> on this machine.")] = None
    quick: Annotated[bool, typer.Option(help="A CPU-sized sweep: num_envs 16,64 at batch 64 x 4 minibatches x unroll "
                                             "10, plus one shape 64:16:32:30 (three processes), evaluation not "
                                             "measured unless --eval.")] = False
    num_envs: Annotated[Optional[str], typer.Option(help=f"Comma-separated num_envs of the curve. Default: {FULL['num_envs']} ({QUICK['num_envs']} with --quick).")] = None
    batch_size: Annotated[Optional[int], typer.Option(help=f"Brax batch_size of the num_envs curve. Default: {FULL['batch_size']} ({QUICK['batch_size']} with --quick).")] = None
    num_minibatches: Annotated[Optional[int], typer.Option(help=f"Brax num_minibatches of the num_envs curve. Default: {FULL['num_minibatches']} ({QUICK['num_minibatches']} with --quick).")] = None
    unroll_length: Annotated[Optional[int], typer.Option(help=f"Brax unroll_length of the num_envs curve. Default: {FULL['unroll_length']} ({QUICK['unroll_length']} with --quick).")] = None
    shapes: Annotated[Optional[str], typer.Option(
        help="Other batch shapes to measure, num_envs:batch_size:num_minibatches:unroll_length, comma-separated "
             f"(the phase model predicts shapes from them); '' for none. Default: {FULL['shapes']} "
             f"({QUICK['shapes']} with --quick).")] = None
    num_updates_per_batch: Annotated[Optional[int], typer.Option(
        help="Brax num_updates_per_batch of every point. Default: Playground's for the env (16 for DM Control).")] = None
    epochs: Annotated[int, typer.Option(help="Timed training epochs per point (two more compile first: the second "
                                             "compiles again with brax 0.14.2).")] = 2
    training_steps: Annotated[int, typer.Option(help="Training steps per epoch.")] = 1
    num_eval_envs: Annotated[Optional[int], typer.Option(help="Eval envs of the point that measures evaluation "
                                                              "(Brax's default 128).")] = None
    evaluation: Annotated[Optional[bool], typer.Option("--eval/--no-eval", help="Measure evaluation in the first "
                                                       "point (two compiles: minutes on a CPU). Default: yes, and no "
                                                       "with --quick; without it times to target exclude evaluation.")] = None
    timeout: PointTimeoutOption = 1800.0
    memory_limit: Annotated[Optional[str], typer.Option(
        help="Cap each point's memory (bytes, or 4G; RLIMIT_DATA): a point over it is out of memory.")] = None

    def _preset(self) -> dict:
        return QUICK if self.quick else FULL

    def check(self) -> None:
        if not 0 < self.timeout < 1e7:
            raise BadInput("--timeout must be a positive number of seconds, such as 1800")
        from profiler.kinds.brax.rules import shape_error

        for n, b, m, _u in self._spec().grid:  # the device-independent rule, before any process starts
            problem = shape_error(n, b, m)
            if problem:
                raise BadInput(f"{problem} (point num_envs={n}, batch_size={b}, num_minibatches={m})")

    def _spec(self):
        from profiler.kinds.brax.sweep import BraxSweepSpec

        preset = self._preset()
        return BraxSweepSpec(
            env=self.env, num_envs=tuple(parse_int_list(self.num_envs or preset["num_envs"], "--num-envs",
                                                        maximum=2**20)),
            batch_size=self.batch_size or preset["batch_size"],
            num_minibatches=self.num_minibatches or preset["num_minibatches"],
            unroll_length=self.unroll_length or preset["unroll_length"],
            shapes=parse_shapes(preset["shapes"] if self.shapes is None else self.shapes),
            num_updates_per_batch=self.num_updates_per_batch, epochs=self.epochs, training_steps=self.training_steps,
            num_eval_envs=self.num_eval_envs or preset["num_eval_envs"],
            measure_eval=(not self.quick) if self.evaluation is None else self.evaluation, timeout_s=self.timeout,
            memory_limit_bytes=parse_bytes(self.memory_limit, "--memory-limit") if self.memory_limit else None)

    def profile_name(self) -> str:
        return self.name or f"brax-{self.env.lower()}"

    def precheck(self, profile_name: str) -> None:
        self.preflight(self._spec(), profile_name)

    def plan(self, profile_name: str, say: Say) -> SweepPlan:
        from profiler.kinds.brax.sweep import run_probe

        spec = self._spec()
        found = run_probe(spec, advisor_home() / "runs" / profile_name, on_fetch=lambda message: say(message, terminal_only=True))
        return SweepPlan(spec=spec, platform=found["device"]["platform"], total=len(spec.grid),
                         lines=tuple(plan_lines(spec, found)), found=found)

    def sweep(self, plan: SweepPlan, profile_name: str, on_event, **options):
        from profiler.kinds.brax.sweep import run_brax_sweep

        return run_brax_sweep(plan.spec, profile_name, plan.found, on_event=on_event, **options)

    def progress(self) -> Progress:
        return Progress(_label, lambda p: f"{p.train_sps:,.0f} env steps/s, first epoch {p.first_epoch_s:.1f} s, "
                                          f"setup {p.setup_s:.1f} s", 160, shown=("measure",))

    def table(self, section, profile_name: str):
        from advisor.kinds.brax.render import points_table

        return points_table(section, f"{profile_name}: Brax PPO on {self.env} ({section.accelerator.name})")

    def next_hint(self, profile_name: str) -> str:
        return f"advisor recommend --kind brax --profile {profile_name} --target 60M"


calibrate_brax = typer_command(
    BraxCalibration, calibrate, "brax",
    """Calibrate Brax PPO (brax.training.agents.ppo.train) on a MuJoCo Playground env: per point one fresh process
    trains from Playground's defaults for the env; env steps/s from compile-free epochs (training/walltime deltas),
    compile, setup and evaluation seconds, peak memory (bytes).""")


def _label(key) -> str:
    n, b, m, u = key
    return f"num_envs={n} batch {b}x{m} unroll {u}"


def plan_lines(spec, found: dict) -> list[str]:
    """The plan, printed before anything is measured."""
    from profiler.kinds.brax.rules import env_steps_per_update
    from profiler.kinds.brax.sweep import WARMUP_EPOCHS

    defaults = found.get("ppo_defaults") or {}
    updates = spec.num_updates_per_batch or defaults.get("num_updates_per_batch")
    lines = [f"plan: Brax PPO on {spec.env} (impl={spec.impl}), {found['device_count']} {found['backend']} device(s), "
              f"brax {found['versions'].get('brax', '?')}, jax {found['versions'].get('jax', '?')}; "
              f"{len(spec.grid)} point(s), each one process of {spec.epochs + WARMUP_EPOCHS} epoch(s) x "
              f"{spec.training_steps} training step(s) (the first {WARMUP_EPOCHS} compile; epochs that compiled are "
              f"not timed), num_updates_per_batch {updates}"]
    for n, b, m, u in spec.grid:
        lines.append(f"  num_envs {n}, batch_size {b}, num_minibatches {m}, unroll_length {u}: "
                     f"{env_steps_per_update(b, u, m):,} env steps per update")
    if spec.measure_eval:
        lines.append(f"  evaluation ({spec.num_eval_envs} envs) measured in the first point")
    if found.get("menagerie_state"):
        lines.append(f"  MuJoCo Menagerie {found['menagerie_state']} at {found['menagerie']['path']}")
    return lines
