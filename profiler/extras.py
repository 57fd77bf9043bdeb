"""advisor's distribution on PyPI, its optional extras, and the one-line refusal of a command
whose extra is not installed (exit 2, naming the ``pip install`` that fixes it).

The distribution is ``rl-throughput-advisor`` (``advisor`` on PyPI is an unrelated project); the
import packages and the ``advisor`` command keep their names. Run from a source checkout (a clone
installed editable, as ``make setup`` does), the hint installs the extra into that checkout
instead, so that it works as printed there. Only ``importlib.util.find_spec`` runs here, so a
check imports nothing heavy."""

from __future__ import annotations

import shlex
from importlib.util import find_spec
from pathlib import Path

from profiler.errors import BadInput
from profiler.kinds import facts_by_kind
from profiler.kinds.facts import Extra

#: The name to ``pip install``.
DISTRIBUTION = "rl-throughput-advisor"

#: The extra that is no kind's: the explorer and reports.
APP = Extra("app", "explore and report (Streamlit, matplotlib)", ("streamlit", "matplotlib"), {"streamlit": "1.67.0"})


def extras() -> tuple[Extra, ...]:
    """Every extra: each kind's (declared in its ``profiler/kinds/<name>/__init__.py``), then the app's."""
    return tuple(facts.extra for facts in facts_by_kind().values() if facts.extra is not None) + (APP,)


#: extra -> (what it enables, the top-level modules it installs that advisor imports).
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {extra.name: (extra.enables, extra.modules) for extra in extras()}


def pypi_command(extra: str) -> str:
    """The command that installs ``extra`` from PyPI: ``pip install 'rl-throughput-advisor[mjx]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def checkout() -> Path | None:
    """The source checkout advisor runs from (a clone installed with ``pip install -e`` or ``make
    setup``), found by its pyproject.toml; ``None`` for an installed wheel."""
    root = Path(__file__).resolve().parents[1]
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    return root if f'name = "{DISTRIBUTION}"' in text else None


def install_command(extra: str) -> str:
    """The command that installs ``extra`` where advisor runs from: into the checkout it runs from
    (``pip install -e '.[mjx]'``, the checkout's path when it is not the current folder), else from
    PyPI (:func:`pypi_command`)."""
    root = checkout()
    if root is None:
        return pypi_command(extra)
    try:
        here = Path.cwd().resolve() == root
    except OSError:
        here = False
    return f"pip install -e {shlex.quote(('.' if here else str(root)) + f'[{extra}]')}"


def missing_modules(extra: str, modules: tuple[str, ...] | None = None) -> list[str]:
    """The modules of ``extra`` (or just ``modules`` of it) that cannot be imported here."""
    wanted = modules if modules is not None else EXTRAS[extra][1]
    return [name for name in wanted if find_spec(name) is None]


def require_extra(command: str, extra: str, modules: tuple[str, ...] | None = None) -> None:
    """Refuse ``command`` in one line (exit 2) when a module it needs from ``extra`` is missing."""
    missing = missing_modules(extra, modules)
    if missing:
        requires = {declared.name: declared.requires for declared in extras()}.get(extra)
        raise BadInput(f"'{command}' needs {', '.join(missing)}, from the {extra} extra: {install_command(extra)}"
                       + (f" ({requires})" if requires else ""))
