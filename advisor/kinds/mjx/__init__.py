"""The ``mjx`` kind on the advising side: recommendation, conf.yaml emitter, tables, report panels,
explorer page and the ``calibrate mjx`` command."""

from advisor.kinds.mjx.kind import KIND

__all__ = ["KIND"]
