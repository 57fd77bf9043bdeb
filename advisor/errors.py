"""Typed errors that name their fix.

Every error a user can cause derives from :class:`AdvisorError`. The CLI turns it into one
line on stderr and its ``exit_code``; nothing else in the code base prints or exits.
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


class ProfileError(BadInput):
    """A profile is missing, unreadable, corrupted or of the wrong kind."""


class NoRecommendation(AdvisorError):
    """No configuration satisfies the constraints; carries the reason (exit 1)."""


class CalibrationInterrupted(AdvisorError):
    """Ctrl-C or SIGTERM stopped a sweep; finished points are kept."""

    exit_code = EXIT_INTERRUPTED
