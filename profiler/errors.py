"""Errors raised by the measuring side. Each message names the fix.

``bad_input`` tells the CLI whether the user caused it (exit 2) or the run failed (exit 1).
"""

from __future__ import annotations


class ProfilerError(Exception):
    bad_input = False


class ProfileFormatError(ProfilerError):
    """A profile file is missing, unreadable, corrupted, truncated or not an advisor profile."""

    bad_input = True


class WorkloadSpecError(ProfilerError):
    """A workload or sweep setting is invalid (unknown model, non-divisible minibatches, ...)."""

    bad_input = True


class ImportFormatError(ProfilerError):
    """A CSV file given to ``advisor profile import`` is invalid; names the row and column."""

    bad_input = True
