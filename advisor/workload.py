"""The interface every workload kind implements on the advising side, and the options it adds
to the generic commands.

A kind is one :class:`WorkloadKind` object registered in :mod:`advisor.kinds`; the generic
commands (calibrate, recommend, predict, validate, report, profile import/show/list, explore,
doctor) ask it for everything kind-specific and name no kind themselves. The kind's folder
``advisor/kinds/<name>/`` holds its recommendation, emitters, tables, report panels and explorer
page; its folder ``profiler/kinds/<name>/`` holds its section schema, sweep and measuring child.

A kind declares the operations some other module carries out in one mapping, ``operations``:
operation name -> ``"package.module:attr"``. The module is imported when the operation is first
used (:class:`Lazy`), so building the CLI imports no framework and ``recommend``, ``predict`` and
``profile show`` stay light. Methods with logic of their own stay methods.
"""

from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from advisor.answer import Answer, Job
from advisor.errors import BadInput
from profiler.profile import Hardware, Profile


@dataclass(frozen=True)
class Option:
    """A command-line option a kind adds to a generic command: ``name`` is the parameter name,
    ``annotation`` its ``Annotated[type, typer.Option(...)]``, ``default`` its default. With
    ``exclusive`` a value given for another kind is refused (exit 2) instead of ignored."""

    name: str
    annotation: Any
    default: Any = None
    exclusive: bool = False


@dataclass(frozen=True)
class RecommendRequest:
    """What ``advisor recommend`` asks of every kind: ``target_steps`` env steps to train for (0
    for an objective that needs no target), the ``profile`` named with ``--profile`` (``None``: the
    one calibrated on this machine, else the closest shipped one), the ``objective`` and the file
    ``-o`` names (``None``: print the config)."""

    target_steps: int
    profile: str | None
    objective: str
    output: Path | None = None


@dataclass(frozen=True)
class Panel:
    """One dashboard panel: its ``key`` (see the kind's ``panel_titles``), its title and
    ``draw(ax)`` onto a matplotlib axis."""

    key: str
    title: str
    draw: Callable[[Any], None]


@dataclass(frozen=True)
class RaceRequest:
    """What ``advisor race`` asks of a kind, parsed and checked: the score to reach, the budget
    (seconds), the candidate num_envs given (``None``: the kind chooses), seeds per config, the
    user's current num_envs, how the score is read (``preset``, the two regexes, ``window``), the
    values of ``{total_timesteps}`` and ``{num_steps}``, the most one run may train (seconds) and
    the environment added to each run."""

    score: float
    budget_s: float
    num_envs: tuple[int, ...] | None
    seeds: int
    current: int | None
    preset: str | None
    score_regex: str | None
    step_regex: str | None
    window: int | None
    total_timesteps: int
    num_steps: int | None
    timeout_s: float | None
    env: dict[str, str]
    #: the profile the race is saved into (``--name``)
    name: str = ""


def resolve(reference: str) -> Any:
    """The object ``"package.module:attr"`` names (``attr`` may be dotted), importing its module now."""
    module, _, attr = reference.partition(":")
    found: Any = importlib.import_module(module)
    for part in attr.split("."):
        found = getattr(found, part)
    return found


#: the attributes of a kind that are data or a command (not methods) a kind may declare in its
#: ``operations``
LAZY_ATTRIBUTES = frozenset({"calibrate_command", "panel_titles"})

#: operations whose function takes the kind first (as a method takes ``self``); the others' take
#: the operation's arguments alone
KIND_FIRST = frozenset({"recommend"})


class Lazy:
    """An operation a kind declares by reference: on the class, the declaration itself (nothing is
    imported); on the kind, what the reference names (a function, or data such as
    ``panel_titles``), resolved on each use (the module is imported on the first)."""

    def __init__(self, operation: str, reference: str) -> None:
        self.operation, self.reference = operation, reference

    def __get__(self, kind: Any, owner: type | None = None) -> Any:
        if kind is None:
            return self
        target = resolve(self.reference)  # looked up on each use, as a function-level import was
        return target.__get__(kind, owner) if self.operation in KIND_FIRST else target

    def __repr__(self) -> str:
        return f"Lazy({self.operation!r}, {self.reference!r})"


class WorkloadKind(abc.ABC):
    """What a workload kind provides. Every kind must draw its points (:meth:`points_table`), fit
    them (:meth:`fit`), recommend (:meth:`recommend`) and predict (:meth:`predict`); the rest ``name`` is its profile section key and its ``--kind``
    value; ``title`` names it for people (``MJX/JAX PPO``); ``short`` is how messages name its
    sweeps (``MJX``). The other methods' defaults describe a kind without that capability."""

    name: str = ""
    title: str = ""
    short: str = ""
    #: ``--objective`` values of ``recommend`` and the default one
    objectives: tuple[str, ...] = ()
    default_objective: str = ""
    #: objectives that need no ``--target`` (``time-to-score`` predicts how long the score takes)
    targetless_objectives: tuple[str, ...] = ()
    #: options this kind adds to ``recommend``, ``predict`` and ``profile import``
    recommend_options: tuple[Option, ...] = ()
    predict_options: tuple[Option, ...] = ()
    import_options: tuple[Option, ...] = ()
    #: the ``predict`` option whose presence selects this kind, and an example of it
    predict_axis: str = ""
    predict_example: str = ""
    #: ``profile import --kind`` help: the CSV's columns
    csv_columns: str = ""
    #: the module whose ``page(context)`` draws this kind's explorer page
    page_module: str = ""
    #: what one point of the section is, in messages ("num_envs", "configs")
    points_word: str = "points"
    #: where the kind's panels and report lines go when a profile has several kinds (lower first)
    report_rank: int = 100
    #: help of ``recommend`` for this kind: what it recommends, what ``--objective`` values mean, what ``-o`` writes
    recommend_help: str = ""
    objective_help: str = ""
    output_help: str = ""
    #: help of ``predict`` for this kind: what it predicts
    predict_help: str = ""
    #: the module of this kind's part of ``advisor race`` (empty: the kind does not race): its
    #: ``score_rows(profile, headroom)`` gives the calibrated throughput rows that turn a race's env
    #: steps to score into predicted time to score (:mod:`advisor.time_to_score`)
    race_module: str = ""
    #: whether this kind's race runs the user's command (given after ``--``); ``advisor race``
    #: defaults to such a kind when a command is given
    race_takes_command: bool = False
    #: options this kind adds to ``verify``, and that command's help for it (empty: no verify)
    verify_options: tuple[Option, ...] = ()
    verify_help: str = ""
    #: operation -> ``"package.module:attr"`` of what carries it out, imported on first use: any
    #: method or lazy attribute of this class below, taking the same arguments (less ``self``, but
    #: with the kind first for those in :data:`KIND_FIRST`); a subclass's entries add to its base's
    operations: Mapping[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for operation, reference in cls.__dict__.get("operations", {}).items():
            if not (callable(vars(WorkloadKind).get(operation)) or operation in LAZY_ATTRIBUTES):
                raise TypeError(f"{cls.__name__}.operations: {operation!r} is no operation of a kind")
            if operation in cls.__dict__:
                raise TypeError(f"{cls.__name__} both defines {operation!r} and declares it in operations")
            setattr(cls, operation, Lazy(operation, reference))

    # --- calibration -------------------------------------------------------------------------
    #: the Typer command for ``advisor calibrate <name>`` (``None``: this kind is imported only);
    #: declared in ``operations``, so the sweep code is imported only when that command (or its
    #: help) runs
    calibrate_command: Callable[..., int] | None = None

    def calibrates(self) -> bool:
        """Whether ``advisor calibrate <name>`` exists, known without importing the sweep code."""
        return isinstance(getattr(type(self), "calibrate_command"), Lazy)

    # --- profiles ----------------------------------------------------------------------------
    def usable(self, section: Any) -> bool:
        """The section has two or more distinct successful points to fit."""
        return len({p.key for p in section.ok_points}) >= 2

    def device_name(self, section: Any) -> str | None:
        """The device the section was measured on, for profile listings (``None``: the machine)."""
        return None

    def distance(self, here: Hardware, profile: Profile) -> float:
        """How far ``profile`` is from this machine for this kind's default (smaller is closer)."""
        hw = profile.hardware
        if here.cpu_logical_cores and hw.cpu_logical_cores:
            import math

            return abs(math.log(hw.cpu_logical_cores / here.cpu_logical_cores))
        return 50.0

    def profile_lines(self, section: Any) -> list[str]:
        """Lines ``profile show`` puts in the profile's header, before its notes."""
        return []

    def summary_lines(self, section: Any) -> list[str]:
        """Lines ``profile show`` puts above the section's table: how it was measured."""
        return []

    @abc.abstractmethod
    def points_table(self, section: Any, title: str | None = None) -> Any:
        """The section's measured points as a rich table."""

    def check_import_options(self, **options: Any) -> None:
        """Refuse bad ``profile import`` options before the file is read (exit 2)."""

    def import_section(self, text: str, where: str, *, device_name: str | None, device_memory_bytes: int | None,
                       **options: Any) -> tuple[Any, Hardware]:
        """A section (and the hardware it describes) from CSV text. Only kinds with ``csv_columns``
        are offered by ``profile import``; for the others this is bad input."""
        raise BadInput(f"--kind {self.name} has no CSV import; calibrate it with 'advisor calibrate {self.name}'")

    # --- models and advice -------------------------------------------------------------------
    @abc.abstractmethod
    def fit(self, section: Any) -> Any:
        """The section's fitted curves (``models.num_envs_curves`` or ``models.workers``)."""

    @abc.abstractmethod
    def recommend(self, request: RecommendRequest, **options: Any) -> Answer:
        """``advisor recommend --kind <name>``: the recommendation ``request`` asks for, with the
        kind's own ``recommend_options``, as an answer the CLI shows (and writes to ``-o``). Its
        function takes the kind first."""

    @abc.abstractmethod
    def predict(self, profile: Profile, name: str, **options: Any) -> Answer:
        """``advisor predict`` at this kind's axis, as an answer the CLI shows."""

    def validate(self, section: Any) -> list[Any]:
        """Leave-one-out validations of the section's curves (``models.validation``)."""
        return []

    def validation_tables(self, validations: list[Any]) -> list[tuple[Any, str]]:
        """``(rich table, summary line)`` for each validation."""
        return []

    def validation_json(self, validation: Any) -> dict[str, Any]:
        return {}

    def verify(self, profile: Profile, origin: str, name: str, target_steps: int, **options: Any) -> Job:
        """``advisor verify``: the run that trains one config to the target, checked and planned, for
        the CLI to run; its answer compares measured with predicted."""
        raise BadInput(f"--kind {self.name} has no verify; see 'advisor verify --help' for the kinds that do")

    def race_spec(self, profile: Profile | None, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
        """``advisor race``: ``(the race's spec, where its candidates came from, the device's
        platform)`` for this kind (:class:`profiler.race.engine.RaceSpec`) and ``request``."""
        raise BadInput(f"--kind {self.name} has no race yet; race your training command with --kind command")

    def verified_runs(self, section: Any) -> tuple[Any, ...]:
        """The section's verified runs (``advisor verify``), oldest first."""
        return tuple(getattr(section, "verified_runs", ()))

    def verified_table(self, runs: tuple[Any, ...]) -> Any:
        """The verified runs as a rich table, for ``advisor validate``."""
        return None

    def verified_json(self, run: Any) -> dict[str, Any]:
        return {}

    # --- report, doctor ----------------------------------------------------------------------
    def dashboard_panels(self, section: Any) -> list[Panel]:
        """The section's dashboard panels, in order (none without successful points)."""
        return []

    def filler_panel(self, section: Any) -> Panel | None:
        """A panel for a spare slot of the dashboard's grid, if the kind has one."""
        return None

    #: panel key -> title, for every panel this kind can draw (declared in ``operations``)
    panel_titles: Mapping[str, str] = {}

    def report_lines(self, section: Any) -> list[str]:
        """The section's lines in ``advisor report``'s text."""
        return []

    def doctor(self) -> tuple[list[Any], dict[str, Any] | None, str | None]:
        """``(checks, calibration plan as JSON, the plan in a sentence)`` for ``advisor doctor``."""
        return [], None, None
