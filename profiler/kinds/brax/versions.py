"""Which brax and jax releases train together. Pure: versions in, a sentence naming the fix out.

brax 0.14.2 and earlier call a jax function that jax 0.10 removed: ``ppo.train`` stops with an
``AttributeError`` before its first epoch on jax >= 0.10 (google/brax#671; fixed on Brax's main
branch, not in a release yet). advisor never changes a library at run time, so such an environment
cannot calibrate or train Brax; ``advisor doctor`` and ``advisor calibrate brax`` say so and how to
fix it: the known-good set advisor is tested with (:mod:`profiler.known_good`).
"""

from __future__ import annotations

import re

from profiler.extras import install_command
from profiler.known_good import KNOWN_GOOD

#: The newest brax release that fails on jax >= :data:`JAX_BREAKS`.
LAST_BROKEN_BRAX = (0, 14, 2)
#: The first jax release without the function those brax releases call.
JAX_BREAKS = (0, 10)


def release(version: str) -> tuple[int, ...]:
    """``"0.10.2+cuda12"`` -> ``(0, 10, 2)``: the leading numeric release segments."""
    found = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in found.group(0).split(".")) if found else ()


def fix_command() -> str:
    """The pip command that installs the known-good jax (and the flax that still runs on it)."""
    return (f"pip install 'jax=={KNOWN_GOOD['jax']}' 'jaxlib=={KNOWN_GOOD['jaxlib']}' "
            f"'flax=={KNOWN_GOOD['flax']}'")


def broken_pair(versions: dict[str, str]) -> str | None:
    """Why Brax cannot train with these installed versions (``{"brax": ..., "jax": ...}``), naming
    the fix; ``None`` when brax or jax is absent or the pair works."""
    brax, jax = versions.get("brax"), versions.get("jax")
    if not brax or not jax:
        return None
    if release(brax) > LAST_BROKEN_BRAX or release(jax) < JAX_BREAKS:
        return None
    return (f"brax {brax} with jax {jax}: Brax's ppo.train fails on jax >= 0.10, which removed a jax function "
            f"brax up to 0.14.2 calls (google/brax#671, fixed on Brax's main branch, not released yet); install "
            f"the jax advisor is tested with: {fix_command()} (with a GPU, e.g. 'jax[cuda12]=={KNOWN_GOOD['jax']}'), "
            f"or {install_command('brax')}, whose brax extra keeps jax below 0.10")
