"""The MJX kind's explorer page (Streamlit), one small function per panel; every number comes from
:mod:`advisor.kinds.mjx.explore` and the vectorised kinds' charts, :mod:`advisor.vectorised_explore`."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from advisor.errors import AdvisorError
from advisor.kinds.mjx import explore
from advisor.page import PageContext, chosen_caption, chosen_config, plain, rate_metric, what_if_option
from advisor.units import format_bytes, format_count, format_duration, parse_count, parse_layers
from advisor.vectorised_explore import (
    Dataset,
    dataset,
    marker_rows,
    memory_note,
    memory_spec,
    throughput_spec,
    time_spec,
)


@dataclass(frozen=True)
class Inputs:
    """What the user set in the sidebar."""

    target_steps: int
    headroom: float
    num_envs: int
    num_steps: int
    num_minibatches: int
    update_epochs: int
    hidden_layers: tuple[int, ...] | None  # None: the text given was not valid
    layers_error: str | None = None


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
    return Inputs(target, headroom, int(num_envs), int(num_steps), int(num_minibatches),
                  int(update_epochs), layers, layers_error)


def recommendation_panel(rec) -> None:
    c = chosen_config(rec, "Recommendation")
    if c is None:
        return
    cols = st.columns(4)
    cols[0].metric("num_envs", c.num_envs, help=f"x {c.num_steps} steps per env per update")
    cols[1].metric("num_minibatches", c.num_minibatches, help=f"{c.minibatch_size} samples per minibatch")
    rate_metric(cols[2], "train_sps (env steps/s)", c.train_sps, c.train_sps_low, c.train_sps_high, ", for exactly this config")
    cols[3].metric("time to target", format_duration(c.time_s))
    more = st.columns(4)
    more[0].metric("PPO updates", f"{c.num_updates:,}", help=f"at least {rec.min_updates} required")
    more[1].metric("gradient steps per update", f"{c.gradient_steps_per_update:,}",
                   help=f"{c.update_epochs} epochs x {c.num_minibatches} minibatches")
    more[2].metric("gradient steps per env step", f"{c.gradient_steps_per_sample:.3g}")
    more[3].metric("prediction basis", "phases" if c.basis == "phases" else "fused curve")
    chosen_caption(rec)


def what_if_panel(result, inputs: Inputs) -> None:
    st.subheader("Your settings")
    if inputs.layers_error:
        st.error(plain(inputs.layers_error))
        return
    o = what_if_option(result)
    if o is None:
        return
    cols = st.columns(4)
    rate_metric(cols[0], "train_sps (env steps/s)", o.train_sps, o.train_sps_low, o.train_sps_high)
    cols[1].metric("time to target", format_duration(o.time_s),
                   help=f"{format_duration(o.time_low_s)}-{format_duration(o.time_high_s)}")
    cols[2].metric("peak memory (upper bound)", format_bytes(o.peak_bytes_upper))
    cols[3].metric("minibatch size", o.minibatch_size)
    more = st.columns(4)
    more[0].metric("PPO updates", f"{o.num_updates:,}")
    more[1].metric("gradient steps per update", f"{o.gradient_steps_per_update:,}")
    more[2].metric("gradient steps per env step", f"{o.gradient_steps_per_sample:.3g}")
    for warning in result.warnings:
        st.warning(plain(warning))
    if result.conf_yaml:
        st.download_button("Download conf.yaml", result.conf_yaml, file_name="conf.yaml", mime="text/yaml",
                           key="download-conf")
        with st.expander("conf.yaml"):
            st.code(result.conf_yaml, language="yaml")


def throughput_chart(datasets: list[Dataset], markers) -> None:
    curve = [row for d in datasets for row in d.curve]
    measured = [row for d in datasets for row in d.measured]
    if not curve and not measured:
        st.info("No point of this profile finished, so there is no throughput to draw.")
        return
    st.vega_lite_chart(throughput_spec(curve, measured, markers, log_y=len(datasets) > 1), width="stretch")


def memory_chart(datasets: list[Dataset], markers) -> None:
    curve = [row for d in datasets for row in d.memory_curve]
    measured = [row for d in datasets for row in d.memory_measured]
    lines = [row for d in datasets for row in d.memory_lines]
    if not curve and not measured:
        st.info(plain(memory_note(datasets[0].curves) or "No peak memory to draw."))
        return
    st.vega_lite_chart(memory_spec(curve, measured, lines, markers), width="stretch")


def time_chart(datasets: list[Dataset], markers, inputs: Inputs) -> None:
    rows = [row for d in datasets for row in explore.time_rows(d.curve, d.curves.compile_s, inputs.target_steps,
                                                                d.curves.num_steps)]
    if rows:
        st.caption("LocoMuJoCo trains whole iterations, so each size stops at the last one within the target; "
                   "compile time is included where it was measured.")
        st.vega_lite_chart(time_spec(rows, markers, format_count(inputs.target_steps)), width="stretch")


def page(context: PageContext) -> None:
    """The MJX page: target and limits, your settings, the recommendation, what your settings
    would do, and the throughput, memory and time-to-target charts."""
    profile, curves, note, name = context.profile, context.curves, context.note, context.name
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
    include = (inputs.num_envs,)
    datasets = [dataset(curves, name, include, inputs.headroom)]
    if context.compare is not None:
        datasets.append(dataset(context.compare, context.compare_name, include, inputs.headroom))
    markers = marker_rows(rec.chosen.num_envs if rec.chosen else None, inputs.num_envs)
    st.subheader("Throughput")
    throughput_chart(datasets, markers)
    st.subheader("Peak memory")
    memory_chart(datasets, markers)
    st.subheader("Time to target")
    time_chart(datasets, markers, inputs)
