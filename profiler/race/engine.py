"""The race: candidate configs of the user's training, several seeds each, trained towards a target
score within a wall-clock budget, by successive halving (:mod:`profiler.race.halving`), one run
at a time on the device (the calibration's device lock), each run a fresh process session
(:class:`profiler.race.process.RaceProcess`) paused between its slices.

The race is saved into its profile (``races``) after every slice, so Ctrl-C, a crash or an
out-of-memory run keeps every finished run: Ctrl-C ends every run it started, records the ones not
settled as ``interrupted`` and re-raises; ``--resume`` runs those again from their start and goes
on with the budget left. When the budget is spent, every run not settled is censored.
"""

from __future__ import annotations

import dataclasses
import os
import string
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from profiler.errors import BadInput, WorkloadSpecError
from profiler.profile import Profile
from profiler.race import halving
from profiler.race.process import RaceProcess
from profiler.race.schema import Race, RaceRun
from profiler.store import advisor_home, check_name, load_profile_file, profile_path, save_profile
from profiler.trainers.scores import ScoreFormat

#: Placeholders a raced command may use.
PLACEHOLDERS = ("num_envs", "total_timesteps", "seed", "num_steps")


@dataclass(frozen=True)
class RaceEvent:
    """Progress: ``phase`` is ``wait`` (for the device), ``start`` (a run starts or goes on),
    ``slice`` (a run paused, reached the score or ended; ``run`` is its record), ``eliminated``
    (configs ``key`` stopped by the halving or as unable to win) or ``done``."""

    phase: str
    message: str = ""
    run: RaceRun | None = None
    key: Any = None


@dataclass(frozen=True)
class RaceSpec:
    """What a race runs: ``argv`` with placeholders (:data:`PLACEHOLDERS`), ``env`` added to the
    environment, ``cwd``; ``fmt`` how to read its score; ``score`` the target; ``budget_s`` the
    wall-clock budget; ``num_envs`` the candidates, ``current`` the user's own; ``seeds``;
    ``total_timesteps`` the ``{total_timesteps}`` of every run; ``num_steps`` env steps per env per
    update (``update_env_steps``: env steps per update where the kind's shape fixes them whatever
    num_envs); ``timeout_s`` the most one run may take of its own time; ``kind`` the workload kind."""

    argv: tuple[str, ...]
    fmt: ScoreFormat
    score: float
    budget_s: float
    num_envs: tuple[int, ...]
    seeds: tuple[int, ...]
    total_timesteps: int
    kind: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = ""
    current: int | None = None
    num_steps: int = 1
    update_env_steps: int | None = None
    timeout_s: float | None = None
    memory_limit_bytes: int | None = None
    device: str = ""

    def __post_init__(self) -> None:
        used = check_argv(self.argv)
        if "num_envs" not in used:
            raise WorkloadSpecError("the command has no {num_envs} placeholder; put {num_envs} where it takes the "
                                    "number of parallel envs, e.g. --num-envs {num_envs}")
        if len(self.seeds) > 1 and "seed" not in used:
            raise WorkloadSpecError("the command has no {seed} placeholder, so every seed would run the same; put "
                                    "{seed} where it takes its seed (e.g. --seed {seed}) or give --seeds 1")
        if not self.num_envs:
            raise WorkloadSpecError("the race has no candidates; give --num-envs 2,4,8")
        if not self.budget_s > 0:
            raise WorkloadSpecError("--budget must be positive, e.g. 10m")

    @property
    def settings(self) -> dict[str, Any]:
        """What a resumed race must share with the interrupted one."""
        return {"argv": list(self.argv), "env": dict(self.env), "cwd": self.cwd, "score_format": dataclasses.asdict(self.fmt),
                "total_timesteps": self.total_timesteps, "num_steps": self.num_steps,
                "memory_limit_bytes": self.memory_limit_bytes}

    def argv_for(self, num_envs: int, seed: int) -> list[str]:
        values = {"num_envs": num_envs, "seed": seed, "total_timesteps": self.total_timesteps, "num_steps": self.num_steps}
        return [arg.format(**{k: str(v) for k, v in values.items()}) for arg in self.argv]

    @property
    def method(self) -> str:
        how = (f"preset {self.fmt.preset}" if self.fmt.preset else
               f"score {self.fmt.score_regex!r}, env steps {self.fmt.step_regex!r}")
        window = f", the mean of the last {self.fmt.window} scores" if self.fmt.window > 1 else ""
        return (f"successive halving within {self.budget_s:g} s of wall clock; each run a fresh process session "
                f"paused between slices (SIGSTOP), one at a time on {self.device or 'this machine'}; time to score = "
                f"the run's own wall seconds from its start (start-up and compile included) to the output line "
                f"reaching {self.score:g} ({how}{window}); runs stopped before it are censored")


def check_argv(argv: tuple[str, ...] | list[str]) -> set[str]:
    """The placeholders ``argv`` uses; an unknown or malformed one is bad input."""
    if not argv:
        raise BadInput("no command given; put it after --, e.g. -- python train.py --num-envs {num_envs} --seed {seed}")
    found: set[str] = set()
    for arg in argv:
        try:
            parsed = [(name, spec, conv) for _t, name, spec, conv in string.Formatter().parse(arg) if name is not None]
        except ValueError as exc:
            raise BadInput(f"argument {arg!r}: {exc}; write a literal brace as {{{{ or }}}}") from None
        for name, spec, conv in parsed:
            if name not in PLACEHOLDERS or spec or conv:
                raise BadInput(f"placeholder {{{name}}} in {arg!r} is not one advisor race fills; use "
                               f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)} (a literal brace is {{{{ or }}}})")
            found.add(name)
    return found


def run_env(spec: RaceSpec) -> dict[str, str]:
    """The run's environment: this one, the race's additions, JAX's preallocation off (paused runs
    share the device) and unbuffered Python output (lines must arrive as they are printed)."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in spec.env.items()})
    env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def new_race(spec: RaceSpec) -> Race:
    return Race(kind=spec.kind, score=spec.score, budget_s=spec.budget_s, num_envs=tuple(sorted(spec.num_envs)),
                seeds=tuple(spec.seeds), created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                current=spec.current, num_steps=spec.num_steps, update_env_steps=spec.update_env_steps,
                settings=spec.settings, method=spec.method,
                device=spec.device,
                runs=tuple(RaceRun(num_envs=n, seed=s) for n in sorted(spec.num_envs) for s in spec.seeds))


def preflight(spec: RaceSpec, profile_name: str, *, resume: bool, fresh: bool) -> Profile | None:
    """Refuse a race before anything runs: a bad name, a damaged profile, ``--resume`` with nothing
    to resume or other settings, a race of the kind (unfinished or finished) that a new one would
    replace without ``--fresh``."""
    from profiler.checks import settings_diff

    check_name(profile_name)
    path = profile_path(profile_name)
    existing = load_profile_file(path) if path.exists() else None
    old = existing.race(spec.kind) if existing is not None else None
    if resume:
        if old is None:
            raise WorkloadSpecError(f"nothing to resume: profile {profile_name!r} has no {spec.kind} race; run without "
                                    "--resume")
        changed = settings_diff(dict(old.settings), spec.settings)
        for name in ("score", "num_envs", "seeds"):
            if getattr(old, name) != (tuple(sorted(spec.num_envs)) if name == "num_envs" else
                                      tuple(spec.seeds) if name == "seeds" else spec.score):
                changed.append(name)
        if changed:
            raise WorkloadSpecError(f"--resume needs the same race as the interrupted one in {profile_name!r} "
                                    f"(changed: {'; '.join(changed)[:300]}); repeat its options, or run without --resume")
    elif old is not None and old.unfinished and not fresh:
        raise WorkloadSpecError(f"profile {profile_name!r} holds an unfinished {spec.kind} race; add --resume to go on "
                                "with it, or --fresh to discard it and start over")
    elif old is not None and not fresh:
        raise WorkloadSpecError(f"profile {profile_name!r} already holds a finished {spec.kind} race (to score "
                                f"{old.score:g}, {len(old.runs)} runs); add --fresh to replace it, or race into another "
                                "--name")
    return existing


class RaceRunner:
    """One race session (module docstring): the profile, the processes it started, the clock."""

    def __init__(self, spec: RaceSpec, profile_name: str, existing: Profile | None,
                 on_event: Callable[[RaceEvent], None]):
        from profiler.engine import new_profile

        self.spec, self.name, self.on_event = spec, profile_name, on_event
        self.path = profile_path(profile_name)
        self.workdir = advisor_home() / "runs" / profile_name / f"race-{spec.kind}"
        self.profile = existing or new_profile(profile_name)
        self.procs: dict[tuple[int, int], RaceProcess] = {}
        self.started = time.monotonic()

    @property
    def race(self) -> Race:
        return self.profile.race(self.spec.kind)

    def store(self, race: Race) -> None:
        self.profile = self.profile.with_race(race)
        save_profile(self.profile, self.path)

    def spent(self, base: float) -> float:
        return base + time.monotonic() - self.started

    def record(self, run: RaceRun) -> None:
        self.store(dataclasses.replace(self.race.with_run(run), spent_s=self.spent(self.base_spent)))

    def begin(self, resume: bool) -> None:
        if resume:
            race = self.race
            again = tuple(dataclasses.replace(r, status="pending", wall_s=0.0, curve=(), last_env_steps=None,
                                              last_score=None, error=None) if r.status in ("interrupted", "running")
                          else r for r in race.runs)
            race = dataclasses.replace(race, runs=again, finished=False)
        else:
            race = new_race(self.spec)
        self.base_spent = race.spent_s
        self.store(race)

    def snapshot(self, run: RaceRun, proc: RaceProcess, status: str, error: str | None = None) -> RaceRun:
        reached = proc.reached if status == "reached" else None
        return dataclasses.replace(
            run, status=status, wall_s=round(proc.wall_s, 3), curve=tuple(proc.curve),
            time_to_score_s=round(reached[0], 3) if reached else None, env_steps_to_score=reached[1] if reached else None,
            last_env_steps=proc.last[0] if proc.last else None, last_score=proc.last[1] if proc.last else None,
            rung=self.race.rung, error=error, log=str(proc.log_path))

    def slice(self, run: RaceRun, target_s: float, deadline: float) -> str:
        """Let ``run`` train until ``target_s`` of its own time (or the deadline); its outcome."""
        key = run.key
        proc = self.procs.get(key)
        if proc is None:
            argv = self.spec.argv_for(*key)
            timeout = self.spec.timeout_s or float("inf")
            proc = RaceProcess(argv, run_env(self.spec), self.spec.cwd or None,
                               self.workdir / f"n{key[0]}-seed{key[1]}.log", self.spec.fmt, self.spec.score, timeout,
                               self.spec.memory_limit_bytes)
            self.procs[key] = proc
            self.record(dataclasses.replace(run, status="running", log=str(proc.log_path)))
        self.on_event(RaceEvent("start", f"num_envs={key[0]} seed={key[1]}: training to {target_s:.0f} s of its time",
                                key=key))
        outcome = proc.run_until(target_s, deadline)
        status = {"slice": "running", "deadline": "running"}.get(outcome.status, outcome.status)
        updated = self.snapshot(self.race.run(*key), proc, status, outcome.message or None)
        if updated.settled:
            self.procs.pop(key, None)
        self.record(updated)
        self.on_event(RaceEvent("slice", outcome.status, run=updated, key=key))
        return outcome.status

    def eliminate(self, configs: list[int], why: str) -> None:
        if not configs:
            return
        race = self.race
        for n in configs:
            for run in [r for r in race.runs if r.num_envs == n and not r.settled]:
                proc = self.procs.pop(run.key, None)
                if proc is not None:
                    proc.end()
                    race = race.with_run(self.snapshot(run, proc, "censored", why))
                else:
                    race = race.with_run(dataclasses.replace(run, status="censored", error=why))
        race = dataclasses.replace(race, eliminated=tuple(sorted(set(race.eliminated) | set(configs))))
        self.store(dataclasses.replace(race, spent_s=self.spent(self.base_spent)))
        self.on_event(RaceEvent("eliminated", why, key=tuple(configs)))

    def end_all(self, status: str, why: str) -> None:
        race = self.race
        for key, proc in list(self.procs.items()):
            proc.end()
            race = race.with_run(self.snapshot(race.run(*key), proc, status, why))
        self.procs.clear()
        for run in race.runs:
            if not run.settled and run.status != "interrupted":
                race = race.with_run(dataclasses.replace(run, status=status, error=why))
        self.store(dataclasses.replace(race, spent_s=self.spent(self.base_spent)))

    def run(self) -> None:
        budget_left = self.spec.budget_s - self.base_spent
        deadline = time.monotonic() + max(budget_left, 0.0)
        target = 0.0
        while time.monotonic() < deadline:
            configs = halving.alive(self.race)
            if not configs:
                break
            target = halving.next_target_s(self.race, target, deadline - time.monotonic())
            stop = False
            # seed by seed across the configs (every config's first seed, then every config's second,
            # ...): whatever drifts over a rung (caches warming, the machine's memory, its load) falls
            # on each config's seeds alike, and the median over seeds that ranks a config sees it once
            for seed in self.race.seeds:
                for n in configs:
                    if n in self.race.eliminated:
                        continue
                    # every config and seed gets its first rung; after it a config stops once it cannot win
                    if self.race.rung > 0 and halving.cannot_win(self.race, n):
                        self.eliminate([n], "stopped: its median time to score can no longer beat the best known")
                        continue
                    run = self.race.run(n, seed)
                    if run.settled:
                        continue
                    if self.slice(run, target, deadline) == "deadline":
                        stop = True
                        break
                if stop:
                    break
            if stop:
                break
            self.eliminate([n for n in halving.alive(self.race) if halving.cannot_win(self.race, n)],
                           "stopped: its median time to score can no longer beat the best known")
            self.eliminate(halving.halve(self.race), "stopped by successive halving: slower progress towards the "
                                                     "score per wall second than the configs that went on")
            self.store(dataclasses.replace(self.race, rung=self.race.rung + 1))
        self.end_all("censored", "censored: the race's budget was spent before it reached the score")
        self.store(dataclasses.replace(self.race, finished=True, spent_s=self.spent(self.base_spent)))
        self.on_event(RaceEvent("done"))


def run_race(spec: RaceSpec, profile_name: str, *, resume: bool = False, fresh: bool = False,
             on_event: Callable[[RaceEvent], None] = lambda event: None, claim: Any = None,
             platform: str = "cpu", wait: bool = True) -> Profile:
    """Race ``spec`` into profile ``profile_name`` (module docstring), holding the profile's and
    the device's locks (``claim``: the caller's, else taken here)."""
    from profiler.devicelock import SweepClaim, device_key

    existing = preflight(spec, profile_name, resume=resume, fresh=fresh)
    own = claim is None
    claim = claim or SweepClaim(profile_name)
    try:
        claim.device(device_key(platform), wait=wait, on_wait=lambda text: on_event(RaceEvent("wait", text)))
        runner = RaceRunner(spec, profile_name, existing, on_event)
        runner.begin(resume)
        try:
            runner.run()
        except BaseException:
            runner.end_all("interrupted", "interrupted; --resume runs it again")
            raise
        return runner.profile
    finally:
        if own:
            claim.release()
