"""A user's own gymnasium env for the RLlib kind: ``--env package.module:EnvClass``.

The value is a gymnasium entry point (the form ``gymnasium.register(entry_point=...)`` takes).
:func:`check_entry_point` refuses one that cannot work in one line naming the fix (exit 2)
before anything starts: malformed, a module that cannot be imported, a missing attribute, a class
that is no ``gymnasium.Env``, or an env that cannot be built with no arguments. It returns the
folder the module imports from, which the measuring children (run in their own folders) and
Ray's env runners get on ``PYTHONPATH`` (:func:`import_root_on_path`).

In the measuring child, :func:`rllib_env` registers the entry point with Ray's env registry under
its own text, so every env runner builds the env with ``load_env_creator(entry_point)(**env_config)``.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from profiler.errors import BadInput

_ENTRY_POINT = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def is_entry_point(env: str) -> bool:
    """``package.module:EnvClass`` rather than a registered id (ids have no colon, except gymnasium's
    ``module:EnvId`` form, which names a registered id after importing its module)."""
    return ":" in env and not any(c in env for c in "/-")


def _fix(env: str, problem: str, fix: str) -> BadInput:
    return BadInput(f"--env {env!r}: {problem}; {fix}")


def check_entry_point(env: str) -> Path | None:
    """Import ``package.module``, find ``EnvClass`` and build the env once; returns the folder
    the module was imported from (``None`` for an installed one). Bad input names the fix."""
    if not _ENTRY_POINT.match(env):
        raise _fix(env, "not an entry point", "write package.module:EnvClass, e.g. my_envs.grid:GridEnv")
    module_name, attribute = env.split(":")
    if str(Path.cwd()) not in sys.path and "" not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # as `python -c` would: the module may sit where you run advisor
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and not (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise _fix(env, f"importing {module_name} failed ({exc})", f"install {exc.name}") from None
        raise _fix(env, f"cannot import {module_name} ({exc})",
                   "run advisor from the folder that holds it, or add that folder to PYTHONPATH") from None
    except Exception as exc:  # the user's module raised while importing
        raise _fix(env, f"importing {module_name} failed ({type(exc).__name__}: {exc})", "fix the module") from None
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            import gymnasium

            found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, gymnasium.Env)
                           and v.__module__ == module.__name__)
            hint = f"its envs: {', '.join(f'{module_name}:{n}' for n in found)}" if found else \
                "name a gymnasium.Env class defined there"
            raise _fix(env, f"{module_name} has no {attribute}", hint)
    _build_once(env, target)
    return _import_root(module_name, module)


def _build_once(env: str, target: Any) -> None:
    import gymnasium

    if isinstance(target, type) and not issubclass(target, gymnasium.Env):
        raise _fix(env, f"{target.__name__} is not a gymnasium.Env subclass", "give a gymnasium.Env class")
    if not callable(target):
        raise _fix(env, "not a class or function", "give a gymnasium.Env class, or a function returning an env")
    try:
        instance = target()
    except Exception as exc:
        raise _fix(env, f"building it with no arguments failed ({type(exc).__name__}: {exc})",
                   "give its arguments defaults, or wrap it in a function that builds it") from None
    try:
        if not isinstance(getattr(instance, "observation_space", None), gymnasium.spaces.Space) or \
                not isinstance(getattr(instance, "action_space", None), gymnasium.spaces.Space):
            raise _fix(env, "the env it builds has no observation_space and action_space",
                       "set both to gymnasium.spaces in its __init__")
    finally:
        close = getattr(instance, "close", None)
        if callable(close):
            close()


def _import_root(module_name: str, module: Any) -> Path | None:
    """The sys.path folder ``module_name`` was imported from, unless it is installed (site-packages)."""
    origin = getattr(module, "__file__", None)
    if not origin:
        return None
    root = Path(origin).resolve().parent
    for _ in range(module_name.count(".") + (1 if Path(origin).name == "__init__.py" else 0)):
        root = root.parent
    return None if "site-packages" in root.parts or "dist-packages" in root.parts else root


def import_root_on_path(root: Path | None) -> None:
    """Put ``root`` first on ``PYTHONPATH`` of this process's children (the measuring children and,
    through them, Ray's local env runners)."""
    if root is None:
        return
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(root) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(root), *parts])


def rllib_env(env: str) -> str:
    """The ``config.environment`` value for ``env``: a registered gymnasium id as it is; an entry
    point registered with Ray's env registry (under its own text) first."""
    if not is_entry_point(env):
        return env
    from ray.tune.registry import register_env

    def create(env_config: Any) -> Any:  # pickled by value to every env runner
        from gymnasium.envs.registration import load_env_creator

        return load_env_creator(env)(**dict(env_config or {}))

    register_env(env, create)
    return env
