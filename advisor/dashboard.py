"""The dashboard figure of a profile (matplotlib, Agg): every kind's panels on one grid.

Each workload kind draws its own panels (:meth:`advisor.workload.WorkloadKind.dashboard_panels`):
RLlib's scaling curves, speedup, efficiency and iteration time; MJX's train_sps and memory
against num_envs. Every panel is titled; measured series are labelled ``measured, ...`` so their
data can be read back from the figure. A spare slot of the grid takes a kind's filler panel (the
RLlib fit in words). Builds a figure and returns it; saving is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.kinds import by_report_rank, kinds
from advisor.workload import Panel
from profiler.profile import Profile

#: Panel key -> title over every kind (tests and the text report refer to them).
TITLES = {key: title for kind in kinds() for key, title in kind.panel_titles.items()}


@dataclass(frozen=True)
class Layout:
    """What the dashboard of a profile draws: its ``panels`` in order, and ``fillers`` for spare slots."""

    panels: tuple[Panel, ...]
    fillers: tuple[Panel, ...]


def layout(profile: Profile) -> Layout:
    """Every panel the profile's kinds have data for (none without successful points), each kind's
    curves fitted once."""
    present = [(kind, profile.section(kind.name)) for kind in by_report_rank() if profile.section(kind.name) is not None]
    panels = tuple(panel for kind, section in present for panel in kind.dashboard_panels(section))
    fillers = tuple(f for f in (kind.filler_panel(section) for kind, section in present) if f is not None)
    return Layout(panels, fillers)


def build_dashboard(profile: Profile, drawn: Layout | None = None):
    """A matplotlib Figure of ``drawn`` (default: :func:`layout` of the profile); ``ValueError`` when
    there is no panel to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = drawn or layout(profile)
    panels = drawn.panels
    if not panels:
        raise ValueError(f"profile {profile.name!r} has no successful measurements to draw")
    rows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(13, 4.4 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        ax.set_title(panel.title)
        panel.draw(ax)
        ax.grid(True, alpha=0.3)
    spare = list(axes.flat)[len(panels):]
    for ax, filler in zip(list(spare), drawn.fillers):
        ax.set_title(filler.title)
        filler.draw(ax)
        spare.remove(ax)
    for ax in spare:
        fig.delaxes(ax)
    fig.suptitle(f"{profile.name}: {profile.hardware.summary} ({profile.source})", fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig
