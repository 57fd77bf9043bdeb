"""The Brax phase model recovers known phase costs and predicts shapes it was not fitted on."""

from __future__ import annotations

import numpy as np
import pytest

from models.phases.brax import BraxPhaseModel, env_steps, features


def seconds(x, coef):
    return features(np.asarray(x, dtype=float)) @ np.asarray(coef)


def test_recovers_phases_and_predicts_an_unmeasured_shape():
    coef = [2e-3, 4e-5, 3e-3, 0.0]  # s per sequential step, per env step, per SGD step; no K variation
    x = [[16, 64, 4, 10, 16, 1], [64, 64, 4, 10, 16, 1], [64, 16, 32, 30, 16, 1], [256, 1024, 2, 10, 16, 1]]
    model = BraxPhaseModel().fit(x, seconds(x, coef))
    assert np.allclose(model.coef_[:3], coef[:3], rtol=1e-6)
    target = [[2048, 1024, 32, 30, 16, 1]]  # Playground's DM Control shape
    expected = env_steps(np.asarray(target, dtype=float)) / seconds(target, coef)
    assert model.predict(target)[0] == pytest.approx(expected[0], rel=1e-6)
    low, high = model.predict_interval(target)
    inside_low, inside_high = model.predict_interval(x[:1])
    assert low[0] < expected[0] < high[0]
    assert high[0] / low[0] > inside_high[0] / inside_low[0]  # wider far from the data
    assert model.is_extrapolation(target)[0] and not model.is_extrapolation(x[:1])[0]
    assert model.same_updates([[64, 64, 4, 10, 16, 1]])[0] and not model.same_updates([[64, 64, 4, 10, 4, 1]])[0]


def test_costs_stay_non_negative_and_bad_input_is_refused():
    x = [[16, 64, 4, 10, 16, 1], [64, 64, 4, 10, 16, 1]]
    model = BraxPhaseModel().fit(x, [1.0, 1.2])  # more envs slower: no negative per-step latency
    assert np.all(model.coef_ >= 0)
    with pytest.raises(ValueError):
        BraxPhaseModel().fit(x[:1], [1.0])
    with pytest.raises(ValueError):
        BraxPhaseModel().fit(x, [1.0, -1.0])
