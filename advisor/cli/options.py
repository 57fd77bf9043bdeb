"""Generic commands with the options every registered kind adds to them.

Typer builds a command's options from its function's signature; :func:`with_kind_options` gives a
generic command the signature of its own parameters plus each kind's :class:`Option` (the first
kind to declare a name defines it), so ``recommend --base`` or ``predict --runners`` exist
without the generic command naming a kind. The command receives every option as a keyword and
hands each kind the ones it declared (:func:`options_for`).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Iterable

from advisor.kinds import kinds
from advisor.workload import Option, WorkloadKind
from profiler.errors import BadInput


def _declared(attribute: str) -> dict[str, tuple[Option, list[str]]]:
    found: dict[str, tuple[Option, list[str]]] = {}
    for kind in kinds():
        for option in getattr(kind, attribute):
            found.setdefault(option.name, (option, []))[1].append(kind.name)
    return found


def with_kind_options(fn: Callable[..., int], attribute: str) -> Callable[..., int]:
    """``fn`` with every kind's ``attribute`` options (e.g. ``recommend_options``) added after its
    own parameters; ``fn`` takes them through ``**kind_options``."""
    own = [p for p in inspect.signature(fn, eval_str=True).parameters.values() if p.kind != p.VAR_KEYWORD]
    taken = {p.name for p in own}
    extra = [inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=option.default,
                               annotation=option.annotation)
             for name, (option, _owners) in _declared(attribute).items() if name not in taken]

    @functools.wraps(fn)
    def command(**kwargs: Any) -> int:
        return fn(**kwargs)

    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + extra)
    return command


def options_for(kind: WorkloadKind, attribute: str, given: dict[str, Any]) -> dict[str, Any]:
    """The options of ``given`` that ``kind`` declared. An ``exclusive`` option that another kind
    declared and the user set is refused, naming the kinds it is for."""
    mine = {option.name for option in getattr(kind, attribute)}
    for name, (option, owners) in _declared(attribute).items():
        if name in mine or not option.exclusive:
            continue
        if given.get(name, option.default) != option.default:
            flag = "--" + name.replace("_", "-")
            raise BadInput(f"{flag} applies to --kind {' or '.join(owners)} only; drop it")
    return {name: value for name, value in given.items() if name in mine}


def kinds_with(attribute: str, present: Iterable[str]) -> list[WorkloadKind]:
    """Kinds whose ``attribute`` (e.g. ``predict_axis``) is among the options given."""
    present = set(present)
    return [kind for kind in kinds() if getattr(kind, attribute) and getattr(kind, attribute) in present]
