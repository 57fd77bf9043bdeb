"""The explorer's race panel: raced runs' score-vs-wall-clock curves and every config's predicted
time to score, driven by Streamlit's AppTest on a saved profile."""

import dataclasses

from streamlit.testing.v1 import AppTest

from profiler.race.schema import CurvePoint
from profiler.store import save_profile
from tests.advisor.test_time_to_score import profile
from tests.conftest import ROOT
from tests.test_app import chart_tables


def test_the_page_draws_each_run_and_the_predicted_time_to_score(monkeypatch):
    p = profile()
    race = p.race("command")
    runs = tuple(dataclasses.replace(r, curve=(CurvePoint(1.0, 100, 10.0), CurvePoint(r.time_to_score_s, r.env_steps_to_score,
                                                                                       100.0)))
                 for r in race.runs)
    save_profile(dataclasses.replace(p, races=(dataclasses.replace(race, runs=runs),)))
    monkeypatch.setenv("ADVISOR_EXPLORE_PROFILE", "tts")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Race to score 100" in h.value for h in at.subheader)
    tables = chart_tables(at)
    curves = next(t for t in tables if t and "score" in t[0] and "run" in t[0])
    assert len(curves) == 2 * len(runs) and {row["num_envs"] for row in curves} == {"16", "64", "256"}
    predicted = next(t for t in tables if t and "predicted_s" in t[0])
    assert [row["num_envs"] for row in predicted] == [16, 32, 64, 128, 256]
    assert [row["raced"] for row in predicted] == [True, False, True, False, True]
    assert all(row["low_s"] <= row["predicted_s"] <= row["high_s"] for row in predicted)
