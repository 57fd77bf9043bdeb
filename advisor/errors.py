"""The error hierarchy as the advisor layer imports it: the same classes as
:mod:`profiler.errors` (one hierarchy, defined once in the lowest layer)."""

from __future__ import annotations

from profiler.errors import (
                             EXIT_BAD_INPUT,
                             EXIT_FAILURE,
                             EXIT_INTERRUPTED,
                             EXIT_OK,
                             AdvisorError,
                             BadInput,
                             CalibrationInterrupted,
                             ImportFormatError,
                             NoRecommendation,
                             ProfileError,
                             ProfileFormatError,
                             WorkloadSpecError,
)

__all__ = ["EXIT_OK", "EXIT_FAILURE", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "AdvisorError", "BadInput",
           "ProfileError", "ProfileFormatError", "WorkloadSpecError", "ImportFormatError", "NoRecommendation",
           "CalibrationInterrupted"]
