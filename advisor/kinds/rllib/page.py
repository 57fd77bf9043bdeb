"""The RLlib kind's explorer page (Streamlit), one small function per panel; every number comes from
:mod:`advisor.kinds.rllib.explore`."""

from __future__ import annotations

import streamlit as st

from advisor.errors import AdvisorError
from advisor.kinds.rllib import explore as explore_rllib
from advisor.kinds.rllib.recommend import recommend_rllib
from advisor.page import PageContext, chosen_caption, chosen_config, plain, rate_metric, what_if_option
from advisor.units import format_duration, parse_count


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
    c = chosen_config(rec, "RLlib recommendation")
    if c is None:
        return
    cols = st.columns(4)
    cols[0].metric("runners x envs", f"{c.num_env_runners} x {c.num_envs_per_env_runner}")
    rate_metric(cols[1], "env steps/s", c.env_steps_per_s, c.env_steps_per_s_low, c.env_steps_per_s_high)
    cols[2].metric("efficiency", "-" if c.efficiency is None else f"{c.efficiency:.0%}",
                   help=(c.rating or "") + ("" if c.efficiency_low is None else
                                            f"; 90% interval {c.efficiency_low:.0%}-{c.efficiency_high:.0%}"))
    cols[3].metric("time to target", format_duration(c.time_s))
    chosen_caption(rec)


def rllib_what_if_panel(result) -> None:
    st.subheader("Your RLlib settings")
    o = what_if_option(result)
    if o is None:
        return
    cols = st.columns(4)
    rate_metric(cols[0], "env steps/s", o.env_steps_per_s, o.env_steps_per_s_low, o.env_steps_per_s_high)
    cols[1].metric("speedup", "-" if o.speedup is None else f"{o.speedup:.2f}x",
                   help=None if o.speedup_low is None else f"90% interval {o.speedup_low:.2f}-{o.speedup_high:.2f}x")
    cols[2].metric("efficiency", "-" if o.efficiency is None else f"{o.efficiency:.0%} ({o.rating})",
                   help=None if o.efficiency_low is None else
                   f"90% interval {o.efficiency_low:.0%}-{o.efficiency_high:.0%}")
    cols[3].metric("time to target", format_duration(o.time_s))
    if o.extrapolated:
        st.warning("outside the measured runner counts: the prediction is an extrapolation")
    if result.python:
        st.download_button("Download PPOConfig snippet", result.python, file_name="ppo_config.py",
                           mime="text/x-python", key="download-rllib")
        with st.expander("PPOConfig snippet and YAML"):
            st.code(result.python, language="python")
            st.code(result.yaml, language="yaml")


def rllib_charts(context: PageContext, markers: list[dict]) -> None:
    fitted_rows, measured = explore_rllib.scaling_rows(context.curves, context.name)
    if context.compare is not None:
        more_fitted, more_measured = explore_rllib.scaling_rows(context.compare, context.compare_name)
        fitted_rows, measured = fitted_rows + more_fitted, measured + more_measured
    if not measured and not fitted_rows:
        st.info("Speedup needs a measured 1 runner x 1 env baseline.")
        return
    most = max([r["total_envs"] for r in fitted_rows + measured] or [1])
    st.subheader("RLlib speedup vs ideal")
    st.vega_lite_chart(explore_rllib.speedup_spec(fitted_rows, measured, most, markers), width="stretch")
    st.subheader("RLlib parallel efficiency")
    st.vega_lite_chart(explore_rllib.efficiency_spec(fitted_rows, measured, markers), width="stretch")


def page(context: PageContext) -> None:
    """The RLlib page: runners and envs per runner, the recommendation, your choice with a
    PPOConfig download, speedup against the ideal and efficiency over the rating bands."""
    profile, curves, note, name = context.profile, context.curves, context.note, context.name
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
    rllib_charts(context, explore_rllib.marker_rows(rec.chosen, result.option))
