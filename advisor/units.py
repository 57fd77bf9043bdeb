"""Parsing and formatting of counts, sizes and durations, and the parsing of ``--env NAME=VALUE``
options (pure functions, no I/O).

Counts are env steps; sizes are bytes; durations are seconds.
"""

from __future__ import annotations

import math
import re

from advisor.errors import BadInput

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9, "t": 10**12}
_COUNT = re.compile(r"^\s*([+-]?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbgt]?)\s*$", re.IGNORECASE)
#: Commas are accepted only as thousands separators (100,000,000), never as decimal points (1,5B).
_THOUSANDS = re.compile(r"^\s*[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\s*[kmbgt]?\s*$", re.IGNORECASE)


#: The largest memory size and duration a text option may give: the profile's memory limit (1 PiB)
#: and ten million seconds (the longest timeout).
MAX_BYTES = 2**50
MAX_SECONDS = 1e7


def _shown(text: object, width: int = 24) -> str:
    """``text`` as a message quotes it: at most ``width`` characters (a 5,000-digit value is cut)."""
    value = repr(str(text)) if isinstance(text, str) else repr(text)
    return value if len(value) <= width else f"{value[:width - 4]}...' ({len(str(text)):,} characters)"


def _parse_number(text: str | int | float, what: str) -> float:
    if isinstance(text, bool):
        raise BadInput(f"{what} must be a positive number such as 100M, 1.5B or 1e8")
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text)
    if "," in text and not _THOUSANDS.match(text.replace("_", "")):
        raise BadInput(f"{what} {_shown(text)}: a comma may only separate thousands (100,000,000); write decimals with a "
                       "point, such as 1.5B")
    match = _COUNT.match(text.replace("_", "").replace(",", ""))
    if not match:
        raise BadInput(
            f"{what} {_shown(text)} is not a number: use a positive value such as 100M, 1.5B, 1e8 "
            "or 100000000"
        )
    return float(match.group(1)) * _SUFFIX[match.group(2).lower()]


def parse_count(text: str | int | float, what: str = "--target") -> int:
    """Parse a positive step count such as ``100M``, ``1.5B``, ``1e8``, ``10e7`` or ``100000000``.

    Returns an integer number of env steps. Raises :class:`BadInput` for anything that is not a
    finite positive number of at least one step.
    """
    value = _parse_number(text, what)
    if math.isnan(value) or value < 1:
        raise BadInput(f"{what} must be at least 1 env step (got {_shown(text)}); try 100M")
    if value > 1e15:
        raise BadInput(f"{what} {_shown(text)} is beyond 1e15 env steps; give a realistic target such as 1B")
    return int(round(value))


def parse_int_list(
    text: str, what: str, *, minimum: int = 1, maximum: int = 2**22
) -> tuple[int, ...]:
    """Parse a comma-separated list of whole numbers (``64,256,1024``; ``4k`` is allowed).

    Values are returned sorted and de-duplicated; each must lie in ``[minimum, maximum]``.
    """
    items = [t.strip() for t in str(text).split(",")]
    if not any(items):
        raise BadInput(f"{what} needs at least one value, for example {what} 64,256,1024")
    if not all(items):
        raise BadInput(f"{what} {_shown(text)} has an empty item; separate values with single commas, such as 64,256")
    values = set()
    for item in items:
        try:
            value = _parse_number(item, what)
        except BadInput:
            value = float("nan")
        if not math.isfinite(value) or not value.is_integer():
            raise BadInput(f"{what} item {_shown(item)} is not a whole number: give integers such as {what} 64,256")
        if not minimum <= value <= maximum:
            raise BadInput(f"{what} item {_shown(item)} is outside {minimum}..{maximum}; pick values in that range")
        values.add(int(value))
    return tuple(sorted(values))


def parse_layers(text: str, what: str = "--hidden-layers") -> tuple[int, ...]:
    """Parse hidden layer widths: ``"512,256" -> (512, 256)``; each between 1 and 65536, at most 64 layers."""
    items = [t.strip() for t in str(text).split(",")]
    if items == [""]:
        items = []
    if len(items) > 64 or any(len(t) > 8 for t in items):
        raise BadInput(f"{what} must be comma-separated layer widths between 1 and 65536 (at most 64 layers), e.g. 512,256")
    try:
        layers = tuple(int(t) for t in items)
    except ValueError:
        raise BadInput(f"{what} must be comma-separated layer widths such as 512,256") from None
    if not layers or any(w < 1 or w > 65536 for w in layers):
        raise BadInput(f"{what} must be comma-separated layer widths between 1 and 65536, e.g. 512,256")
    return layers


_BYTES = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


def parse_bytes(text: str, what: str) -> int:
    """Parse a memory size: ``1500000000``, ``512M``, ``1.5G``, ``2GiB`` (K/M/G/T are binary),
    from 1 MiB to :data:`MAX_BYTES`."""
    match = _BYTES.match(str(text)) if len(str(text)) <= 40 else None
    if not match:
        raise BadInput(f"{what} {_shown(text)} is not a size: give bytes or a value such as 512M or 1.5G")
    value = float(match.group(1))
    if match.group(2):
        value *= 1024 ** ("kmgt".index(match.group(2).lower()) + 1)
    if value < 2**20:
        raise BadInput(f"{what} {_shown(text)} is below 1 MiB; give a realistic size such as 4G")
    if not value <= MAX_BYTES:  # also inf
        raise BadInput(f"{what} {_shown(text)} is beyond 1 PiB; give a realistic size such as 4G")
    return int(value)


_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|sec|m|min|h)?\s*$", re.IGNORECASE)


def parse_duration(text: str, what: str, *, allow_zero: bool = False) -> float:
    """Parse a duration in seconds: ``150``, ``150s``, ``2.5m``, ``1h``; above 0 (or 0 itself with
    ``allow_zero``), at most ten million seconds."""
    match = _DURATION.match(str(text)) if len(str(text)) <= 40 else None
    if not match:
        raise BadInput(f"{what} {_shown(text)} is not a duration: give seconds or a value such as 150s, 5m or 1h")
    unit = (match.group(2) or "s").lower()[0]
    value = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[unit]
    if value < 0 or (value == 0 and not allow_zero):
        raise BadInput(f"{what} must be longer than zero, e.g. 150s" + (" (or 0 for none)" if allow_zero else ""))
    if not value <= MAX_SECONDS:
        raise BadInput(f"{what} {_shown(text)} is beyond ten million seconds; give a realistic duration such as 5m")
    return value


def format_count(value: float) -> str:
    """``86197 -> '86.2k'``, ``1e8 -> '100M'``."""
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            text = f"{value / div:.3g}"
            return f"{text}{suffix}"
    return f"{value:.3g}"


def format_range(low: float, high: float) -> str:
    """An interval to three significant figures: ``(3023530, 3307447) -> '3.02M-3.31M'``."""
    return f"{format_count(low)}-{format_count(high)}"


def format_bytes(value: float | None) -> str:
    """Binary units: ``1536 -> '1.5 KiB'``; ``None -> 'unknown'``."""
    if value is None:
        return "unknown"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def format_duration(seconds: float | None) -> str:
    """``75 -> '1m15s'``, ``3725 -> '1h02m'``; ``None -> 'unknown'``."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def parse_env(pairs: list[str]) -> dict[str, str]:
    """``--env NAME=VALUE`` options (repeatable) as an environment to add to a command."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or " " in key:
            raise BadInput(f"--env {pair!r} is not NAME=VALUE; e.g. --env WANDB_MODE=disabled")
        found[key] = value
    return found


def check_recommend_options(objective: str, objectives: dict[str, str], headroom: float,
                            tolerance: float | None = None) -> None:
    """A recommendation's options: ``--objective`` one of ``objectives``, ``--memory-headroom`` a
    fraction in (0, 1] and ``--tolerance`` (where the kind has one) in [0, 1) (``BadInput``)."""
    if objective not in objectives:
        raise BadInput(f"--objective {objective!r} is unknown; use one of: {', '.join(objectives)}")
    if not 0 < headroom <= 1:
        raise BadInput(f"--memory-headroom must be a fraction in (0, 1], e.g. 0.9 (got {headroom})")
    if tolerance is not None and not 0 <= tolerance < 1:
        raise BadInput(f"--tolerance must be a fraction in [0, 1), e.g. 0.05 (got {tolerance})")
