"""Measurement: the machine's fingerprint, the profile store, the sweep engine every workload kind
shares (:mod:`profiler.engine`, :mod:`profiler.child`, :mod:`profiler.runner`) and one subpackage
per kind under :mod:`profiler.kinds` (its section schema, sweep and measuring child)."""
