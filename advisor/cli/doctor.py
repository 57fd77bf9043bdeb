"""``advisor doctor``: is this machine ready to calibrate, and what would calibration measure?"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from advisor import kinds
from advisor.console import out, print_json
from advisor.console import table as new_table
from advisor.errors import EXIT_FAILURE
from profiler.serde import to_jsonable

STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


def doctor(json_output: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False) -> int:
    """Check the JAX backend and devices, JAX's memory variables, NVML, Ray and its CPUs, package versions
    against the known-good set and disk for the compilation cache, what else is using the CPUs (cores) and GPUs now,
    whether the CPU's own speed is steady (a fixed loop's CPU time per pass, ms, over 2 s) and which calibration locks are held (by whom); then say what 'advisor calibrate mjx'
    would measure here and roughly how long it would take (seconds)."""
    # the checks' modules (package metadata, process sampling) are loaded only when doctor runs, so the
    # other commands start without them
    from profiler import diagnose
    from profiler.diagnose_load import check_cpu_speed, check_gpu_processes, check_locks, check_other_cpu

    checks = []
    plans: dict[str, dict] = {}
    sentences = []
    for kind in kinds.kinds():
        kind_checks, plan, sentence = kind.doctor()
        checks += kind_checks
        if plan is not None:
            plans[kind.name] = plan
        if sentence:
            sentences.append(sentence)
    checks += [diagnose.check_preallocation(), diagnose.check_nvml(), *diagnose.check_kinds(), diagnose.check_home(),
               diagnose.check_disk()]
    checks += diagnose.check_versions()
    checks += [check for check in (check_other_cpu(), check_cpu_speed(), check_gpu_processes(), check_locks()) if check is not None]
    if json_output:
        first = next(iter(plans.values()), None)
        print_json({"checks": to_jsonable(checks), "calibration_plan": first, "calibration_plans": plans})
    else:
        table = new_table("advisor doctor", ("check", "status", "detail"))
        for c in checks:
            table.add_row(escape(c.name), f"[{STYLE[c.status]}]{c.status}[/{STYLE[c.status]}]", escape(c.detail))
        out.print(table)
        for sentence in sentences:
            out.print(sentence)
    return EXIT_FAILURE if any(c.status == "fail" for c in checks) else 0
