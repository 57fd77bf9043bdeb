"""The brax kind's explorer page (Streamlit): the recommendation for a target at Playground's batch
shape (or the one set in the sidebar), its ppo_params, and the num_envs curve at the profile's
measured shape (the vectorised kinds' charts, :mod:`advisor.vectorised_explore`)."""

from __future__ import annotations

import streamlit as st

from advisor.errors import AdvisorError
from advisor.kinds.brax.recommend import recommend_brax
from advisor.kinds.brax.render import python_text, trainer_command, yaml_text
from advisor.page import PageContext, chosen_caption, chosen_config, plain, rate_metric
from advisor.units import format_count, format_duration, parse_count
from advisor.vectorised_explore import dataset, throughput_spec


def sidebar(section) -> tuple[int, float, dict[str, int]] | None:
    st.sidebar.header("Target and shape")
    target_text = st.sidebar.text_input("target env steps", "60M", key="brax-target", help="60M, 1.5B or 60000000")
    headroom = st.sidebar.slider("memory headroom (fraction of device memory)", 0.5, 1.0, 0.9, 0.05,
                                 key="brax-headroom")
    d = section.workload.ppo_defaults
    shape = {k: int(st.sidebar.number_input(k, 1, 2**20, int(d.get(k, getattr(section.workload, k))), key=f"brax-{k}"))
             for k in ("batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch")}
    try:
        return parse_count(target_text, "target env steps"), headroom, shape
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        return None


def recommendation_panel(rec) -> None:
    c = chosen_config(rec, "Recommendation")
    if c is None:
        return
    cols = st.columns(4)
    cols[0].metric("num_envs", c.num_envs)
    cols[1].metric("env steps per update", format_count(rec.env_steps_per_update))
    rate_metric(cols[2], "train_sps (env steps/s)", c.train_sps, c.train_sps_low, c.train_sps_high)
    cols[3].metric("time to target", format_duration(c.time_s),
                   help=f"{rec.total_env_steps:,} env steps in Brax's accounting, evaluation and compile included")
    chosen_caption(rec)
    with st.expander("ppo_params (Python)"):
        st.code(python_text(rec), language="python")
    with st.expander("ppo_params (YAML)"):
        st.code(yaml_text(rec), language="yaml")
    st.caption("Playground's trainer (learning/train_jax_ppo.py, installed with playground as train-jax-ppo):")
    st.code(trainer_command(rec), language="bash")


def page(context: PageContext) -> None:
    """The brax page: target and shape, the recommendation and its ppo_params, the num_envs curve."""
    section = context.curves.section
    settings = sidebar(section)
    if settings is None:
        return
    target, headroom, shape = settings
    try:
        rec = recommend_brax(section, target, profile=context.profile.name, profile_note=context.note,
                             headroom=headroom, **shape)
    except AdvisorError as exc:
        st.error(plain(str(exc)))
        return
    recommendation_panel(rec)
    w = section.workload
    st.subheader(f"Throughput at the measured shape (batch_size {w.batch_size}, num_minibatches "
                 f"{w.num_minibatches}, unroll_length {w.unroll_length})")
    datasets = [dataset(context.curves, context.name, (), headroom)]
    if context.compare is not None:
        datasets.append(dataset(context.compare, context.compare_name, (), headroom))
    curve = [row for d in datasets for row in d.curve]
    measured = [row for d in datasets for row in d.measured]
    if curve or measured:
        st.vega_lite_chart(throughput_spec(curve, measured, [], title="env steps/s"), width="stretch")
    else:
        st.info("No point of this profile finished, so there is no throughput to draw.")
