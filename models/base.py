"""scikit-learn's estimator conventions without importing scikit-learn (it costs ~1.5 s to
import, and ``advisor recommend`` must answer in well under a second).

``__init__`` only stores parameters; ``fit`` learns attributes ending in ``_`` and returns
``self``; ``predict`` checks the estimator is fitted. ``get_params``/``set_params`` make the
estimators work with ``sklearn.base.clone`` and model-selection tools.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised by ``predict`` before ``fit`` (same bases as scikit-learn's)."""


class Estimator:
    """Minimal BaseEstimator: parameters are the ``__init__`` keyword arguments."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __sklearn_tags__(self) -> Any:  # lets scikit-learn's tools treat these as regressors
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=True),
                    regressor_tags=RegressorTags())


def check_is_fitted(estimator: Estimator, attribute: str) -> None:
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet; call fit first")


def as_1d(x: Any, name: str = "X") -> np.ndarray:
    """Accept a 1-D array or an ``(n, 1)`` column (scikit-learn's X) of positive finite values."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D or a single column, got shape {arr.shape}")
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr <= 0)):
        raise ValueError(f"{name} must hold positive finite values")
    return arr


def distinct(values: Any) -> np.ndarray:
    """The sorted distinct values of ``values`` (flattened), as ``np.unique`` gives them for the
    finite numbers the models see. ``np.unique`` imports ``numpy.ma`` on first use, 30-70 ms of a
    command's start, which ``advisor recommend`` cannot spare."""
    a = np.sort(np.ravel(np.asarray(values)))
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if a.size else a
