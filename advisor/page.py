"""What every kind's explorer page shares (Streamlit): the page context and how advisor's text is
shown. ``app.py`` builds the context; each kind's ``page(context)`` draws its panels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$~"})


def plain(text: str) -> str:
    """Text from advisor shown as it is: Streamlit's alerts render Markdown (and $...$ as LaTeX),
    which would eat the ``*`` of ``num_envs*num_steps``."""
    return str(text).translate(_MARKDOWN)


def chosen_config(rec: Any, title: str) -> Any:
    """Under the ``title`` subheader: the recommendation's chosen config, or ``None`` after a
    warning that says why there is none."""
    import streamlit as st

    st.subheader(title)
    if rec.chosen is None:
        st.warning(plain(rec.reason))
        return None
    return rec.chosen


def what_if_option(result: Any) -> Any:
    """The errors of a what-if, each shown, then its option (``None`` where there is none)."""
    import streamlit as st

    for error in result.errors:
        st.error(plain(error))
    return result.option


def rate_metric(column: Any, label: str, value: float, low: float, high: float, note: str = "") -> None:
    """A predicted rate (env steps/s) with its 90% interval (and ``note``) as the metric's help."""
    from advisor.units import format_count

    column.metric(label, format_count(value), help=f"90% interval {low:,.0f}-{high:,.0f}{note}")


def chosen_caption(rec: Any) -> None:
    """Why the recommendation chose its config, and its notes."""
    import streamlit as st

    st.caption(plain(f"Chosen as {rec.reason}. " + " ".join(f"Note: {n}." for n in rec.notes)))


@dataclass(frozen=True)
class PageContext:
    """What a kind's page draws from: the chosen ``profile`` (named ``name``; ``note`` says where it
    came from), its fitted ``curves`` for the kind, and ``compare``, the fitted curves of the
    profile to compare with (``None`` when none is chosen or it has no such section)."""

    name: str
    profile: Any
    note: str
    curves: Any
    compare_name: str | None
    compare: Any


def comparison(compare_name: str | None, fit: Callable[[str], Any], short: str) -> Any:
    """The fitted curves of the profile to compare with, or ``None``; says why on the page."""
    import streamlit as st

    from advisor.errors import AdvisorError

    if not compare_name:
        return None
    try:
        other = fit(compare_name)
    except AdvisorError as exc:
        st.error(plain(f"cannot compare: {exc}"))
        return None
    if other is None:
        st.info(plain(f"{compare_name} has no {short} measurements to compare with."))
    return other
