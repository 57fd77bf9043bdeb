"""MuJoCo Menagerie for Playground's locomotion and manipulation envs: where Playground looks for
it, and whether a calibration can go ahead.

Playground's locomotion and manipulation envs (Go1, G1, Spot, Panda, Leap, ...) load robot models
and meshes from MuJoCo Menagerie at ``mjx_env.MENAGERIE_PATH``
(``site-packages/external_deps/mujoco_menagerie`` of an installed Playground). When that folder
does not exist, Playground's ``registry.load`` git-clones Menagerie there first
(``mjx_env.ensure_menagerie_exists``: ``git clone`` of :data:`URL`, then a checkout of the
commit it pins) and uses it from then on; it tests nothing but that the folder exists.

advisor decides at run time, before any point runs: Menagerie present where Playground looks, go
ahead; absent, fetch it the way Playground does (its own function, in a child process); only when
that fails, refuse in one line that says where Menagerie must be and the commands that put it
there. Pure: nothing here imports Playground; the fetch is passed in.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from profiler.errors import WorkloadSpecError

#: Playground's env families whose envs load MuJoCo Menagerie.
NEEDS_MENAGERIE = ("locomotion", "manipulation")
#: The repository Playground clones (``mjx_env.ensure_menagerie_exists``, playground 0.2.0).
URL = "https://github.com/deepmind/mujoco_menagerie.git"


@dataclass(frozen=True)
class Menagerie:
    """Where Playground looks for Menagerie (``path``: its ``mjx_env.MENAGERIE_PATH``) and the
    commit it checks out (``mjx_env.MENAGERIE_COMMIT_SHA``)."""

    path: str
    commit: str

    @property
    def present(self) -> bool:
        """Playground's own test: the folder exists."""
        return Path(self.path).exists()

    def clone_command(self) -> str:
        """The shell commands that put Menagerie where Playground looks, as Playground would."""
        where = shlex.quote(self.path)
        return f"git clone {URL} {where} && git -C {where} checkout {self.commit}"


def ensure(menagerie: Menagerie, env: str, family: str, fetch: Callable[[], str | None]) -> str:
    """``"present"`` when Menagerie is where Playground looks; else ``fetch()`` (``None`` on
    success, else why not) and ``"fetched"`` when the folder is there afterwards. Raises
    :class:`WorkloadSpecError` (one line, exit 2) naming where Menagerie must be and how to clone
    it when it is absent and the fetch failed."""
    if menagerie.present:
        return "present"
    problem = fetch()
    if problem is None and menagerie.present:
        return "fetched"
    why = " ".join((problem or "it finished without creating the folder").split())
    raise WorkloadSpecError(
        f"--env {env} is a Playground {family} env: it loads MuJoCo Menagerie from {menagerie.path}, which is "
        f"absent, and fetching it as Playground does failed ({why}); put it there with: {menagerie.clone_command()}")
