"""The ``rllib`` kind on the advising side: recommendation, PPOConfig/YAML emitters, tables,
report panels, explorer page and the ``calibrate rllib`` command."""

from advisor.kinds.rllib.kind import KIND

__all__ = ["KIND"]
