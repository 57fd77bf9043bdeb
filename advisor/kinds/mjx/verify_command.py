"""``advisor verify --profile NAME --target 2M`` for the MJX kind: plan the run
(:mod:`advisor.kinds.mjx.verify`) and hand the CLI a :class:`~advisor.answer.Job` that trains it to
the target in a measuring child (its progress: starting -> compiling -> training, one tick per PPO
update), stores it in the profile and answers with predicted against measured."""

from __future__ import annotations

from typing import Any, Callable

from advisor.answer import Answer, Job, Markup
from advisor.kinds.mjx.verified_render import run_notes, verify_json, verify_table
from advisor.kinds.mjx.verify import VerifyOptions, check_writable, plan_verify
from advisor.units import format_duration
from profiler.profile import Profile

#: how the progress bar reads the run's phases
PHASES = {"compile": "compiling the whole-run program", "run": "training to the target", "done": "done"}


def default_timeout_s(predicted_time_s: float) -> float:
    """Three times the predicted time to target plus 10 minutes (start-up, a slow compile)."""
    return 3 * predicted_time_s + 600


def verify_command(profile: Profile, origin: str, name: str, target_steps: int, options: VerifyOptions) -> Job:
    """One verify (module docstring), checked and planned; the CLI runs it."""
    from advisor.errors import BadInput
    from profiler.extras import require_extra

    check_writable(profile, origin, name)
    require_extra("advisor verify", "mjx")
    timeout = options.timeout
    if timeout is not None and not 0 < timeout < 1e7:
        raise BadInput("--timeout must be a positive number of seconds, such as 3600")
    plan = plan_verify(profile, target_steps, options)
    c, p = plan.config, plan.prediction

    def run(on_progress: Callable[[str, int], None], on_wait: Callable[[str], None]) -> Answer:
        from profiler.jax_child import jax_cache_dir
        from profiler.kinds.mjx.verify_run import measure_and_store

        run = measure_and_store(
            name, profile, c, p, source=plan.source, timeout_s=timeout or default_timeout_s(p.time_s),
            cache_dir=str(jax_cache_dir()) if options.compile_cache else None, wait=not options.no_wait,
            on_progress=on_progress, on_wait=on_wait)
        return _answer(run, plan, name, origin, profile.section("mjx").accelerator.name)

    line = (f"verify {plan.source} config on profile {name}: {c.num_envs} envs x {c.num_steps} steps, "
            f"{c.num_minibatches} minibatches of {c.minibatch_size:,}, {c.update_epochs} epochs, "
            f"{c.num_updates} updates; predicted {format_duration(p.time_s)} to {c.env_steps:,} env steps")
    return Job((line,), c.num_updates, "updates", "starting: imports, env build", PHASES, run,
               f"interrupted: the verify run was stopped and profile {name} is unchanged")


def _answer(run: Any, plan: Any, name: str, origin: str, measured_on: str) -> Answer:
    """Predicted against measured, for ``--json`` or as a table with its notes."""
    def head() -> list[Any]:
        return [Markup(f"profile: [bold]{name}[/bold] ({origin} profile); run stored in it ('advisor validate "
                       f"--profile {name}' lists verified runs)"),
                verify_table(run, plan),
                f"measured time to target = compile {format_duration(run.measured_compile_s)} + run "
                f"{format_duration(run.measured_run_s)}; the process took {format_duration(run.process_wall_s)} with "
                "start-up and imports",
                *(f"note: {note}" for note in run_notes(run, plan, measured_on)),
                f"predicted from: {plan.prediction.basis}"]

    return Answer(verify_json(run, plan, name, measured_on), head=head)
