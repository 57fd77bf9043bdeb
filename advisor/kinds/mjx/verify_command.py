"""``advisor verify --profile NAME --target 2M`` for the MJX kind: plan the run
(:mod:`advisor.kinds.mjx.verify`), train it to the target in a measuring child with a progress
bar (starting -> compiling -> training, one tick per PPO update), store it in the profile, and
print predicted against measured."""

from __future__ import annotations

from typing import Any

from advisor.console import err, out, print_json, sigterm_as_interrupt
from advisor.errors import CalibrationInterrupted
from advisor.kinds.mjx.verified_render import run_notes, verify_json, verify_table
from advisor.kinds.mjx.verify import VerifyOptions, check_writable, plan_verify
from advisor.units import format_duration
from profiler.profile import Profile


def default_timeout_s(predicted_time_s: float) -> float:
    """Three times the predicted time to target plus 10 minutes (start-up, a slow compile)."""
    return 3 * predicted_time_s + 600


def verify_command(profile: Profile, origin: str, name: str, target_steps: int, json_output: bool,
                   options: VerifyOptions) -> int:
    """Run and report one verify (module docstring); the exit code."""
    from advisor.errors import BadInput
    from profiler.extras import require_extra
    from profiler.jax_child import jax_cache_dir
    from profiler.kinds.mjx.verify_run import measure_and_store

    check_writable(profile, origin, name)
    require_extra("advisor verify", "mjx")
    timeout = options.timeout
    if timeout is not None and not 0 < timeout < 1e7:
        raise BadInput("--timeout must be a positive number of seconds, such as 3600")
    plan = plan_verify(profile, target_steps, options)
    c, p = plan.config, plan.prediction
    if not json_output:
        err.print(f"verify {plan.source} config on profile {name}: {c.num_envs} envs x {c.num_steps} steps, "
                  f"{c.num_minibatches} minibatches of {c.minibatch_size:,}, {c.update_epochs} epochs, "
                  f"{c.num_updates} updates; predicted {format_duration(p.time_s)} to "
                  f"{c.env_steps:,} env steps", markup=False)
    try:
        with sigterm_as_interrupt(), _progress(c.num_updates, json_output) as on_progress:
            run = measure_and_store(
                name, profile, c, p, source=plan.source, timeout_s=timeout or default_timeout_s(p.time_s),
                cache_dir=str(jax_cache_dir()) if options.compile_cache else None, wait=not options.no_wait,
                on_progress=on_progress, on_wait=lambda text: err.print(text, markup=False))
    except KeyboardInterrupt:
        raise CalibrationInterrupted(f"interrupted: the verify run was stopped and profile {name} is unchanged") from None
    measured_on = profile.section("mjx").accelerator.name
    if json_output:
        print_json(verify_json(run, plan, name, measured_on))
        return 0
    out.print(f"profile: [bold]{name}[/bold] ({origin} profile); run stored in it ('advisor validate --profile "
              f"{name}' lists verified runs)")
    out.print(verify_table(run, plan))
    out.print(f"measured time to target = compile {format_duration(run.measured_compile_s)} + run "
              f"{format_duration(run.measured_run_s)}; the process took {format_duration(run.process_wall_s)} with "
              f"start-up and imports", markup=False)
    for note in run_notes(run, plan, measured_on):
        out.print(f"note: {note}", markup=False)
    out.print(f"predicted from: {p.basis}", markup=False)
    return 0


class _progress:
    """The progress bar on stderr (off with ``--json``); as a context manager it yields
    ``on_progress(phase, updates_done)``."""

    def __init__(self, num_updates: int, quiet: bool):
        self.num_updates, self.quiet = num_updates, quiet

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("updates"), TimeElapsedColumn(), console=err, transient=False,
                            disable=self.quiet)
        self.bar.__enter__()
        self.task = self.bar.add_task("starting: imports, env build", total=self.num_updates)
        return self.update

    def update(self, phase: str, done: int) -> None:
        if phase == "compile":
            self.bar.update(self.task, description="compiling the whole-run program")
        elif phase == "run":
            self.bar.update(self.task, description="training to the target")
        elif phase == "update":
            self.bar.update(self.task, completed=done)
        elif phase == "done":
            self.bar.update(self.task, description="done", completed=self.num_updates)

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)
