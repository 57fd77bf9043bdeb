import pytest

from advisor.explore import memory_rows, throughput_rows, what_if
from advisor.recommend import recommend_mjx
from models.mjx import fit_mjx
from tests.advisor.test_recommend import GIB, section


@pytest.fixture
def curves():
    return fit_mjx(section(capacity=2 * GIB))


def test_what_if_matches_the_recommender_for_the_same_settings(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p")
    result = what_if(curves, rec, num_envs=rec.chosen.num_envs, num_steps=50, num_minibatches=rec.chosen.num_minibatches,
                     update_epochs=4, hidden_layers=(512, 256))
    assert result.option == rec.chosen and not result.errors
    assert "num_envs: %d" % rec.chosen.num_envs in result.conf_yaml


def test_what_if_flags_memory_and_shape_changes(curves):
    rec = recommend_mjx(curves, 100_000_000, profile="p", headroom=0.95)
    result = what_if(curves, rec, num_envs=16384, num_steps=50, num_minibatches=256, update_epochs=8,
                     hidden_layers=(256, 256))
    assert result.env["XLA_PYTHON_CLIENT_MEM_FRACTION"]
    assert any("update_epochs, hidden_layers differ" in w for w in result.warnings)
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
    assert all(r["upper_gib"] >= r["peak_gib"] for r in mem_curve)


def test_chart_specs_carry_the_rows_and_markers(curves):
    from advisor.explore import marker_rows, memory_spec, throughput_spec, time_rows, time_spec

    curve, measured = throughput_rows(curves, "p")
    markers = marker_rows(8192, 1024)
    spec = throughput_spec(curve, measured, markers)
    kinds = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert kinds == ["area", "line", "point", "rule"]
    assert spec["layer"][-1]["data"]["values"] == [{"num_envs": 1024, "marker": "your choice"},
                                                   {"num_envs": 8192, "marker": "recommended"}]
    assert memory_spec(*memory_rows(curves, "p"), markers)["layer"][3]["mark"] == "rule"
    rows = time_rows(curve, 30.0, 100_000_000)
    assert rows[0]["hours"] == pytest.approx((30 + 1e8 / curve[0]["train_sps"]) / 3600)
    assert time_spec(rows, markers, "100M")["layer"][0]["encoding"]["y"]["scale"] == {"type": "log"}


def test_rllib_rows_bands_and_markers():
    from advisor.explore_rllib import band_rows, efficiency_spec, marker_rows, rllib_what_if, scaling_rows, speedup_spec
    from advisor.rllib_recommend import recommend_rllib
    from models.rllib import fit_rllib
    from profiler.profile import RllibPoint, RllibSection, RllibWorkload

    points = tuple(RllibPoint(num_env_runners=r, num_envs_per_env_runner=1, env_steps_per_s=1000 * s,
                              env_steps_per_s_samples=(1000 * s,)) for r, s in ((1, 1.0), (2, 1.72), (4, 2.68), (8, 4.12)))
    curves = fit_rllib(RllibSection(workload=RllibWorkload(), points=points, ray_cpus=16))
    fitted, measured = scaling_rows(curves, "w")
    assert {r["config"]: round(r["efficiency"], 3) for r in measured} == {"1r x 1e": 1.0, "2r x 1e": 0.86,
                                                                         "4r x 1e": 0.67, "8r x 1e": 0.515}
    assert max(r["runners"] for r in fitted) == 15  # up to 16 CPUs minus the driver's
    assert [b["rating"] for b in band_rows()] == ["excellent", "good", "acceptable", "poor"]
    rec = recommend_rllib(curves, 10**8, profile="w")
    mine = rllib_what_if(curves, rec, 4, 1)
    assert mine.option.num_env_runners == 4 and "num_env_runners=4" in mine.python and not mine.errors
    markers = marker_rows(rec.chosen, mine.option)
    assert [m["marker"] for m in markers] == ["recommended", "your choice"] and markers[1]["total_envs"] == 4
    assert speedup_spec(fitted, measured, 16, markers)["layer"][-1]["data"]["values"] == markers
    assert efficiency_spec(fitted, measured, markers)["layer"][0]["mark"]["type"] == "rect"
    assert rllib_what_if(curves, rec, 4, 3).errors  # 3 envs per runner was never measured
