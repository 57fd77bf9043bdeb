"""The placeholders of a user's command: ``{num_envs}`` (required), ``{total_timesteps}``
(required for differential timing), ``{num_minibatches}`` and ``{num_steps}`` (optional).

They are substituted into each argument of the list (no shell is involved, so nothing needs
quoting); ``{{`` and ``}}`` stand for literal braces. Errors are
:class:`~profiler.errors.BadInput` naming the fix (exit 2).
"""

from __future__ import annotations

import string

from profiler.errors import BadInput
from profiler.minibatch import nearest_num_minibatches

REQUIRED = ("num_envs",)
OPTIONAL = ("total_timesteps", "num_minibatches", "num_steps")
KNOWN = REQUIRED + OPTIONAL


def placeholders(argv: tuple[str, ...] | list[str]) -> set[str]:
    """The placeholder names used anywhere in ``argv``; a malformed or unknown one is bad input."""
    found: set[str] = set()
    for arg in argv:
        try:
            parsed = [(name, spec, conv) for _text, name, spec, conv in string.Formatter().parse(arg)
                      if name is not None]
        except ValueError as exc:
            raise BadInput(f"argument {arg!r}: {exc}; write a literal brace as {{{{ or }}}}") from None
        for name, spec, conv in parsed:
            if name not in KNOWN:
                raise BadInput(f"unknown placeholder {{{name}}} in {arg!r}; use "
                               f"{', '.join('{' + k + '}' for k in KNOWN)} (a literal brace is {{{{ or }}}})")
            if spec or conv:
                raise BadInput(f"placeholder {{{name}}} in {arg!r} takes no format; write {{{name}}}")
        fields = [name for name, _spec, _conv in parsed]
        found.update(fields)
    return found


def check_command(argv: tuple[str, ...] | list[str], *, differential: bool, num_steps_given: bool) -> set[str]:
    """Refuse a command advisor cannot sweep; returns its placeholders."""
    if not argv:
        raise BadInput("no command given; put it after --, e.g. -- python train.py --num-envs {num_envs} "
                       "--total-timesteps {total_timesteps}")
    used = placeholders(argv)
    if "num_envs" not in used:
        raise BadInput("the command has no {num_envs} placeholder; put {num_envs} where it takes the number of "
                       "parallel envs, e.g. --num-envs {num_envs}")
    if differential and "total_timesteps" not in used:
        raise BadInput("the command has no {total_timesteps} placeholder, which differential timing needs; add it "
                       "(e.g. --total-timesteps {total_timesteps}) or give --sps-regex to read the figure it prints")
    if "num_steps" in used and not num_steps_given:
        raise BadInput("the command uses {num_steps}; give its value with --num-steps (env steps per env per "
                       "iteration)")
    return used


def values_at(num_envs: int, total_timesteps: int, *, num_steps: int, minibatch_size: int | None) -> dict[str, int]:
    """The placeholder values of one run; ``num_minibatches`` divides ``num_envs * num_steps``
    exactly, nearest ``minibatch_size`` samples (the rule ``advisor recommend`` uses)."""
    values = {"num_envs": num_envs, "total_timesteps": total_timesteps, "num_steps": num_steps}
    if minibatch_size is not None:
        values["num_minibatches"] = nearest_num_minibatches(num_envs, num_steps, minibatch_size)
    return values


def substitute(argv: tuple[str, ...] | list[str], values: dict[str, int]) -> list[str]:
    """``argv`` with every placeholder replaced by its value."""
    missing = placeholders(argv) - set(values)
    if missing:
        raise BadInput(f"no value for {', '.join('{' + m + '}' for m in sorted(missing))}; give --minibatch-size "
                       "for {num_minibatches}")
    return [arg.format(**{k: str(v) for k, v in values.items()}) for arg in argv]
