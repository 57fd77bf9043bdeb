"""The command kind's explorer page (Streamlit): the recommendation with the exact command, a
num_envs of the user's choice evaluated the same way, the measured points, and the throughput,
memory, time-to-target and fixed-cost charts. Every number comes from
:mod:`advisor.kinds.command.explore` and the vectorised kinds' charts, :mod:`advisor.vectorised_explore`."""

from __future__ import annotations

import streamlit as st

from advisor.errors import AdvisorError
from advisor.kinds.command import explore
from advisor.page import PageContext, chosen_caption, chosen_config, plain, rate_metric
from advisor.units import format_bytes, format_count, format_duration, parse_count
from advisor.vectorised_explore import marker_rows, memory_note, memory_spec, throughput_spec, time_spec


def _target_and_headroom() -> tuple[int, float] | None:
    st.sidebar.header("Target and limits (your command)")
    text = st.sidebar.text_input("target env steps", "100M", key="command-target", help="100M, 1.5B, 1e8 or 100000000")
    headroom = st.sidebar.slider("memory headroom (fraction of device memory)", 0.5, 1.0, 0.9, 0.05,
                                 key="command-headroom")
    try:
        return parse_count(text, "target env steps"), float(headroom)
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        return None


def _command(line: str, cwd: str) -> None:
    if cwd:
        st.caption(plain(f"run in {cwd}:"))
    st.code(line, language="bash", wrap_lines=True)


def recommendation_panel(rec: explore.CommandRecommendation) -> None:
    c = chosen_config(rec, f"Recommendation for {rec.name}")
    if c is None:
        return
    cols = st.columns(4)
    cols[0].metric("num_envs", c.num_envs)
    rate_metric(cols[1], "env steps/s", c.train_sps, c.train_sps_low, c.train_sps_high)
    cols[2].metric("fixed cost", format_duration(c.fixed_s), help="start-up + compile of one run, measured")
    cols[3].metric("time to target", format_duration(c.time_s),
                   help=f"{format_duration(c.time_low_s)}-{format_duration(c.time_high_s)}: fixed cost + "
                        f"{c.total_timesteps:,} env steps / env steps per s")
    chosen_caption(rec)
    _command(rec.command_line, rec.workload.cwd)


def what_if_panel(result: explore.WhatIf, cwd: str) -> None:
    st.subheader("Your num_envs")
    if result.option is None:
        return
    o = result.option
    cols = st.columns(4)
    rate_metric(cols[0], "env steps/s", o.train_sps, o.train_sps_low, o.train_sps_high)
    cols[1].metric("fixed cost", format_duration(o.fixed_s))
    cols[2].metric("time to target", format_duration(o.time_s),
                   help=f"{format_duration(o.time_low_s)}-{format_duration(o.time_high_s)}")
    cols[3].metric("peak memory (upper bound)", format_bytes(o.peak_bytes_upper))
    for warning in result.warnings:
        st.warning(plain(warning))
    _command(result.command_line, cwd)


def charts(datasets: list[explore.Dataset], markers: list[dict], target_steps: int) -> None:
    st.subheader("Throughput")
    curve, measured = [r for d in datasets for r in d.curve], [r for d in datasets for r in d.measured]
    if curve or measured:
        st.vega_lite_chart(throughput_spec(curve, measured, markers, log_y=len(datasets) > 1, title="env steps/s"), width="stretch")
    else:
        st.info("No point of this profile finished, so there is no throughput to draw.")
    st.subheader("Peak memory")
    memory = [r for d in datasets for r in d.memory_curve]
    memory_measured = [r for d in datasets for r in d.memory_measured]
    if memory or memory_measured:
        st.vega_lite_chart(memory_spec(memory, memory_measured, [r for d in datasets for r in d.memory_lines], markers),
                           width="stretch")
    else:
        st.info(plain(memory_note(datasets[0].curves) or "No peak memory to draw."))
    time = [r for d in datasets for r in d.time]
    if time:
        st.subheader("Time to target")
        st.caption("Fixed cost (start-up + compile, measured) + the target's env steps, rounded up to whole "
                   "iterations, over the predicted env steps/s.")
        st.vega_lite_chart(time_spec(time, markers, format_count(target_steps)), width="stretch")
    fixed = [r for d in datasets for r in d.fixed]
    if fixed:
        st.subheader("Fixed cost")
        st.vega_lite_chart(explore.fixed_spec(fixed, markers), width="stretch")


def page(context: PageContext) -> None:
    """The command page: target and limits, the recommendation and its command, your num_envs,
    the measured points and the charts."""
    curves, name = context.curves, context.name
    section = curves.section
    limits = _target_and_headroom()
    if limits is None:
        return
    target, headroom = limits
    rec = explore.recommend_for(curves, context.profile.name, context.note, target, headroom)
    st.sidebar.header("Your num_envs (command)")
    chosen = rec.chosen.num_envs if rec.chosen else max(curves.measured_num_envs or (1,))
    num_envs = int(st.sidebar.number_input("num_envs", 1, 2**24, chosen, key=f"command-num_envs-{name}"))
    st.header(f"Your command: {section.name}")
    recommendation_panel(rec)
    what_if_panel(explore.what_if(curves, rec, num_envs), section.workload.cwd)
    st.subheader("Measured points")
    st.dataframe(explore.point_rows(curves), hide_index=True)
    datasets = [explore.dataset(curves, name, target, (num_envs,), headroom)]
    if context.compare is not None:
        datasets.append(explore.dataset(context.compare, context.compare_name, target, (num_envs,), headroom))
    charts(datasets, marker_rows(rec.chosen.num_envs if rec.chosen else None, num_envs), target)
