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
from advisor.units import format_bytes, format_count, format_duration, parse_count, parse_layers
from models.vectorised import fit_vectorised
from profiler.errors import ProfilerError

NONE = "(none)"
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$~"})


def plain(text: str) -> str:
    """Text from advisor shown as it is: Streamlit's alerts render Markdown (and $...$ as LaTeX),
    which would eat the ``*`` of ``num_envs*num_steps``."""
    return str(text).translate(_MARKDOWN)


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
    hidden_layers: tuple[int, ...] | None  # None: the text given was not valid
    layers_error: str | None = None


def profile_names() -> list[str]:
    return [ref.name for ref in catalog.list_refs()]


def fitted(name: str):
    """``(profile, curves, note)`` for a profile name, cached until its file changes; raises the
    profile's one-line error."""
    return _fitted(name, catalog.version(name))


@st.cache_resource(show_spinner=False, max_entries=32)
def _fitted(name: str, version: tuple):
    from models.workers import fit_workers

    profile, origin = catalog.load(name)
    if profile.section("mjx") is None and profile.section("rllib") is None:
        raise AdvisorError(f"profile {name!r} holds no measurements to explore")
    mjx = fit_vectorised(profile.section("mjx")) if profile.section("mjx") is not None else None
    rllib = fit_workers(profile.section("rllib")) if profile.section("rllib") is not None else None
    return profile, mjx, rllib, f"{origin} profile"


def requested_profile(names: list[str]) -> str:
    """The profile to open first: ``advisor explore --profile`` (via ADVISOR_EXPLORE_PROFILE), else the
    newest one calibrated on this machine, else the shipped default closest to this machine."""
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
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        return None
    layers, layers_error = None, None
    try:
        layers = parse_layers(layers_text, "hidden layers")
    except AdvisorError as exc:
        layers_error = str(exc)
    return Inputs(name, None, target, headroom, int(num_envs), int(num_steps), int(num_minibatches),
                  int(update_epochs), layers, layers_error)


def recommendation_panel(rec) -> None:
    st.subheader("Recommendation")
    if rec.chosen is None:
        st.warning(plain(rec.reason))
        return
    c = rec.chosen
    cols = st.columns(4)
    cols[0].metric("num_envs", c.num_envs)
    cols[1].metric("num_minibatches", c.num_minibatches, help=f"{c.minibatch_size} samples per minibatch")
    cols[2].metric("train_sps (env steps/s)", format_count(c.train_sps),
                   help=f"90% interval {c.train_sps_low:,.0f}-{c.train_sps_high:,.0f}")
    cols[3].metric("time to target", format_duration(c.time_s))
    st.caption(plain(f"Chosen as {rec.reason}. " + " ".join(f"Note: {n}." for n in rec.notes)))


def what_if_panel(result, inputs: Inputs) -> None:
    st.subheader("Your settings")
    if inputs.layers_error:
        st.error(plain(inputs.layers_error))
        return
    for error in result.errors:
        st.error(plain(error))
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
        st.warning(plain(warning))
    if result.conf_yaml:
        st.download_button("Download conf.yaml", result.conf_yaml, file_name="conf.yaml", mime="text/yaml",
                           key="download-conf")
        with st.expander("conf.yaml"):
            st.code(result.conf_yaml, language="yaml")


def throughput_chart(datasets, markers) -> None:
    curve = [row for d in datasets for row in d["throughput"][0]]
    measured = [row for d in datasets for row in d["throughput"][1]]
    if not curve and not measured:
        st.info("No point of this profile finished, so there is no throughput to draw.")
        return
    st.vega_lite_chart(explore.throughput_spec(curve, measured, markers, log_y=len(datasets) > 1), width="stretch")


def memory_chart(datasets, markers) -> None:
    curve = [row for d in datasets for row in d["memory"][0]]
    measured = [row for d in datasets for row in d["memory"][1]]
    lines = [row for d in datasets for row in d["memory"][2]]
    if not curve and not measured:
        st.info(plain(explore.memory_note(datasets[0]["curves"]) or "No peak memory to draw."))
        return
    st.vega_lite_chart(explore.memory_spec(curve, measured, lines, markers), width="stretch")


def time_chart(datasets, markers, inputs: Inputs) -> None:
    rows = [row for d in datasets for row in explore.time_rows(d["throughput"][0], d["curves"].compile_s,
                                                                inputs.target_steps, d["curves"].num_steps)]
    if rows:
        st.caption("LocoMuJoCo trains whole iterations, so each size stops at the last one within the target; "
                   "compile time is included where it was measured.")
        st.vega_lite_chart(explore.time_spec(rows, markers, format_count(inputs.target_steps)), width="stretch")


def dataset(name: str, curves, inputs: Inputs) -> dict:
    include = (inputs.num_envs,)
    return {"curves": curves, "throughput": explore.throughput_rows(curves, name, include),
            "memory": explore.memory_rows(curves, name, include, inputs.headroom)}


def comparison(compare: str | None, kind: str):
    """The fitted ``kind`` curves of the profile to compare with, or ``None`` (saying why)."""
    if not compare:
        return None
    try:
        other = fitted(compare)[1 if kind == "mjx" else 2]
    except (AdvisorError, ProfilerError) as exc:
        st.error(plain(f"cannot compare: {exc}"))
        return None
    if other is None:
        st.info(plain(f"{compare} has no {'MJX' if kind == 'mjx' else 'RLlib'} measurements to compare with."))
    return other


def mjx_page(profile, curves, note: str, name: str, compare: str | None) -> None:
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
                             hidden_layers=inputs.hidden_layers or curves.section.workload.hidden_layers)
    what_if_panel(result, inputs)
    datasets = [dataset(name, curves, inputs)]
    other = comparison(compare, "mjx")
    if other is not None:
        datasets.append(dataset(compare, other, inputs))
    markers = explore.marker_rows(rec.chosen.num_envs if rec.chosen else None, inputs.num_envs)
    st.subheader("Throughput")
    throughput_chart(datasets, markers)
    st.subheader("Peak memory")
    memory_chart(datasets, markers)
    st.subheader("Time to target")
    time_chart(datasets, markers, inputs)


def rllib_settings(name: str, curves, rec) -> tuple[int, int, int]:
    st.sidebar.header("RLlib settings")
    target_text = st.sidebar.text_input("RLlib target env steps", "100M", key=f"rl-target-{name}")
    try:
        target = parse_count(target_text, "RLlib target env steps")
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        target = 100_000_000
    envs_options = list(curves.model.envs_per_runner_) if curves.model is not None else [1]
    chosen = rec.chosen
    runners = st.sidebar.number_input("num_env_runners", 1, 4096, chosen.num_env_runners if chosen else 1,
                                      key=f"runners-{name}")
    default_envs = chosen.num_envs_per_env_runner if chosen and chosen.num_envs_per_env_runner in envs_options else envs_options[0]
    envs = st.sidebar.selectbox("num_envs_per_env_runner", envs_options, index=envs_options.index(default_envs),
                                key=f"envs-{name}")
    return target, int(runners), int(envs)


def rllib_recommendation_panel(rec) -> None:
    st.subheader("RLlib recommendation")
    if rec.chosen is None:
        st.warning(plain(rec.reason))
        return
    c = rec.chosen
    cols = st.columns(4)
    cols[0].metric("runners x envs", f"{c.num_env_runners} x {c.num_envs_per_env_runner}")
    cols[1].metric("env steps/s", format_count(c.env_steps_per_s),
                   help=f"90% interval {c.env_steps_per_s_low:,.0f}-{c.env_steps_per_s_high:,.0f}")
    cols[2].metric("efficiency", "-" if c.efficiency is None else f"{c.efficiency:.0%}", help=c.rating or "")
    cols[3].metric("time to target", format_duration(c.time_s))
    st.caption(plain(f"Chosen as {rec.reason}. " + " ".join(f"Note: {n}." for n in rec.notes)))


def rllib_what_if_panel(result) -> None:
    st.subheader("Your RLlib settings")
    for error in result.errors:
        st.error(plain(error))
    if result.option is None:
        return
    o = result.option
    cols = st.columns(4)
    cols[0].metric("env steps/s", format_count(o.env_steps_per_s),
                   help=f"90% interval {o.env_steps_per_s_low:,.0f}-{o.env_steps_per_s_high:,.0f}")
    cols[1].metric("speedup", "-" if o.speedup is None else f"{o.speedup:.2f}x")
    cols[2].metric("efficiency", "-" if o.efficiency is None else f"{o.efficiency:.0%} ({o.rating})")
    cols[3].metric("time to target", format_duration(o.time_s))
    if o.extrapolated:
        st.warning("outside the measured runner counts: the prediction is an extrapolation")
    if result.python:
        st.download_button("Download PPOConfig snippet", result.python, file_name="ppo_config.py",
                           mime="text/x-python", key="download-rllib")
        with st.expander("PPOConfig snippet and YAML"):
            st.code(result.python, language="python")
            st.code(result.yaml, language="yaml")


def rllib_charts(name: str, curves, compare: str | None, markers: list[dict]) -> None:
    from advisor import explore_rllib

    fitted_rows, measured = explore_rllib.scaling_rows(curves, name)
    other = comparison(compare, "rllib")
    if other is not None:
        more = explore_rllib.scaling_rows(other, compare)
        fitted_rows, measured = fitted_rows + more[0], measured + more[1]
    if not measured and not fitted_rows:
        st.info("Speedup needs a measured 1 runner x 1 env baseline.")
        return
    most = max([r["total_envs"] for r in fitted_rows + measured] or [1])
    st.subheader("RLlib speedup vs ideal")
    st.vega_lite_chart(explore_rllib.speedup_spec(fitted_rows, measured, most, markers), width="stretch")
    st.subheader("RLlib parallel efficiency")
    st.vega_lite_chart(explore_rllib.efficiency_spec(fitted_rows, measured, markers), width="stretch")


def rllib_page(profile, curves, note: str, name: str, compare: str | None) -> None:
    from advisor import explore_rllib
    from advisor.rllib_recommend import recommend_rllib

    target = st.session_state.get(f"rl-target-{name}", "100M")
    try:
        target_steps = parse_count(target, "RLlib target env steps")
    except AdvisorError:
        target_steps = 100_000_000
    rec = recommend_rllib(curves, target_steps, profile=profile.name, profile_note=note)
    _target, runners, envs = rllib_settings(name, curves, rec)
    rllib_recommendation_panel(rec)
    result = explore_rllib.rllib_what_if(curves, rec, runners, envs)
    rllib_what_if_panel(result)
    rllib_charts(name, curves, compare, explore_rllib.marker_rows(rec.chosen, result.option))


def main() -> None:
    st.set_page_config(page_title="advisor: what-if explorer", layout="wide")
    st.title("advisor: what-if explorer")
    names = profile_names()
    if not names:
        st.error("No profiles found: run 'advisor calibrate mjx' or 'advisor profile import'.")
        return
    name, compare = sidebar_profile(names)
    try:
        profile, mjx, rllib, note = fitted(name)
    except (AdvisorError, ProfilerError) as exc:
        st.error(plain(str(exc)))
        return
    st.caption(plain(f"{profile.name} ({note}): {profile.hardware.summary}; measured: {', '.join(profile.kinds)}"))
    if mjx is not None:
        mjx_page(profile, mjx, note, name, compare)
    if rllib is not None:
        rllib_page(profile, rllib, note, name, compare)


main()
