"""Strict JSON <-> frozen-dataclass conversion for profiles.

Decoding checks every field against its type annotation, so a foreign or damaged file fails with
a message naming the field instead of surfacing later as a ``KeyError`` or ``TypeError``.
Unknown keys are ignored (newer writers may add fields); missing keys take the field's default
or are an error when the field has none.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")


class DecodeError(ValueError):
    """Raised with a dotted path to the offending field, e.g. ``mjx.points[3].num_envs``."""


def to_jsonable(obj: Any) -> Any:
    """Dataclasses to dicts (or their own ``__jsonable__()``), tuples to lists; floats that are
    not finite become ``None``."""
    if hasattr(type(obj), "__jsonable__"):
        return obj.__jsonable__()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def from_jsonable(cls: type[T], data: Any, where: str = "") -> T:
    """Build ``cls`` (a dataclass) from parsed JSON, validating types on the way."""
    return _decode(cls, data, where or cls.__name__)


@functools.lru_cache(maxsize=None)
def _hints(tp: type) -> dict[str, Any]:
    """A dataclass's resolved field types, worked out once per class (a profile of thousands of
    points decodes each point's class thousands of times)."""
    return get_type_hints(tp)


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, value, where)
            except DecodeError as exc:
                errors.append(str(exc))
        raise DecodeError(errors[0] if errors else f"{where}: unexpected null")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise DecodeError(f"{where}: expected an object, got {type(value).__name__}")
        hints = _hints(tp)
        kwargs = {}
        for field in dataclasses.fields(tp):
            if field.name in value:
                kwargs[field.name] = _decode(hints[field.name], value[field.name], f"{where}.{field.name}")
            elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise DecodeError(f"{where}: missing field '{field.name}'")
        try:
            return tp(**kwargs)
        except (TypeError, ValueError, ArithmeticError) as exc:  # a field's check, or arithmetic on a wild value
            raise DecodeError(f"{where}: {exc}") from None
    if origin is tuple:
        if not isinstance(value, list):
            raise DecodeError(f"{where}: expected a list, got {type(value).__name__}")
        (item_type, _ellipsis) = get_args(tp)
        return tuple(_decode(item_type, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise DecodeError(f"{where}: expected an object, got {type(value).__name__}")
        key_type, val_type = get_args(tp)
        return {str(k): _decode(val_type, v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        _check_plain(value, where)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise DecodeError(f"{where}: expected true/false, got {_shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise DecodeError(f"{where}: expected an integer, got {_shown(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DecodeError(f"{where}: expected a number, got {_shown(value)}")
        if isinstance(value, int) and abs(value) > 2**1000:  # no float holds it
            raise DecodeError(f"{where}: expected a finite number, got {_shown(value)}")
        if not math.isfinite(value):
            raise DecodeError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise DecodeError(f"{where}: expected a string, got {_shown(value)}")
        return value
    raise DecodeError(f"{where}: cannot decode type {tp!r}")  # a programming error in a schema


def _shown(value: Any) -> str:
    """``repr(value)`` cut to a length a one-line message can carry."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text):,} characters)"


#: Whole numbers a free-form field (``sweep_settings``, ``ppo_defaults``) may hold: 64-bit.
PLAIN_INT = 2**63


def _check_plain(value: Any, where: str) -> None:
    """A free-form value holds plain JSON only: objects, lists, strings, booleans, null, whole
    numbers within 64 bits and finite decimals (so anything that reads it, or prints it as JSON,
    can)."""
    pending = [(value, where)]
    while pending:
        item, at = pending.pop()
        if isinstance(item, dict):
            pending += [(v, f"{at}.{k}") for k, v in item.items()]
        elif isinstance(item, list):
            pending += [(v, f"{at}[{i}]") for i, v in enumerate(item)]
        elif isinstance(item, float) and not math.isfinite(item):
            raise DecodeError(f"{at}: expected a finite number, got {item!r}")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= PLAIN_INT:
            raise DecodeError(f"{at}: {_shown(item)} is beyond the whole numbers a profile holds (64-bit)")
