"""The recommender on synthetic profiles whose right answer can be worked out by hand."""

import dataclasses

import pytest

from advisor.errors import BadInput
from advisor.kinds.mjx.recommend import MjxConstraints, predict_mjx, recommend_mjx
from models.num_envs_curves import fit_vectorised
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.profile import Accelerator

GIB = 2**30


def section(a=0.3, b=0.0005, mem=(2e8, 1e5), capacity=8 * GIB, grid=(64, 256, 1024, 4096, 16384), platform="gpu",
            compile_s=30.0, oom=None):
    points = []
    for n in grid:
        sps = n * 50 / (a + b * n)
        peak = int(mem[0] + mem[1] * n) if mem else None
        points.append(MjxPoint(num_envs=n, train_sps=sps, train_sps_samples=(sps,), peak_bytes=peak, compile_s=compile_s))
    if oom:
        points.append(MjxPoint(num_envs=oom, status="oom", error="RESOURCE_EXHAUSTED"))
    return MjxSection(workload=MjxWorkload(), accelerator=Accelerator(platform, "Test GPU", capacity),
                      memory_source="jax_allocator_peak" if mem else "unknown", points=tuple(points))


def test_efficient_objective_picks_smallest_within_tolerance():
    # sps(n) = 50n/(0.3+0.0005n); the best candidate is 16384 at 819200/8.492 = 96,467 steps/s;
    # within 5% needs sps >= 91,644: 8192 gives 409600/4.396 = 93,176, 4096 gives 87,223, so 8192.
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t")
    assert rec.chosen.num_envs == 8192
    assert rec.chosen.num_minibatches == 128  # 8192*50/128 = 3200
    assert rec.chosen.train_sps == pytest.approx(93_176, rel=1e-4)
    # time = compile 30 s + 244 updates * 409,600 steps / sps
    assert rec.chosen.num_updates == 100_000_000 // 50 // 8192 == 244
    assert rec.chosen.time_s == pytest.approx(30 + 244 * 409_600 / rec.chosen.train_sps, rel=1e-6)
    assert rec.chosen.time_low_s < rec.chosen.time_s < rec.chosen.time_high_s
    assert rec.env == {}


def test_max_throughput_objective_and_memory_budget():
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t", objective="max-throughput",
                        constraints=MjxConstraints(min_updates=0))
    assert rec.chosen.num_envs == 16384
    # 1 GiB device: 2e8 + 1e5 n (+ margin) must stay under 0.9 GiB -> n around 7,000 at most
    small = recommend_mjx(fit_vectorised(section(capacity=1 * GIB)), 100_000_000, profile="t", objective="max-throughput")
    assert small.chosen.num_envs == 4096
    assert small.chosen.peak_bytes_upper <= 0.9 * GIB
    assert not [o for o in small.options if o.num_envs == 8192][0].fits


def test_memory_fraction_variable_when_peak_exceeds_jax_default_pool():
    # 16384 envs need 2e8 + 1.64e9 = 1.84 GB: above 75% of a 2 GiB card
    rec = recommend_mjx(fit_vectorised(section(capacity=2 * GIB)), 100_000_000, profile="t", objective="max-throughput",
                        constraints=MjxConstraints(headroom=0.95, min_updates=0))
    assert rec.chosen.num_envs == 16384
    fraction = float(rec.env["XLA_PYTHON_CLIENT_MEM_FRACTION"])
    assert 0.75 < fraction <= 0.95
    assert fraction * 2 * GIB >= rec.chosen.peak_bytes_upper


def test_unknown_memory_limits_to_what_ran_and_oom_is_a_boundary():
    rec = recommend_mjx(fit_vectorised(section(mem=None)), 100_000_000, profile="t", objective="max-throughput",
                        constraints=MjxConstraints(min_updates=0))
    assert rec.chosen.num_envs == 16384 and rec.chosen.peak_bytes_upper is None
    assert any("memory is unknown" in n for n in rec.notes)
    oom = recommend_mjx(fit_vectorised(section(grid=(64, 256, 1024, 4096), oom=8192)), 1e8, profile="t")
    assert oom.chosen.num_envs <= 4096


def test_no_recommendation_is_an_answer_with_a_reason():
    too_small = recommend_mjx(fit_vectorised(section()), 1000, profile="t")
    assert too_small.chosen is None and "smaller than one training iteration" in too_small.reason
    tiny_device = recommend_mjx(fit_vectorised(section(capacity=100 * 2**20)), 1e8, profile="t")
    assert tiny_device.chosen is None and "memory budget" in tiny_device.reason
    one_point = recommend_mjx(fit_vectorised(section(grid=(64,))), 1e8, profile="t")
    assert one_point.chosen is None and "two or more" in one_point.reason


def test_bad_settings_are_refused():
    curves = fit_vectorised(section())
    for kwargs in ({"objective": "fastest"}, {"constraints": MjxConstraints(headroom=1.5)},
                   {"constraints": MjxConstraints(headroom=0)}, {"constraints": MjxConstraints(tolerance=-0.1)}):
        with pytest.raises(BadInput):
            recommend_mjx(curves, 1e8, profile="t", **kwargs)


def test_user_num_steps_changes_divisibility_and_adds_a_note():
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t", constraints=MjxConstraints(num_steps=20))
    c = rec.chosen
    assert (c.num_envs * 20) % c.num_minibatches == 0
    assert any("num_steps=50" in n for n in rec.notes)


def test_predict_contract_keys():
    rows = predict_mjx(fit_vectorised(section()), [1024, 8192, 100000])
    assert [r["num_envs"] for r in rows] == [1024, 8192, 100000]
    for r in rows:
        assert {"num_envs", "train_sps", "train_sps_low", "train_sps_high", "peak_vram_bytes",
                "peak_vram_bytes_upper"} <= set(r)
        assert r["train_sps_low"] <= r["train_sps"] <= r["train_sps_high"]
        assert r["peak_vram_bytes"] <= r["peak_vram_bytes_upper"]
    assert rows[2]["extrapolated"] and not rows[0]["extrapolated"]
    assert rows[0]["peak_vram_bytes"] == pytest.approx(2e8 + 1e5 * 1024, rel=1e-6)


def test_a_note_says_when_the_recommended_minibatches_were_not_the_measured_ones():
    # measured with LocoMuJoCo's fixed 32 minibatches; 8192 envs get 128 minibatches of 3200
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t")
    assert rec.chosen.num_envs == 8192 and rec.chosen.num_minibatches == 128
    [note] = [n for n in rec.notes if "(measured 32)" in n]
    assert "num_minibatches=128 (measured 32)" in note and "interval widened" in note
    assert rec.chosen.extrapolated_axes == ("num_minibatches",)
    # measured by the recommender's own rule (calibrate --minibatch-size 3200): nothing to say
    sized = section()
    sized = dataclasses.replace(sized, workload=MjxWorkload(minibatch_size=3200), points=tuple(
        dataclasses.replace(p, num_minibatches=MjxWorkload(minibatch_size=3200).minibatches_at(p.num_envs))
        for p in sized.points))
    rec = recommend_mjx(fit_vectorised(sized), 100_000_000, profile="t")
    assert not any("(measured" in n for n in rec.notes) and rec.chosen.extrapolated_axes == ()


def test_a_base_conf_with_another_training_shape_gets_a_note():
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t",
                        constraints=MjxConstraints(update_epochs=16, hidden_layers=(2048, 2048)))
    [note] = [n for n in rec.notes if "differ from the profile's measurements" in n]
    assert "hidden_layers=[2048, 2048] differ" in note and "([512, 256])" in note
    [epochs] = [n for n in rec.notes if "update_epochs=16 (measured 4)" in n]
    assert "interval widened" in epochs and rec.chosen.update_epochs == 16


def test_min_updates_guard_excludes_configs_with_too_few_ppo_updates_and_says_why():
    # 100M steps: 16384 envs x 50 steps run 122 updates, 8192 run 244
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t", objective="max-throughput")
    assert rec.min_updates == 200 and rec.chosen.num_envs == 8192 and rec.chosen.num_updates == 244
    [big] = [o for o in rec.options if o.num_envs == 16384]
    assert big.excluded == "122 PPO updates, fewer than --min-updates 200"
    none = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t", constraints=MjxConstraints(min_updates=50_000))
    assert none.chosen is None and "fewer than --min-updates 50000" in none.reason and "at most 31250" in none.reason
    with pytest.raises(BadInput):
        recommend_mjx(fit_vectorised(section()), 1e8, profile="t", constraints=MjxConstraints(min_updates=-1))


def test_same_batch_objective_holds_env_steps_per_update_and_picks_the_fastest_split():
    # 102,400 = 2048 x 50 env steps per update; splits within 64-16384 envs with rollouts >= 17 steps:
    # 64 x 1600 ... 4096 x 25, 5120 x 20; the fused curve's train_sps grows with num_envs, so 5120 x 20
    rec = recommend_mjx(fit_vectorised(section()), 100_000_000, profile="t", objective="same-batch")
    assert {o.num_envs * o.num_steps for o in rec.options} == {102_400}
    assert min(o.num_steps for o in rec.options) >= 17
    assert (rec.chosen.num_envs, rec.chosen.num_steps, rec.chosen.num_minibatches) == (5120, 20, 32)
    assert rec.chosen.num_updates == 100_000_000 // 102_400 == 976
    assert rec.workload.num_steps == 20
