"""The ``command`` workload kind on the advising side: a user's own training command, tuned over
``num_envs``; recommend prints the exact command line to run."""

from advisor.kinds.command.kind import KIND

__all__ = ["KIND"]
