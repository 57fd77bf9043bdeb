"""Generic commands with the options every registered kind adds to them.

Typer builds a command's options from its function's signature; :func:`with_kind_options` gives a
generic command the signature of its own parameters plus each kind's :class:`Option` (the first
kind to declare a name defines it), so ``recommend --base`` or ``predict --runners`` exist
without the generic command naming a kind. The command receives every option as a keyword and
hands each kind the ones it declared (:func:`options_for`).
"""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Annotated, Any, Callable, Iterable

from advisor.errors import BadInput
from advisor.kinds import NAMES as KIND_NAMES
from advisor.kinds import kinds
from advisor.workload import Option, WorkloadKind


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
                               annotation=_owned_by(option.annotation, owners))
             for name, (option, owners) in _declared(attribute).items() if name not in taken]

    @functools.wraps(fn)
    def command(**kwargs: Any) -> int:
        return fn(**kwargs)

    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + extra)
    return command


def _owned_by(annotation: Any, owners: list[str]) -> Any:
    """``annotation`` with its help's leading ``kind, kind:`` naming the kinds that take the option
    in this command (``--memory-headroom`` is for mjx, command and brax in recommend, mjx in verify)."""
    metadata = getattr(annotation, "__metadata__", ())
    info = next((m for m in metadata if hasattr(m, "help")), None)
    if info is None or not info.help:
        return annotation
    prefix, sep, rest = info.help.partition(": ")
    names = [n.strip() for n in prefix.split(",")]
    if not sep or not names or any(n not in KIND_NAMES for n in names):
        return annotation
    owned = copy.copy(info)
    owned.help = f"{', '.join(owners)}: {rest}"
    return Annotated[(annotation.__origin__, *[owned if m is info else m for m in metadata])]


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
