"""MJCF models by short name, resolved without importing mujoco, gymnasium or jax.

Short names point at MJCF files shipped inside installed packages; any other value is taken as
the path of a user's MJCF file (parsed by MuJoCo later, never executed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from profiler.errors import WorkloadSpecError

#: short name -> (package, path inside the package)
SHIPPED_MODELS: dict[str, tuple[str, str]] = {
    "humanoid": ("mujoco", "mjx/test_data/humanoid/humanoid.xml"),
    "barkour_v0": ("mujoco", "mjx/test_data/barkour_v0/assets/barkour_v0_mjx.xml"),
    "ant": ("gymnasium", "envs/mujoco/assets/ant.xml"),
    "half_cheetah": ("gymnasium", "envs/mujoco/assets/half_cheetah.xml"),
    "hopper": ("gymnasium", "envs/mujoco/assets/hopper.xml"),
    "walker2d": ("gymnasium", "envs/mujoco/assets/walker2d.xml"),
}


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def resolve_model(name_or_path: str) -> Path:
    """Return the MJCF file for a short name or a path; raise naming the fix if there is none."""
    if name_or_path in SHIPPED_MODELS:
        package, inner = SHIPPED_MODELS[name_or_path]
        root = _package_dir(package)
        path = root / inner if root else None
        if path is None or not path.is_file():
            raise WorkloadSpecError(
                f"model {name_or_path!r} ships with the {package!r} package, which is not installed "
                f"here; install it or give the path of an MJCF file with --model"
            )
        return path
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() == ".xml" and path.is_file():
        return path.resolve()
    names = ", ".join(SHIPPED_MODELS)
    raise WorkloadSpecError(
        f"unknown model {name_or_path!r}: use one of {names} or the path of an existing MJCF .xml file"
    )


def check_model_loads(path: Path) -> None:
    """Parse a user's MJCF file with MuJoCo (its compiler only: nothing in it runs) so that a
    broken file is refused in one line before a sweep starts. Imports mujoco."""
    import mujoco

    try:
        model = mujoco.MjModel.from_xml_path(str(path))
    except Exception as exc:  # MuJoCo reports XML and compile errors as ValueError; any failure is the file's
        first = " ".join(str(exc).split())[:300]
        raise WorkloadSpecError(f"--model {path}: MuJoCo cannot load it ({first}); fix the MJCF file") from None
    if model.nu == 0:
        raise WorkloadSpecError(f"--model {path}: it has no actuators, so there is nothing for a policy to control; "
                                "give a model with actuators")
