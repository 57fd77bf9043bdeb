"""advisor's distribution on PyPI, its optional extras, and the one-line refusal of a command
whose extra is not installed (exit 2, naming the ``pip install`` that fixes it).

The distribution is ``rl-throughput-advisor`` (``advisor`` on PyPI is an unrelated project); the
import packages and the ``advisor`` command keep their names. Only ``importlib.util.find_spec``
runs here, so a check imports nothing heavy."""

from __future__ import annotations

from importlib.util import find_spec

from profiler.errors import BadInput

#: The name to ``pip install``.
DISTRIBUTION = "rl-throughput-advisor"

#: extra -> (what it enables, the top-level modules it installs that advisor imports).
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mjx": ("calibrate mjx and verify (JAX, MuJoCo/MJX, flax, optax)", ("jax", "mujoco", "flax", "optax")),
    "rllib": ("calibrate rllib (Ray RLlib, gymnasium with MuJoCo, torch)", ("ray", "gymnasium", "torch")),
    "brax": ("calibrate brax (Brax PPO, MuJoCo Playground; Python >= 3.11)", ("jax", "brax", "mujoco_playground")),
    "app": ("explore and report (Streamlit, matplotlib)", ("streamlit", "matplotlib")),
}


def install_command(extra: str) -> str:
    """The command that installs ``extra``, e.g. ``pip install 'rl-throughput-advisor[mjx]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing_modules(extra: str, modules: tuple[str, ...] | None = None) -> list[str]:
    """The modules of ``extra`` (or just ``modules`` of it) that cannot be imported here."""
    wanted = modules if modules is not None else EXTRAS[extra][1]
    return [name for name in wanted if find_spec(name) is None]


def require_extra(command: str, extra: str, modules: tuple[str, ...] | None = None) -> None:
    """Refuse ``command`` in one line (exit 2) when a module it needs from ``extra`` is missing."""
    missing = missing_modules(extra, modules)
    if missing:
        raise BadInput(f"'{command}' needs {', '.join(missing)}, from the {extra} extra: {install_command(extra)}"
                       + (" (Python >= 3.11)" if extra == "brax" else ""))
