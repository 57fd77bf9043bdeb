"""One check of every number given on the command line, before any command runs.

Every whole-number and decimal option of every command has a range here, by its parameter name
(an option means the same thing in every command that has it: ``--num-steps`` is always a rollout
length). :func:`check_numbers` wraps each command's callback: once the options are parsed, and
before the command's own code starts anything, each number is checked for finiteness (``nan``,
``inf``) and range; the first that fails is refused in one line naming the option and the range
to give (exit 2). Numbers given as text (``--target 100M``, ``--num-envs 64,256``,
``--memory-limit 4G``) are checked by the parsers of :mod:`advisor.units`, whose limits match.

The limits are far beyond any real machine and low enough that arithmetic on them (divisors of a
batch, times to a target) is exact and quick; where a profile stores the same quantity the limit
is the profile's (:data:`profiler.checks.LIMITS`), so an accepted option never builds a profile
that would be refused on reading.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Iterator

from advisor.errors import BadInput
from profiler.checks import LIMITS


@dataclass(frozen=True)
class Range:
    """Accepted values: ``low`` to ``high`` (``low_open``/``high_open``: the end itself is refused);
    ``whole``: a whole number; ``unit`` names what it counts, for the message."""

    low: float
    high: float
    whole: bool = True
    low_open: bool = False
    high_open: bool = False
    unit: str = ""

    def accepts(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    @property
    def text(self) -> str:
        """E.g. ``a whole number from 1 to 100,000``, ``seconds above 0 and below 10,000,000``."""
        what = "a whole number" if self.whole else "a number"
        if self.unit:
            what = f"{what} of {self.unit}"
        low, high = _figure(self.low), _figure(self.high)
        if not self.low_open and not self.high_open:
            return f"{what} from {low} to {high}"
        first = f"above {low}" if self.low_open else f"at least {low}"
        second = f"below {high}" if self.high_open else f"at most {high}"
        return f"{what} {first} and {second}"


def _figure(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e16:
        return f"{int(value):,}"
    return f"{value:g}"


def _count(name: str, low: int = 1, unit: str = "") -> Range:
    return Range(low, LIMITS[name], unit=unit)


#: Option parameter name -> its range. Every int or float option of every command must be here
#: (tests/advisor/test_bounds.py checks it); text options are parsed by :mod:`advisor.units`.
RANGES: dict[str, Range] = {
    # the PPO training shape (mjx, command, brax); the profile's limits
    "num_envs": _count("num_envs"),
    "num_steps": _count("num_steps"),
    "num_minibatches": _count("num_minibatches"),
    "minibatch_size": _count("minibatch_size", unit="samples"),
    "update_epochs": _count("update_epochs"),
    "batch_size": _count("batch_size"),
    "unroll_length": _count("unroll_length"),
    "num_updates_per_batch": _count("num_updates_per_batch"),
    "env_steps_per_update": _count("env_steps_per_iter", unit="env steps"),
    "num_eval_envs": _count("num_eval_envs"),
    "training_steps": _count("training_steps"),
    "epochs": Range(1, 1000),
    # physics of the MJX workload
    "n_substeps": Range(1, 1000),
    "solver_iterations": Range(1, 10_000),
    "ls_iterations": Range(1, 10_000),
    "timestep": Range(0, 1, whole=False, low_open=True, unit="seconds"),
    # how a sweep measures
    "repeats": Range(1, 1000),
    "warmup": Range(0, 1000),
    "timeout": Range(0, 1e7, whole=False, low_open=True, high_open=True, unit="seconds"),
    "parallel_compiles": Range(1, 256),
    "max_spread": Range(0, 1, whole=False, low_open=True, high_open=True),
    # RLlib
    "train_batch": _count("train_batch_size_per_learner", unit="env steps"),
    "num_epochs": Range(1, 10_000),
    "lr": Range(0, 1000, whole=False, low_open=True, high_open=True),
    "lambda_": Range(0, 1, whole=False, low_open=True),
    "driver_cpus": Range(0, LIMITS["ray_cpus"], whole=False, unit="CPUs"),
    "cpus_per_runner": Range(0, LIMITS["num_cpus_per_env_runner"], whole=False, low_open=True, unit="CPUs"),
    "cpus": Range(1, LIMITS["ray_cpus"], unit="CPUs"),
    # recommend's choices
    "tolerance": Range(0, 1, whole=False, high_open=True),
    "memory_headroom": Range(0, 1, whole=False, low_open=True),
    "min_updates": Range(0, 10**9, unit="PPO updates"),
    # race and the time-to-score objective: a return as the program prints it (any sign), seeds,
    # the config the user runs now, and how many printed figures make one reading
    "score": Range(-1e15, 1e15, whole=False),
    "seeds": Range(1, 100),
    "current": _count("num_envs"),
    "window": Range(1, 10_000),
    # profile import, explore
    "device_memory_bytes": Range(1, LIMITS["memory_bytes"], unit="bytes"),
    "port": Range(1, 65535),
}


def shown(value: Any, width: int = 24) -> str:
    """A value as a message shows it: at most ``width`` characters (a 5,000-digit number is cut)."""
    text = str(value)
    return text if len(text) <= width else f"{text[:width - 3]}... ({len(text):,} characters)"


def _flag(command: Any, name: str) -> str:
    for param in getattr(command, "params", ()):
        if param.name == name and getattr(param, "opts", None):
            return max(param.opts, key=len)
    return "--" + name.rstrip("_").replace("_", "-")


def check_value(flag: str, name: str, value: Any) -> None:
    """Refuse ``value`` of option ``name`` (shown as ``flag``) outside its range, in one line (exit 2)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    limits = RANGES.get(name, Range(-(2**53), 2**53, whole=isinstance(value, int)))
    if isinstance(value, int) and not limits.low <= value <= limits.high:  # exact for any integer
        raise BadInput(f"{flag} {shown(value)} is out of range: give {limits.text}")
    if not limits.accepts(float(value)) or (limits.whole and not float(value).is_integer()):
        raise BadInput(f"{flag} {shown(value)} is out of range: give {limits.text}")


def check_numbers(command: Any) -> Any:
    """Wrap ``command``'s callback (and its subcommands', recursively) so its numbers are checked
    (:func:`check_value`) before it runs; returns ``command``. Wrapping twice is harmless."""
    callback = getattr(command, "callback", None)
    if callback is not None and not getattr(callback, "_numbers_checked", False):
        @functools.wraps(callback)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for name, value in kwargs.items():
                check_value(_flag(command, name), name, value)
            return callback(*args, **kwargs)

        checked._numbers_checked = True  # type: ignore[attr-defined]
        command.callback = checked
    for sub in getattr(command, "commands", {}).values():
        check_numbers(sub)
    return command


def numeric_options(command: Any, path: str = "advisor") -> Iterator[tuple[str, str, Any]]:
    """``(command path, parameter name, parameter)`` of every int or float option below
    ``command`` (for the test that every one of them has a range)."""
    for param in getattr(command, "params", ()):
        if _is_number(param):
            yield path, param.name, param
    for name, sub in getattr(command, "commands", {}).items():
        yield from numeric_options(sub, f"{path} {name}")


def _is_number(param: Any) -> bool:
    import typing

    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:  # typer's own parameters
        annotation = descriptor.annotation
        options = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
        return any(a in (int, float) for a in options)
    kind = type(getattr(param, "type", None)).__name__  # click's parameter types
    return kind in ("IntParamType", "FloatParamType", "IntRange", "FloatRange")
