import pytest

from advisor.kinds.mjx.explore import what_if
from advisor.kinds.mjx.recommend import MjxConstraints, recommend_mjx
from advisor.vectorised_explore import memory_rows, throughput_rows
from models.num_envs_curves import fit_vectorised
from tests.advisor.kinds.mjx.test_recommend import GIB, section


@pytest.fixture
def curves():
    return fit_vectorised(section(capacity=2 * GIB))


def test_what_if_matches_the_recommender_for_the_same_settings(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p")
    result = what_if(curves, rec, num_envs=rec.chosen.num_envs, num_steps=50, num_minibatches=rec.chosen.num_minibatches,
                     update_epochs=4, hidden_layers=(512, 256))
    assert result.option == rec.chosen and not result.errors
    assert "num_envs: %d" % rec.chosen.num_envs in result.conf_yaml


def test_what_if_flags_memory_and_shape_changes(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p", constraints=MjxConstraints(headroom=0.95))
    result = what_if(curves, rec, num_envs=16384, num_steps=50, num_minibatches=256, update_epochs=8,
                     hidden_layers=(256, 256))
    assert result.env["XLA_PYTHON_CLIENT_MEM_FRACTION"]
    assert any("hidden_layers differ" in w for w in result.warnings)
    assert any("update_epochs=8 (measured 4)" in w for w in result.warnings)  # the prediction's own note
    assert result.option.update_epochs == 8 and result.option.num_minibatches == 256
    assert any("PPO updates, fewer than" in w for w in result.warnings)  # 122 updates for 100M at 16384 x 50
    assert "update_epochs: 8" in result.conf_yaml
    assert "export XLA_PYTHON_CLIENT_MEM_FRACTION" in result.conf_yaml
    bad = what_if(curves, rec, num_envs=100, num_steps=50, num_minibatches=3, update_epochs=4, hidden_layers=(512, 256))
    assert bad.option is None and "use " in bad.errors[0] and bad.conf_yaml is None


def test_chart_rows(curves):
    curve, measured = throughput_rows(curves, "p")
    assert {r["num_envs"] for r in measured} == {64, 256, 1024, 4096, 16384}
    assert all(r["low"] <= r["train_sps"] <= r["high"] for r in curve)
    assert any(r["extrapolated"] for r in curve) and not all(r["extrapolated"] for r in curve)
    mem_curve, mem_measured, lines = memory_rows(curves, "p")
    assert [l["line"] for l in lines] == ["device memory", "JAX default pool (75%)"]
    assert lines[1]["gib"] == pytest.approx(1.5)
    peak = {r["num_envs"]: r["gib"] for r in mem_curve if r["line"] == "predicted peak"}
    upper = {r["num_envs"]: r["gib"] for r in mem_curve if r["line"] == "upper bound"}
    assert peak.keys() == upper.keys() and all(upper[n] >= peak[n] for n in peak)
    # the headroom budget is drawn when given: 90% of the 2 GiB device
    _c, _m, lines = memory_rows(curves, "p", headroom=0.9)
    assert {l["line"]: l["gib"] for l in lines}["headroom budget"] == pytest.approx(1.8)


def test_curves_reach_the_users_choice_far_outside_the_measured_range(curves):
    curve, _measured = throughput_rows(curves, "p", include=(524288,))
    assert max(r["num_envs"] for r in curve) >= 524288 and any(r["num_envs"] == 524288 for r in curve)
    mem_curve, _m, _l = memory_rows(curves, "p", include=(524288,))
    assert any(r["num_envs"] == 524288 for r in mem_curve)


def test_chart_specs_carry_the_rows_and_markers(curves):
    from advisor.kinds.mjx.explore import time_rows
    from advisor.vectorised_explore import marker_rows, memory_spec, throughput_spec, time_spec

    curve, measured = throughput_rows(curves, "p")
    markers = marker_rows(8192, 1024)
    spec = throughput_spec(curve, measured, markers)
    kinds = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert kinds == ["area", "line", "point", "rule"]
    assert spec["layer"][-1]["data"]["values"] == [{"num_envs": 1024, "marker": "your choice"},
                                                   {"num_envs": 8192, "marker": "recommended"}]
    assert marker_rows(4096, 4096) == [{"num_envs": 4096, "marker": "recommended = your choice"}]
    memory = memory_spec(*memory_rows(curves, "p"), markers)
    assert [layer["mark"] if isinstance(layer["mark"], str) else layer["mark"]["type"] for layer in memory["layer"]] == \
        ["line", "point", "rule", "rule"]
    # one line-style legend for curves and limits, and limits coloured by profile
    assert memory["layer"][0]["encoding"]["strokeDash"]["scale"] == memory["layer"][2]["encoding"]["strokeDash"]["scale"]
    assert memory["layer"][2]["encoding"]["color"]["field"] == "profile"
    rows = time_rows(curve, 30.0, 100_000_000, 50)
    # whole iterations, as LocoMuJoCo trains: 100M // 50 // n iterations of n envs x 50 steps
    n = rows[0]["num_envs"]
    steps = 100_000_000 // 50 // n * 50 * n
    assert rows[0]["env_steps"] == steps
    assert rows[0]["seconds"] == pytest.approx(30 + steps / curve[0]["train_sps"])
    spec = time_spec(rows, markers, "100M")
    assert spec["layer"][0]["encoding"]["y"]["scale"] == {"type": "log"}
    assert spec["layer"][0]["encoding"]["y"]["title"] in ("minutes to 100M env steps", "hours to 100M env steps")


def test_rllib_rows_bands_and_markers():
    from advisor.kinds.rllib.explore import (
        band_rows,
        efficiency_spec,
        marker_rows,
        rllib_what_if,
        scaling_rows,
        speedup_spec,
    )
    from advisor.kinds.rllib.recommend import recommend_rllib
    from models.workers import fit_workers
    from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload

    points = tuple(RllibPoint(num_env_runners=r, num_envs_per_env_runner=1, env_steps_per_s=1000 * s,
                              env_steps_per_s_samples=(1000 * s,)) for r, s in ((1, 1.0), (2, 1.72), (4, 2.68), (8, 4.12)))
    curves = fit_workers(RllibSection(workload=RllibWorkload(), points=points, ray_cpus=16))
    fitted, measured = scaling_rows(curves, "w")
    assert {r["config"]: round(r["efficiency"], 3) for r in measured} == {"1r x 1e": 1.0, "2r x 1e": 0.86,
                                                                         "4r x 1e": 0.67, "8r x 1e": 0.515}
    assert max(r["runners"] for r in fitted) == 15  # up to 16 CPUs minus the driver's
    for row in fitted:  # each fitted point carries the 90% interval drawn as a band behind its line
        assert row["speedup_low"] <= row["speedup"] <= row["speedup_high"]
        assert row["efficiency_low"] <= row["efficiency"] <= row["efficiency_high"]
    areas = [layer for layer in efficiency_spec(fitted, measured)["layer"] if layer["mark"] == {"type": "area", "opacity": 0.12}]
    assert len(areas) == 1 and areas[0]["encoding"]["y2"] == {"field": "efficiency_high"}
    assert [b["rating"] for b in band_rows()] == ["excellent", "good", "acceptable", "poor"]
    rec = recommend_rllib(curves, 10**8, profile="w")
    mine = rllib_what_if(curves, rec, 4, 1)
    assert mine.option.num_env_runners == 4 and "num_env_runners=4" in mine.python and not mine.errors
    markers = marker_rows(rec.chosen, mine.option)
    # your choice first: the larger ring is drawn under the recommended one
    assert [m["marker"] for m in markers] == ["your choice", "recommended"] and markers[0]["total_envs"] == 4
    drawn = [row for layer in speedup_spec(fitted, measured, 16, markers)["layer"]
             if isinstance(layer["mark"], dict) and layer["mark"].get("shape") == "diamond"
             for row in layer["data"]["values"]]
    assert sorted(drawn, key=lambda r: r["marker"]) == sorted(markers, key=lambda r: r["marker"])
    assert efficiency_spec(fitted, measured, markers)["layer"][0]["mark"]["type"] == "rect"
    assert rllib_what_if(curves, rec, 4, 3).errors  # 3 envs per runner was never measured


def test_what_if_gives_no_memory_fraction_advice_for_a_choice_that_does_not_fit(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p")
    result = what_if(curves, rec, num_envs=2**19, num_steps=50, num_minibatches=8192, update_epochs=4,
                     hidden_layers=(512, 256))
    assert not result.option.fits
    assert any("would not fit" in w for w in result.warnings)
    assert not result.env and "XLA_PYTHON_CLIENT_MEM_FRACTION" not in " ".join(result.warnings)


def test_what_if_says_when_whole_iterations_stop_short_of_the_target(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p")
    result = what_if(curves, rec, num_envs=2**19, num_steps=50, num_minibatches=8192, update_epochs=4,
                     hidden_layers=(512, 256))
    # 100M // 50 // 524288 = 3 iterations = 78,643,200 env steps
    assert any("78,643,200 env steps, short of the 100,000,000 target" in w for w in result.warnings)


def test_memory_note_explains_a_missing_memory_chart():
    from dataclasses import replace

    from advisor.vectorised_explore import memory_note
    from profiler.kinds.mjx.schema import MjxPoint

    sec = section(capacity=2 * GIB)
    assert memory_note(fit_vectorised(sec)) is None
    all_oom = replace(sec, points=tuple(MjxPoint(num_envs=p.num_envs, status="oom") for p in sec.points))
    assert "ran out of memory" in memory_note(fit_vectorised(all_oom))


def test_rllib_specs_keep_series_colours_consistent_and_bands_without_a_legend():
    from advisor.kinds.rllib.explore import band_rows, efficiency_spec, series_encoding

    fitted = [{"series": "w, 1 env/runner (fit)", "total_envs": 2, "efficiency": 0.9, "speedup": 1.8}]
    measured = [{"series": "w, 2 env/runner", "config": "1r x 2e", "total_envs": 2, "efficiency": 0.8, "speedup": 1.6},
                {"series": "w, 1 env/runner", "config": "2r x 1e", "total_envs": 2, "efficiency": 0.86, "speedup": 1.72}]
    assert series_encoding(fitted, measured)["scale"]["domain"] == ["w, 1 env/runner", "w, 1 env/runner (fit)",
                                                                    "w, 2 env/runner"]
    spec = efficiency_spec(fitted, measured)
    bands, labels, lines, points = spec["layer"]
    assert bands["encoding"]["fill"]["scale"] is None and labels["mark"]["type"] == "text"
    assert lines["encoding"]["color"] == points["encoding"]["color"]  # measured points and fits share a scale
    assert [b["label"] for b in band_rows()] == ["excellent (>70%)", "good (>60%)", "acceptable (>50%)", "poor (<50%)"]
