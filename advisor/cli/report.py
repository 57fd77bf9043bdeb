"""``advisor report``: a dashboard PNG and a text report of a profile (this command imports matplotlib)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer

from advisor import catalog
from advisor.console import out, print_json, write_output
from advisor.errors import BadInput


def report(
    profile: Annotated[str, typer.Option(help="Profile name (see 'advisor profile list').")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write NAME-dashboard.png and NAME-report.txt into.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the written paths as JSON (nothing else).")] = False,
) -> int:
    """Write a dashboard PNG (RLlib env steps/s vs runners with the fitted scaling curve, speedup vs ideal,
    parallel efficiency with the rating bands, seconds per iteration; MJX and command throughput and memory
    curves, and a command's fixed cost, when the profile has them) and a text report (the numbers, in env steps/s and seconds, and what they mean)."""
    loaded, _origin = catalog.load(profile)
    if not loaded.kinds:
        raise BadInput(f"profile {profile!r} has no measurements to report")
    if output.exists() and not output.is_dir():
        raise BadInput(f"-o {output} is a file; give a folder to write the report into")
    from profiler.extras import require_extra

    require_extra("advisor report", "app", ("matplotlib",))
    from advisor.dashboard import build_dashboard, layout
    from advisor.text_report import report_lines

    drawn = layout(loaded)
    if not drawn.panels:
        raise BadInput(f"profile {profile!r} has no successful measurements to draw")
    figure = build_dashboard(loaded, drawn)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    png = output / f"{loaded.name}-dashboard.png"
    txt = output / f"{loaded.name}-report.txt"
    write_output(png, buffer.getvalue())
    write_output(txt, "\n".join(report_lines(loaded)) + "\n")
    if json_output:
        print_json({"dashboard_png": str(png), "report_txt": str(txt), "panels": [ax.get_title() for ax in figure.axes]})
    else:
        out.print(f"wrote {png} ({len(figure.axes)} panels) and {txt}")
    return 0
