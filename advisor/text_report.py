"""The text report of a profile: what was measured, how, each kind's fit and what it means.

Pure: returns lines. Each workload kind writes its own section of the report
(:meth:`advisor.workload.WorkloadKind.report_lines`).
"""

from __future__ import annotations

from advisor.kinds import by_report_rank
from profiler.profile import Profile


def report_lines(profile: Profile) -> list[str]:
    lines = [f"advisor report: {profile.name} ({profile.source}, created {profile.created or 'unknown'})",
             f"hardware: {profile.hardware.summary}"]
    if profile.software:
        lines.append("software: " + ", ".join(f"{k} {v}" for k, v in sorted(profile.software.items())))
    lines += [f"note: {n}" for n in profile.notes]
    for kind in by_report_rank():
        section = profile.section(kind.name)
        if section is not None:
            lines += [""] + kind.report_lines(section)
    return lines
