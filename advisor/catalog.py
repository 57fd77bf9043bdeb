"""Where profiles come from: the user's store and the defaults shipped in the package.

Resolution for commands that take ``--profile``: a local profile of that name, else a shipped
one. Without ``--profile``: the newest profile calibrated on this machine (same GPU, or same
CPU when there is no GPU) that has the needed section, else the closest shipped default; the
answer says which and why.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from advisor.errors import ProfileError
from profiler.errors import ProfileFormatError
from profiler.hardware import fingerprint
from profiler.profile import Hardware, Profile
from profiler.store import (
    check_name,
    load_profile_file,
    local_profile_names,
    profile_from_json_text,
    profile_path,
)


@dataclass(frozen=True)
class ProfileRef:
    name: str
    origin: str  # "local" or "shipped"
    path: str


def shipped_names() -> list[str]:
    folder = resources.files("advisor.defaults")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_shipped(name: str) -> Profile:
    resource = resources.files("advisor.defaults") / f"{name}.json"
    try:
        text = resource.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise ProfileError(f"no shipped profile {name!r}; 'advisor profile list' shows them") from None
    try:
        return profile_from_json_text(text, f"shipped profile {name}")
    except ProfileFormatError as exc:
        raise ProfileError(str(exc)) from None


def list_refs() -> list[ProfileRef]:
    refs = [ProfileRef(n, "local", str(profile_path(n))) for n in local_profile_names()]
    refs += [ProfileRef(n, "shipped", f"advisor/defaults/{n}.json") for n in shipped_names()]
    return refs


def load(name: str) -> tuple[Profile, str]:
    """Load a profile by name: local first, then shipped. Returns ``(profile, origin)``."""
    try:
        check_name(name)
    except ProfileFormatError as exc:
        raise ProfileError(str(exc)) from None
    path = profile_path(name)
    if path.exists():
        try:
            return load_profile_file(path), "local"
        except ProfileFormatError as exc:
            raise ProfileError(str(exc)) from None
    if name in shipped_names():
        return load_shipped(name), "shipped"
    known = ", ".join(r.name for r in list_refs()) or "none yet"
    raise ProfileError(f"no profile named {name!r} (known: {known}); run 'advisor calibrate' or "
                       "'advisor profile import', or pick one from 'advisor profile list'")


def version(name: str) -> tuple:
    """A cheap key that changes when profile ``name`` changes (for caches): where it is read from,
    and the file's size and modification time."""
    try:
        path = profile_path(name)
        stat = path.stat()
        return (str(path), stat.st_size, stat.st_mtime_ns)
    except (ProfileFormatError, OSError):
        return ("shipped" if name in shipped_names() else "missing", name)


def load_path(path: Path) -> Profile:
    try:
        return load_profile_file(path)
    except ProfileFormatError as exc:
        raise ProfileError(str(exc)) from None


def machine_slug(hw: Hardware) -> str:
    """A default profile name for this machine, e.g. ``nvidia-h100-80gb-hbm3`` or ``cpu-amd-epyc-2t``."""
    if hw.gpu_name:
        base = hw.gpu_name
    else:
        base = f"cpu {hw.cpu_model or 'unknown'} {hw.cpu_logical_cores or 0}t"
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    return (slug or "this-machine")[:64]


def same_machine(a: Hardware, b: Hardware) -> bool:
    if a.gpu_name or b.gpu_name:
        return a.gpu_name == b.gpu_name
    return a.cpu_model == b.cpu_model and a.cpu_logical_cores == b.cpu_logical_cores


def _distance(here: Hardware, profile: Profile, kind: str) -> float:
    """Smaller is closer: the kind of device first, then its name, then its size."""
    hw = profile.hardware
    if kind == "mjx" and profile.section("mjx") is not None:
        platform = profile.section("mjx").accelerator.platform
        wanted = "gpu" if here.gpu_name else "cpu"
        score = 0.0 if platform == wanted else 100.0
        if here.gpu_name and hw.gpu_name:
            score += 0.0 if hw.gpu_name == here.gpu_name else 10.0
            if here.gpu_memory_bytes and hw.gpu_memory_bytes:
                score += abs(math.log(hw.gpu_memory_bytes / here.gpu_memory_bytes))
        elif here.cpu_logical_cores and hw.cpu_logical_cores:
            score += abs(math.log(hw.cpu_logical_cores / here.cpu_logical_cores))
        return score
    if here.cpu_logical_cores and hw.cpu_logical_cores:
        return abs(math.log(hw.cpu_logical_cores / here.cpu_logical_cores))
    return 50.0


def usable(profile: Profile, kind: str) -> bool:
    """The profile's ``kind`` section has two or more successful points to fit (an interrupted or
    failed sweep does not)."""
    section = getattr(profile, kind)
    if section is None:
        return False
    keys = {p.num_envs if kind == "mjx" else p.key for p in section.ok_points}
    return len(keys) >= 2


def default_profile(kind: str, here: Hardware | None = None) -> tuple[Profile, str, str]:
    """``(profile, origin, why)`` for commands run without ``--profile``: the newest usable
    profile calibrated on this machine, else the closest shipped default."""
    here = here or fingerprint()
    local = []
    for name in local_profile_names():
        try:
            profile = load_profile_file(profile_path(name))
        except ProfileFormatError:
            continue  # reported by 'advisor profile list'; never chosen silently
        if usable(profile, kind) and profile.source == "calibrated" and same_machine(profile.hardware, here):
            local.append(profile)
    if local:
        chosen = max(local, key=lambda p: p.created)
        return chosen, "local", "calibrated on this machine"
    shipped = [load_shipped(n) for n in shipped_names()]
    shipped = [p for p in shipped if getattr(p, kind) is not None]
    if not shipped:
        raise ProfileError(f"no {kind} profile available; run 'advisor calibrate {kind}' first")
    chosen = min(shipped, key=lambda p: _distance(here, p, kind))
    what = here.gpu_name or f"{here.cpu_logical_cores or '?'}-thread CPU"
    return chosen, "shipped", (f"shipped default closest to this machine ({what}); "
                               f"run 'advisor calibrate {kind}' for numbers measured here")
