"""The profile store: JSON files in ``$ADVISOR_HOME/profiles``, written atomically.

Reading never executes or unpickles anything: files go through ``json.loads`` and a strict
schema check (:mod:`profiler.serde`). A file that fails to parse is reported with its path and
left untouched; writers refuse to replace it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from profiler.errors import ProfileFormatError
from profiler.files import read_regular
from profiler.kinds import facts_by_kind, section_types
from profiler.profile import SCHEMA_VERSION, Profile
from profiler.serde import DecodeError, from_jsonable, to_jsonable

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_PROFILE_BYTES = 64 * 1024 * 1024


def advisor_home() -> Path:
    """``$ADVISOR_HOME`` if set, else the platform's user data directory for advisor."""
    env = os.environ.get("ADVISOR_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("advisor", appauthor=False))


def profiles_dir() -> Path:
    return advisor_home() / "profiles"


def check_name(name: str) -> str:
    """Profile names are file names: letters, digits, '.', '_' and '-', at most 64 characters."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ProfileFormatError(
            f"profile name {name!r} is not allowed: use letters, digits, '.', '_' or '-' "
            "(at most 64 characters), e.g. --name my-gpu"
        )
    return name


def profile_path(name: str) -> Path:
    return profiles_dir() / f"{check_name(name)}.json"


def local_profile_names() -> list[str]:
    folder = profiles_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if _NAME.match(p.stem))


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v3 adds ``races`` (absent: none), which a v2 file cannot hold: nothing to change."""
    return data


#: version -> function bringing a parsed profile of that version to the next one, besides the
#: kinds' own changes to their sections (:attr:`profiler.kinds.facts.KindFacts.section_upgrades`;
#: v2 changed only a kind's section)
MIGRATIONS = {2: _v2_to_v3}


def _next_version(data: dict[str, Any], version: int) -> dict[str, Any]:
    """``data`` (a parsed profile of ``version``) brought to the next version: the profile's
    change, then each kind's change to its section (a JSON object; anything else is left to the
    schema check)."""
    step = MIGRATIONS.get(version)
    if step is not None:
        data = step(data)
    for kind, facts in facts_by_kind().items():
        upgrade = facts.section_upgrades.get(version)
        section = data.get(kind)
        if upgrade is not None and isinstance(section, dict):
            upgrade(section)
    return data


def migrate(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Bring a parsed profile of an older schema up to :data:`SCHEMA_VERSION`, step by step."""
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProfileFormatError(f"{where}: not an advisor profile (no integer schema_version)")
    if version > SCHEMA_VERSION:
        raise ProfileFormatError(
            f"{where}: schema_version {version} is newer than this advisor understands "
            f"({SCHEMA_VERSION}); upgrade advisor"
        )
    if version < 1:
        raise ProfileFormatError(f"{where}: schema_version {version} is not a valid version")
    while version < SCHEMA_VERSION:
        data = _next_version(data, version)
        version += 1
    data["schema_version"] = version
    return data


def profile_from_json_text(text: str | bytes, where: str) -> Profile:
    """Parse and validate profile JSON; raise :class:`ProfileFormatError` naming ``where``."""
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileFormatError(f"{where}: not valid JSON ({exc}); restore or delete the file") from None
    except RecursionError:
        raise ProfileFormatError(f"{where}: JSON nested too deeply; restore or delete the file") from None
    if not isinstance(data, dict):
        raise ProfileFormatError(f"{where}: not an advisor profile (top level is not an object)")
    data = migrate(data, where)
    try:
        return decode_profile(data)
    except DecodeError as exc:
        raise ProfileFormatError(f"{where}: invalid profile: {exc}") from None
    except RecursionError:
        raise ProfileFormatError(f"{where}: JSON nested too deeply; restore or delete the file") from None


def decode_profile(data: dict[str, Any]) -> Profile:
    """A :class:`Profile` from parsed, migrated JSON. Each workload kind's section is the value
    of the top-level key named after the kind (``null`` or absent: none), decoded by that kind's
    schema (:mod:`profiler.kinds`)."""
    data = dict(data)
    sections = {}
    for kind, cls in section_types().items():
        value = data.pop(kind, None)
        if value is not None:
            sections[kind] = from_jsonable(cls, value, f"profile.{kind}")
    data.pop("sections", None)
    profile = from_jsonable(Profile, data, "profile")
    return dataclasses.replace(profile, sections=sections)


def load_profile_file(path: Path) -> Profile:
    """The profile in the file at ``path``: a regular file of at most :data:`MAX_PROFILE_BYTES`
    (a FIFO, device or folder is refused before anything is read), parsed and validated."""
    raw = read_regular(path, MAX_PROFILE_BYTES, error=ProfileFormatError,
                       fix="restore or delete it (advisor reads profiles from regular files only)")
    return profile_from_json_text(raw, str(path))


def profile_to_json_text(profile: Profile) -> str:
    return json.dumps(to_jsonable(profile), indent=1, allow_nan=False) + "\n"


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` via a temporary file in the same folder, fsync and
    rename: a reader sees the old file or the new one, never a part, and nothing is removed
    first. A failure (a full disk, a read-only folder, a name too long) leaves the old file as it
    was and raises an ``OSError`` that names ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # the permissions a plain open() would give, not mkstemp's 0600
    try:
        binary = isinstance(text, bytes)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):  # the same error (errno, subclass), naming the file it was for
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise


def stale_temporaries(path: Path) -> list[Path]:
    """Temporary files :func:`write_atomic` left beside ``path`` when its process was killed
    between writing and renaming (only safe to remove while holding ``path``'s profile lock)."""
    try:
        return [p for p in path.parent.glob(f".{path.name}.*.tmp") if p.is_file() and not p.is_symlink()]
    except OSError:
        return []


def save_profile(profile: Profile, path: Path | None = None, *, replace_damaged: bool = False) -> Path:
    """Save atomically to ``path`` (default: the store). Refuses to replace an unreadable file,
    unless ``replace_damaged`` (``profile import --force``: the user asked to replace it). The old
    file stays in place until the new one replaces it in one rename."""
    target = path or profile_path(profile.name)
    if target.exists() and not replace_damaged:
        load_profile_file(target)  # raises if the existing file is damaged: never overwrite it
    write_atomic(target, profile_to_json_text(profile))
    for leftover in stale_temporaries(target):
        try:
            leftover.unlink()
        except OSError:
            pass
    return target
