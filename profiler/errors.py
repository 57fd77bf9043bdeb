"""advisor's one error hierarchy: typed errors that name their fix, each with its exit code.

Every error a user can cause, or a run can hit, derives from :class:`AdvisorError` and carries
its ``exit_code``: 1 a runtime failure, 2 bad input (the message names the fix), 130 interrupted.
The CLI prints one line and exits with that code; nothing else in the code base prints or exits,
and no layer translates one error into another. It lives in the lowest layer (the measuring
side) so that every package can raise it; :mod:`advisor.errors` is the same hierarchy.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class AdvisorError(Exception):
    """Base class: a message that already says what to do about it."""

    exit_code = EXIT_FAILURE


class BadInput(AdvisorError):
    """The user asked for something invalid; the message names the fix (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class ProfileFormatError(BadInput):
    """A profile is missing, unreadable, corrupted, truncated, not an advisor profile, or has no
    section of the kind asked for."""


#: The name the recommending side uses for the same error.
ProfileError = ProfileFormatError


class WorkloadSpecError(BadInput):
    """A workload or sweep setting is invalid (unknown model, non-divisible minibatches, ...)."""


class ImportFormatError(BadInput):
    """A CSV file given to ``advisor profile import`` is invalid; names the row and column."""


class NoRecommendation(AdvisorError):
    """No configuration satisfies the constraints; carries the reason (exit 1)."""


class CalibrationInterrupted(AdvisorError):
    """Ctrl-C or SIGTERM stopped a sweep; finished points are kept (exit 130)."""

    exit_code = EXIT_INTERRUPTED
