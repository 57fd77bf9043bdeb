"""Whether a user's LocoMuJoCo conf trains the model and physics a profile measured.

A LocoMuJoCo conf names its env in ``experiment.env_params.env_name`` (``MjxUnitreeGo2.walk``:
the env class, then the task) and may override the env's ``n_substeps`` and ``timestep`` in
``experiment.env_params``. The env classes' own physics are LocoMuJoCo's (``../shared/FIELD.md``,
read from its sources): Go2 runs 5 mjx.step calls per env step at 0.002 s with solver iterations
8 and line-search iterations 12, H1 5 calls with 2 and 4. A profile records its model (a shipped
name or the path of an MJCF file) and the physics it ran (:class:`MjxWorkload.physics`).

:func:`differences` compares the two, setting by setting, where both are known (a profile setting
left at the MJCF's own value is not compared); :func:`note` says so in one line that names the
calibration that would measure the conf's workload.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from profiler.checks import LIMITS
from profiler.kinds.mjx.schema import MjxWorkload

#: LocoMuJoCo env class (without ``Mjx``) -> the physics it runs unless the conf overrides it.
LOCOMUJOCO_PHYSICS: dict[str, dict[str, int | float]] = {
    "UnitreeGo2": {"n_substeps": 5, "timestep": 0.002, "solver_iterations": 8, "ls_iterations": 12},
    "UnitreeH1": {"n_substeps": 5, "solver_iterations": 2, "ls_iterations": 4},
}
#: physics settings a conf's ``env_params`` may set (keyword arguments of LocoMuJoCo's envs)
CONF_SETTINGS = ("n_substeps", "timestep")
#: the ``advisor calibrate mjx`` option of each setting
OPTIONS = {"n_substeps": "--n-substeps", "timestep": "--timestep", "solver_iterations": "--solver-iterations",
           "ls_iterations": "--ls-iterations"}


@dataclass(frozen=True)
class Difference:
    """One setting where the conf and the profile differ: ``model`` or a physics setting, the
    profile's value and the conf's."""

    setting: str
    profile: Any
    conf: Any


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def env_class(env_name: str) -> str:
    """``MjxUnitreeGo2.walk`` -> ``UnitreeGo2``."""
    name = env_name.split(".", 1)[0]
    return name[3:] if name.startswith("Mjx") else name


def same_robot(model: str, env_name: str) -> bool:
    """Whether the profile's ``model`` (a shipped name or an MJCF path, e.g. LocoMuJoCo's
    ``unitree_go2/go2.xml``) is the robot of ``env_name``."""
    robot = _key(env_class(env_name))
    path = PurePath(model)
    names = [_key(path.stem), _key(path.parent.name)] if path.suffix.lower() == ".xml" else [_key(model)]
    return any(n and (n == robot or (len(n) >= 2 and robot.endswith(n)) or (len(n) >= 4 and robot.startswith(n)))
               for n in names)


def conf_physics(data: dict[str, Any]) -> tuple[str | None, dict[str, int | float]]:
    """``(env_name, physics)`` of a loaded conf: the env's known physics with the conf's overrides."""
    params = (data.get("experiment") or {}).get("env_params") or {}
    if not isinstance(params, dict):
        return None, {}
    env_name = params.get("env_name")
    env_name = env_name if isinstance(env_name, str) and env_name.strip() else None
    physics = dict(LOCOMUJOCO_PHYSICS.get(env_class(env_name), {})) if env_name else {}
    for name in CONF_SETTINGS:
        value = params.get(name)
        # a setting beyond what a profile may hold (or nan, inf) says nothing comparable: left out
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= LIMITS[name]:
            physics[name] = value
    return env_name, physics


def differences(workload: MjxWorkload, data: dict[str, Any]) -> tuple[str | None, list[Difference]]:
    """``(env_name, differences)`` between a loaded conf and the profile's workload."""
    env_name, physics = conf_physics(data)
    found = []
    if env_name and not same_robot(workload.model, env_name):
        found.append(Difference("model", workload.model, env_class(env_name)))
    for name, wanted in physics.items():
        measured = getattr(workload, name)
        if measured is not None and not math.isclose(measured, wanted, rel_tol=1e-9):
            found.append(Difference(name, measured, wanted))
    return env_name, found


def note(workload: MjxWorkload, data: dict[str, Any], where: str) -> str | None:
    """One line saying which of model and physics differ between the conf at ``where`` and the
    profile, and the calibration that would measure the conf's; ``None`` when nothing known differs."""
    env_name, found = differences(workload, data)
    if not found:
        return None
    what = env_name or where
    parts = [f"{d.setting} {d.profile:g} (yours: {d.conf:g})" if d.setting != "model" else
             f"model {PurePath(d.profile).name} (yours: {d.conf})" for d in found]
    other_robot = any(d.setting == "model" for d in found)
    # another robot: all of its known physics, as the README's recipe; else the settings that differ
    settings = conf_physics(data)[1] if other_robot else {d.setting: d.conf for d in found}
    fix = " ".join(f"{OPTIONS[name]} {value:g}" for name, value in settings.items())
    model = " --model <your robot's MJCF>" if other_robot else ""
    return (f"{what} is not the workload the profile measured: {', '.join(parts)}; predictions are for the "
            f"profile's workload; measure yours with advisor calibrate mjx{model}{' ' + fix if fix else ''}")


def with_physics_note(rec: Any, workload: MjxWorkload, data: dict[str, Any] | None, where: str) -> Any:
    """The recommendation with :func:`note` added to its notes (which recommend prints with the
    conf and ``--json`` carries); unchanged without a base conf or a difference."""
    import dataclasses

    line = note(workload, data, where) if data is not None else None
    return rec if line is None else dataclasses.replace(rec, notes=(*rec.notes, line))
