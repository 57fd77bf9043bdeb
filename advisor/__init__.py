"""advisor: measured profiles in, the fastest config that fits out. The CLI (:mod:`advisor.cli`),
the catalog of profiles, and one subpackage per workload kind under :mod:`advisor.kinds`."""
