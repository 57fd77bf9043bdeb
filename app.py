"""advisor's what-if explorer (Streamlit): pick a profile, see its measured curves, try settings.

Run it with ``advisor explore`` (binds 127.0.0.1) or ``streamlit run app.py``. This file only
describes the page: the profile picker, then one page per workload kind the profile measured,
drawn by that kind (``advisor/kinds/<kind>/page.py``); every number comes from ``advisor`` and
``models``.
"""

from __future__ import annotations

import importlib
import os

import streamlit as st

from advisor import catalog, kinds
from advisor.errors import AdvisorError
from advisor.page import PageContext, comparison, plain

NONE = "(none)"


def profile_names() -> list[str]:
    return [ref.name for ref in catalog.list_refs()]


def loaded(name: str):
    """``(profile, note)`` for a profile name, cached until its file changes; raises the
    profile's one-line error."""
    return _loaded(name, catalog.version(name))


@st.cache_resource(show_spinner=False, max_entries=32)
def _loaded(name: str, version: tuple):
    profile, origin = catalog.load(name)
    if not profile.kinds:
        raise AdvisorError(f"profile {name!r} holds no measurements to explore")
    return profile, f"{origin} profile"


def fitted(name: str, kind: str):
    """The fitted curves of ``name``'s ``kind`` section (``None`` without one), cached likewise."""
    return _fitted(name, catalog.version(name), kind)


@st.cache_resource(show_spinner=False, max_entries=64)
def _fitted(name: str, version: tuple, kind: str):
    section = loaded(name)[0].section(kind)
    return None if section is None else kinds.get(kind).fit(section)


def requested_profile(names: list[str]) -> str:
    """The profile to open first: ``advisor explore --profile`` (via ADVISOR_EXPLORE_PROFILE), else the
    newest one calibrated on this machine, else the shipped default closest to this machine."""
    wanted = os.environ.get("ADVISOR_EXPLORE_PROFILE")
    if wanted in names:
        return wanted
    try:
        profile, _origin, _why = catalog.default_profile(kinds.default_kind())
        if profile.name in names:
            return profile.name
    except AdvisorError:
        pass
    return names[0]


def missing_profile_notice(names: list[str]) -> None:
    """Say so when the profile asked for (or shown a moment ago) is not there any more."""
    for wanted in (st.session_state.get("profile"), os.environ.get("ADVISOR_EXPLORE_PROFILE")):
        if wanted and wanted not in names:
            st.error(plain(f"no profile named {wanted!r} any more (deleted, renamed or never created); "
                           "showing another one. 'advisor profile list' shows what exists."))
            return


def sidebar_profile(names: list[str]) -> tuple[str, str | None]:
    st.sidebar.header("Profile")
    missing_profile_notice(names)
    default = requested_profile(names)
    name = st.sidebar.selectbox("profile", names, index=names.index(default), key="profile")
    others = [NONE] + [n for n in names if n != name]
    compare = st.sidebar.selectbox("compare with", others, key="compare")
    return name, None if compare == NONE else compare


def kind_page(kind, name: str, profile, note: str, compare: str | None) -> None:
    """The page of one kind the profile measured, with the compared profile's curves of that kind."""
    context = PageContext(name=name, profile=profile, note=note, curves=fitted(name, kind.name), compare_name=compare,
                          compare=comparison(compare, lambda other: fitted(other, kind.name), kind.short))
    importlib.import_module(kind.page_module).page(context)


def main() -> None:
    st.set_page_config(page_title="advisor: what-if explorer", layout="wide")
    st.title("advisor: what-if explorer")
    names = profile_names()
    if not names:
        calibrate = " or ".join(f"'advisor calibrate {k.name}'" for k in kinds.kinds() if k.calibrates())
        st.error(f"No profiles found: run {calibrate} or 'advisor profile import'.")
        return
    name, compare = sidebar_profile(names)
    try:
        profile, note = loaded(name)
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        return
    st.caption(plain(f"{profile.name} ({note}): {profile.hardware.summary}; measured: {', '.join(profile.kinds)}"))
    for kind in kinds.kinds():
        if profile.section(kind.name) is not None and kind.page_module:
            kind_page(kind, name, profile, note, compare)
    if profile.races:
        from advisor.race_page import page as race_page

        race_page(profile)


main()
