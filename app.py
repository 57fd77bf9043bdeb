"""advisor's what-if explorer (Streamlit): pick a profile, see its measured curves, try settings.

Run it with ``advisor explore`` (binds 127.0.0.1) or ``streamlit run app.py``. This file only
describes the page, one small function per panel; every number comes from ``advisor`` and
``models`` (see :mod:`advisor.explore`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from advisor import catalog, explore
from advisor.errors import AdvisorError
from advisor.units import format_bytes, format_count, format_duration, parse_count
from models.mjx import fit_mjx
from profiler.errors import ProfilerError

NONE = "(none)"


@dataclass(frozen=True)
class Inputs:
    profile: str
    compare: str | None
    target_steps: int
    headroom: float
    num_envs: int
    num_steps: int
    num_minibatches: int
    update_epochs: int
    hidden_layers: tuple[int, ...]


def profile_names() -> list[str]:
    return [ref.name for ref in catalog.list_refs()]


def fitted(name: str):
    """``(profile, curves, note)`` for a profile name, cached until its file changes; raises the
    profile's one-line error."""
    return _fitted(name, catalog.version(name))


@st.cache_resource(show_spinner=False, max_entries=32)
def _fitted(name: str, version: tuple):
    profile, origin = catalog.load(name)
    if profile.mjx is None:
        raise AdvisorError(f"profile {name!r} has no MJX measurements to explore")
    return profile, fit_mjx(profile.mjx), f"{origin} profile"


def requested_profile(names: list[str]) -> str:
    """The profile to open first: ``advisor explore --profile`` (via ADVISOR_EXPLORE_PROFILE), else the
    newest one calibrated on this machine, else the shipped RTX 3070 one."""
    wanted = os.environ.get("ADVISOR_EXPLORE_PROFILE")
    if wanted in names:
        return wanted
    try:
        profile, origin, _why = catalog.default_profile("mjx")
        if profile.name in names:
            return profile.name
    except AdvisorError:
        pass
    return names[0]


def missing_profile_notice(names: list[str]) -> None:
    """Say so when the profile asked for (or shown a moment ago) is not there any more."""
    for wanted in (st.session_state.get("profile"), os.environ.get("ADVISOR_EXPLORE_PROFILE")):
        if wanted and wanted not in names:
            st.error(f"no profile named {wanted!r} any more (deleted, renamed or never created); "
                     "showing another one. 'advisor profile list' shows what exists.")
            return


def sidebar_profile(names: list[str]) -> tuple[str, str | None]:
    st.sidebar.header("Profile")
    missing_profile_notice(names)
    default = requested_profile(names)
    name = st.sidebar.selectbox("profile", names, index=names.index(default), key="profile")
    others = [NONE] + [n for n in names if n != name]
    compare = st.sidebar.selectbox("compare with", others, key="compare")
    return name, None if compare == NONE else compare


def sidebar_settings(name: str, curves, rec) -> Inputs | None:
    st.sidebar.header("Target and limits")
    target_text = st.sidebar.text_input("target env steps", "100M", key="target",
                                        help="100M, 1.5B, 1e8 or 100000000")
    headroom = st.sidebar.slider("memory headroom (fraction of device memory)", 0.5, 1.0, 0.9, 0.05, key="headroom")
    w = curves.section.workload
    chosen = rec.chosen.num_envs if rec and rec.chosen else max(curves.measured_num_envs or (64,))
    st.sidebar.header("Your settings")
    num_envs = st.sidebar.number_input("num_envs", 1, 2**21, chosen, key=f"num_envs-{name}")
    num_steps = st.sidebar.number_input("num_steps", 1, 10_000, w.num_steps, key=f"num_steps-{name}")
    default_mb = rec.chosen.num_minibatches if rec and rec.chosen else w.num_minibatches
    num_minibatches = st.sidebar.number_input("num_minibatches", 1, 2**20, default_mb, key=f"num_minibatches-{name}")
    update_epochs = st.sidebar.number_input("update_epochs", 1, 100, w.update_epochs, key=f"update_epochs-{name}")
    layers_text = st.sidebar.text_input("hidden layers", ",".join(map(str, w.hidden_layers)), key=f"layers-{name}")
    try:
        target = parse_count(target_text, "target env steps")
        layers = tuple(int(v) for v in layers_text.split(",") if v.strip())
    except (AdvisorError, ValueError) as exc:
        st.error(f"{exc}" if isinstance(exc, AdvisorError) else "hidden layers must be widths such as 512,256")
        return None
    return Inputs(name, None, target, headroom, int(num_envs), int(num_steps), int(num_minibatches),
                  int(update_epochs), layers)


def recommendation_panel(rec) -> None:
    st.subheader("Recommendation")
    if rec.chosen is None:
        st.warning(rec.reason)
        return
    c = rec.chosen
    cols = st.columns(4)
    cols[0].metric("num_envs", c.num_envs)
    cols[1].metric("num_minibatches", c.num_minibatches, help=f"{c.minibatch_size} samples per minibatch")
    cols[2].metric("train_sps (env steps/s)", format_count(c.train_sps),
                   help=f"90% interval {c.train_sps_low:,.0f}-{c.train_sps_high:,.0f}")
    cols[3].metric("time to target", format_duration(c.time_s))
    st.caption(f"Chosen as {rec.reason}. " + " ".join(f"Note: {n}." for n in rec.notes))


def what_if_panel(result, inputs: Inputs) -> None:
    st.subheader("Your settings")
    for error in result.errors:
        st.error(error)
    if result.option is None:
        return
    o = result.option
    cols = st.columns(4)
    cols[0].metric("train_sps (env steps/s)", format_count(o.train_sps),
                   help=f"90% interval {o.train_sps_low:,.0f}-{o.train_sps_high:,.0f}")
    cols[1].metric("time to target", format_duration(o.time_s),
                   help=f"{format_duration(o.time_low_s)}-{format_duration(o.time_high_s)}")
    cols[2].metric("peak memory (upper bound)", format_bytes(o.peak_bytes_upper))
    cols[3].metric("minibatch size", o.minibatch_size)
    for warning in result.warnings:
        st.warning(warning)
    if result.conf_yaml:
        st.download_button("Download conf.yaml", result.conf_yaml, file_name="conf.yaml", mime="text/yaml",
                           key="download-conf")
        with st.expander("conf.yaml"):
            st.code(result.conf_yaml, language="yaml")


def throughput_chart(datasets, markers) -> None:
    curve = [row for d in datasets for row in d["throughput"][0]]
    measured = [row for d in datasets for row in d["throughput"][1]]
    st.vega_lite_chart(explore.throughput_spec(curve, measured, markers), width="stretch")


def memory_chart(datasets, markers) -> None:
    curve = [row for d in datasets for row in d["memory"][0]]
    measured = [row for d in datasets for row in d["memory"][1]]
    lines = [row for d in datasets for row in d["memory"][2]]
    if not curve and not measured:
        st.info("Peak memory was not measured in this profile (only sizes that ran on the device count as fitting).")
        return
    st.vega_lite_chart(explore.memory_spec(curve, measured, lines, markers), width="stretch")


def time_chart(datasets, markers, inputs: Inputs) -> None:
    rows = [row for d in datasets for row in explore.time_rows(d["throughput"][0], d["curves"].compile_s,
                                                                inputs.target_steps)]
    if rows:
        st.vega_lite_chart(explore.time_spec(rows, markers, format_count(inputs.target_steps)), width="stretch")


def dataset(name: str, curves) -> dict:
    return {"curves": curves, "throughput": explore.throughput_rows(curves, name),
            "memory": explore.memory_rows(curves, name)}


def main() -> None:
    st.set_page_config(page_title="advisor: what-if explorer", layout="wide")
    st.title("advisor: what-if explorer")
    names = profile_names()
    if not names:
        st.error("No profiles found: run 'advisor calibrate mjx' or 'advisor profile import'.")
        return
    name, compare = sidebar_profile(names)
    try:
        profile, curves, note = fitted(name)
    except (AdvisorError, ProfilerError) as exc:
        st.error(str(exc))
        return
    st.caption(f"{profile.name} ({note}): {curves.section.accelerator.name}, "
               f"{len(curves.measured_num_envs)} measured num_envs")
    target_text = st.session_state.get("target", "100M")
    headroom = st.session_state.get("headroom", 0.9)
    try:
        target = parse_count(target_text, "target env steps")
    except AdvisorError:
        target = 100_000_000
    rec = explore.recommend_for(curves, profile.name, note, target, headroom)
    inputs = sidebar_settings(name, curves, rec)
    if inputs is None:
        return
    if (inputs.target_steps, inputs.headroom) != (target, headroom):
        rec = explore.recommend_for(curves, profile.name, note, inputs.target_steps, inputs.headroom)
    recommendation_panel(rec)
    result = explore.what_if(curves, rec, num_envs=inputs.num_envs, num_steps=inputs.num_steps,
                             num_minibatches=inputs.num_minibatches, update_epochs=inputs.update_epochs,
                             hidden_layers=inputs.hidden_layers)
    what_if_panel(result, inputs)
    datasets = [dataset(name, curves)]
    if compare:
        try:
            datasets.append(dataset(compare, fitted(compare)[1]))
        except (AdvisorError, ProfilerError) as exc:
            st.error(f"cannot compare: {exc}")
    markers = explore.marker_rows(rec.chosen.num_envs if rec.chosen else None, inputs.num_envs)
    st.subheader("Throughput")
    throughput_chart(datasets, markers)
    st.subheader("Peak memory")
    memory_chart(datasets, markers)
    st.subheader("Time to target")
    time_chart(datasets, markers, inputs)


main()
