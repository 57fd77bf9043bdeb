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
