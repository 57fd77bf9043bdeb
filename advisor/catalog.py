"""Where profiles come from: the user's store and the defaults shipped in the package.

Resolution for commands that take ``--profile``: a local profile of that name, else a shipped
one. Without ``--profile``: the newest profile calibrated on this machine (same GPU, or same
CPU when there is no GPU) that has the needed kind's section, else the shipped default the kind
finds closest to this machine; the answer says which and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from advisor.errors import BadInput, ProfileError, ProfileFormatError
from advisor.workload import WorkloadKind
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
    return profile_from_json_text(text, f"shipped profile {name}")


def list_refs() -> list[ProfileRef]:
    refs = [ProfileRef(n, "local", str(profile_path(n))) for n in local_profile_names()]
    refs += [ProfileRef(n, "shipped", f"advisor/defaults/{n}.json") for n in shipped_names()]
    return refs


def load(name: str) -> tuple[Profile, str]:
    """Load a profile by name: local first, then shipped. Returns ``(profile, origin)``."""
    check_name(name)
    path = profile_path(name)
    if path.exists():
        return load_profile_file(path), "local"
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


def usable(profile: Profile, kind: WorkloadKind) -> bool:
    """The profile's ``kind`` section can be fitted (an interrupted or failed sweep cannot)."""
    section = profile.section(kind.name)
    return section is not None and kind.usable(section)


def default_profile(kind: WorkloadKind, here: Hardware | None = None) -> tuple[Profile, str, str]:
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
    shipped = [p for p in shipped if p.section(kind.name) is not None]
    if not shipped:
        raise ProfileError(f"no {kind.name} profile available; run 'advisor calibrate {kind.name}' first")
    chosen = min(shipped, key=lambda p: kind.distance(here, p))
    what = here.gpu_name or f"{here.cpu_logical_cores or '?'}-thread CPU"
    return chosen, "shipped", (f"shipped default closest to this machine ({what}); "
                               f"run 'advisor calibrate {kind.name}' for numbers measured here")


def check_profile_option(name: str | None) -> None:
    """``--profile ''`` is bad input that says so (not a complaint about the name's characters)."""
    if name is not None and not name.strip():
        raise BadInput("--profile is empty; name a profile (see 'advisor profile list') or leave --profile out")


def resolve_profile(name: str | None, kind: WorkloadKind) -> tuple[Profile, str]:
    """``(profile, note)`` from ``--profile`` or the default rule (module docstring); a named
    profile without ``kind``'s section is bad input naming the kinds it has."""
    check_profile_option(name)
    if name:
        profile, origin = load(name)
        if profile.section(kind.name) is None:
            other = [k for k in profile.kinds if k != kind.name]
            hint = f"; it has {other[0]} measurements: add --kind {other[0]}" if other else ""
            # a shipped profile cannot take a calibration's points: name a profile of the user's own
            target = name if origin != "shipped" else f"{kind.name}-profile"
            raise BadInput(f"profile {name!r} has no {kind.name} measurements{hint}; or run 'advisor calibrate "
                           f"{kind.name} --name {target}', or pick another with --profile")
        return profile, f"{origin} profile"
    profile, _origin, why = default_profile(kind)
    return profile, why
