"""The explorer's race panel (Streamlit): for each race of the profile, its configs' measured
times to score, every run's score against its wall clock, and the predicted time to score of every
config. Every number comes from :mod:`advisor.race_explore` and :mod:`advisor.race_report`."""

from __future__ import annotations

import streamlit as st

from advisor import race_explore
from advisor.page import plain
from advisor.race_report import race_json, summary_lines
from advisor.units import format_duration


def race_panel(profile, race) -> None:
    st.subheader(f"Race to score {race.score:g} ({race.kind})")
    data = race_json(race, profile.name)
    st.dataframe([{"num_envs": c["num_envs"], "median time to score": format_duration(c["time_to_score_s"])
                   if c["time_to_score_s"] is not None else f"> {format_duration(c['more_than_s'])}",
                   "env steps to score": c["env_steps_to_score"], "reached": f"{c['reached']}/{c['seeds']}",
                   "eliminated": c["eliminated"]} for c in data["configs"]], hide_index=True)
    st.caption(plain(" ".join(summary_lines(race))))
    rows = race_explore.curve_rows(race)
    if rows:
        st.vega_lite_chart(race_explore.curve_spec(rows, race.score), width="stretch")
    predicted, basis = race_explore.predicted_rows(profile, race)
    if predicted:
        st.markdown("**Predicted time to score for every config** (black points: raced medians)")
        st.vega_lite_chart(race_explore.prediction_spec(predicted), width="stretch")
        st.caption(plain(basis))
    else:
        st.info(plain(basis))


def page(profile) -> None:
    for race in profile.races:
        race_panel(profile, race)
