"""Options that travel as one frozen dataclass, and the Typer command built from its fields.

A command declares its options once, as the fields of a frozen dataclass whose annotations carry
their ``typer.Option`` or ``typer.Argument`` (``repeats: Annotated[int, typer.Option(help=...)] =
3``). :func:`typer_command` gives Typer a function whose parameters are those fields, in their
order (a base class's after the class's own), with their defaults; the command receives one instance of the dataclass. So a command with
twenty options is one value passed around, not twenty parameters of every function it calls.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from typing import Any, Callable, TypeVar

Options = TypeVar("Options")


def typer_command(options: type[Options], run: Callable[[Options], int], name: str, doc: str) -> Callable[..., int]:
    """A function Typer can register as the command ``name`` (help text ``doc``): its keyword
    parameters are ``options``' init fields (a base class's after the class's own); calling it
    builds one ``options`` and returns ``run(that)``."""
    hints = typing.get_type_hints(options, include_extras=True)
    params = []
    for field in _in_option_order(options):
        default = field.default
        if default is dataclasses.MISSING:
            default = field.default_factory() if field.default_factory is not dataclasses.MISSING else inspect.Parameter.empty
        params.append(inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                        annotation=hints[field.name]))

    def command(**values: Any) -> int:
        return run(options(**values))

    command.__signature__ = inspect.Signature(params, return_annotation=int)  # type: ignore[attr-defined]
    command.__annotations__ = {**{p.name: p.annotation for p in params}, "return": int}
    command.__name__ = command.__qualname__ = name.replace("-", "_")
    command.__doc__ = doc
    command.options = options  # type: ignore[attr-defined]  # what the command takes, for callers and tests
    return command


def _in_option_order(options: type) -> list[dataclasses.Field]:
    """``options``' init fields in their order, those a base class declares (the options every
    command of a family shares) after the class's own; a field declared again keeps its base's place."""
    def declared_at(name: str) -> int:
        return max(i for i, cls in enumerate(options.__mro__) if name in cls.__dict__.get("__annotations__", {}))

    return sorted((f for f in dataclasses.fields(options) if f.init), key=lambda f: declared_at(f.name))
