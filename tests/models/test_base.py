"""``models.base.distinct``: the sorted distinct values np.unique gives, without its import of
numpy.ma on the fast commands' path."""

import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from models.base import distinct
from tests.conftest import ROOT


@given(st.lists(st.one_of(st.integers(-10**6, 10**6), st.floats(-1e9, 1e9, allow_nan=False)), max_size=60))
def test_distinct_is_np_unique_for_finite_values(values):
    got, want = distinct(values), np.unique(np.asarray(values))
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_distinct_of_a_grid_and_of_nothing():
    assert distinct(np.array([[4096, 64], [64, 1024]])).tolist() == [64, 1024, 4096]
    assert distinct([]).size == 0


def test_fitting_a_shipped_profile_does_not_import_numpy_ma():
    code = ("import sys; from advisor.catalog import load_shipped; from advisor.kinds.mjx.config_prediction import "
            "fit_mjx; fit_mjx(load_shipped('rtx3070-locomujoco').section('mjx')); print('numpy.ma' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"
