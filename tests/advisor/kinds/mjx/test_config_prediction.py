"""predict_config: one exact config's train_sps, from the phase model or the fused fallback."""

import math

import pytest

from advisor import catalog
from advisor.kinds.mjx.config_prediction import fit_mjx, predict_config
from tests.models.test_phases import section


def test_phase_timed_profile_predicts_from_the_phases():
    fitted = fit_mjx(section())
    assert fitted.phases is not None
    p = predict_config(fitted, 100, 10, 4, 2)
    # hand-worked in tests/models/test_phases.py: T = 0.0218 s for 1000 env steps
    assert p.basis == "phases" and p.train_sps == pytest.approx(45_871.56, rel=1e-4)
    assert p.iteration_s == pytest.approx(0.0218, rel=1e-4)
    assert p.train_sps_low < p.train_sps < p.train_sps_high
    assert p.minibatch_size == 250 and p.gradient_steps_per_update == 8
    assert p.gradient_steps_per_sample == pytest.approx(8 / 1000)
    assert p.num_updates(1_000_000) == 1000
    assert predict_config(section(), 100, 10, 4, 2) == p  # a section is fitted on the way


def test_shipped_profile_without_minibatch_variation_says_so_and_widens():
    profile, _ = catalog.load("rtx3070-locomujoco")
    measured = predict_config(profile, 4096, 50, 32, 4)
    other = predict_config(profile, 4096, 50, 1024, 4)
    assert measured.basis == other.basis == "fused"
    assert measured.extrapolated == () and other.extrapolated == ("num_minibatches",)
    assert any("no phase timings" in n for n in other.notes)
    assert any("num_minibatches=1024 (measured 32)" in n for n in other.notes)
    # the measured config answers with its measurement (86,197 env steps/s), the fit's figure beside it
    assert measured.measured and measured.train_sps == 86_197 and not other.measured
    assert measured.train_sps_low <= 86_197 <= measured.train_sps_high
    low, high = fit_mjx(profile.section("mjx")).throughput.predict_interval([4096])
    # 1024 is five doublings above the measured 32: 0.2 in log per doubling, on the slow side only
    assert other.train_sps == measured.fit_train_sps and other.train_sps_high == pytest.approx(high[0])
    assert math.log(low[0] / other.train_sps_low) == pytest.approx(5 * 0.2)
    fewer = predict_config(profile, 4096, 50, 8, 4)  # two doublings fewer: only the fast side widens
    assert fewer.train_sps_low == pytest.approx(low[0])
    assert math.log(fewer.train_sps_high / high[0]) == pytest.approx(2 * 0.2)


def test_invalid_config_is_refused():
    profile, _ = catalog.load("h100-humanoid")
    with pytest.raises(ValueError, match="not divisible"):
        predict_config(profile, 100, 50, 3, 4)


def test_peak_memory_of_a_longer_rollout_is_bounded_at_the_same_batch_and_says_so():
    from advisor.kinds.mjx.recommend import predict_mjx

    curves = fit_mjx(catalog.load_shipped("h100-humanoid").section("mjx"))  # measured at num_steps=50
    [long] = predict_mjx(curves, [64], num_steps=1600)
    [same_batch] = predict_mjx(curves, [2048])
    [measured] = predict_mjx(curves, [64])
    [short] = predict_mjx(curves, [64], num_steps=10)
    # 64 envs x 1600 steps holds the batch of 2048 x 50: its bound is that size's, far above 64 x 50's
    assert (long["peak_vram_bytes"], long["peak_vram_bytes_upper"]) == (
        same_batch["peak_vram_bytes"], same_batch["peak_vram_bytes_upper"])
    assert long["peak_vram_bytes_upper"] > 2 * measured["peak_vram_bytes_upper"]
    assert any("read at 2,048 envs" in n for n in long["notes"])
    # a shorter rollout keeps the measured figure, an over-statement it names
    assert short["peak_vram_bytes_upper"] == measured["peak_vram_bytes_upper"]
    assert any("over-states" in n for n in short["notes"]) and not any("peak memory" in n for n in measured["notes"])


def test_fewer_minibatches_are_bounded_where_the_minibatch_is_as_large_and_hold_a_measured_run():
    """On the H200, 8192 envs x 16 minibatches trained with a 1.10 GB peak, above the 32-minibatch
    point's 1.06 GB bound at 8192 envs: a larger minibatch holds more activations. Its bound is read
    at 16384 envs, where 32 minibatches are as large, and holds the run the profile records."""
    from advisor.kinds.mjx.recommend import predict_mjx

    section = catalog.load_shipped("h200-humanoid").section("mjx")  # measured at 32 minibatches
    curves = fit_mjx(section)
    [fewer] = predict_mjx(curves, [8192], num_minibatches=16)
    [same_minibatch] = predict_mjx(curves, [16384], num_minibatches=32)
    [more] = predict_mjx(curves, [8192], num_minibatches=128)
    assert fewer["peak_vram_bytes_upper"] == same_minibatch["peak_vram_bytes_upper"]
    assert any("read at 16,384 envs" in n for n in fewer["notes"])
    assert not any("peak memory" in n for n in more["notes"])  # smaller minibatches: the measured shape bounds it
    [run] = [r for r in section.verified_runs if r.num_minibatches == 16]
    assert run.peak_bytes <= fewer["peak_vram_bytes_upper"]
    assert all(r.peak_bytes <= predict_mjx(curves, [r.num_envs], num_minibatches=r.num_minibatches)[0]
               ["peak_vram_bytes_upper"] for r in section.verified_runs)
