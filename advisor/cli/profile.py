"""``advisor profile list | show | import | delete``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor import catalog, kinds
from advisor.cli.options import options_for, with_kind_options
from advisor.console import out, print_json
from advisor.console import table as new_table
from advisor.errors import BadInput, ImportFormatError, ProfileFormatError
from profiler.profile import Profile
from profiler.serde import to_jsonable
from profiler.store import (
    check_name,
    load_profile_file,
    profile_from_json_text,
    profile_path,
    profile_to_json_text,
    save_profile,
)

#: The largest CSV ``profile import`` reads: far more rows than any sweep has, far less than memory.
MAX_CSV_BYTES = 16 * 1024 * 1024

app = typer.Typer(help="List, show, import and delete profiles (JSON files in $ADVISOR_HOME/profiles).",
                  no_args_is_help=True)


@app.command("list")
def list_profiles(json_output: Annotated[bool, typer.Option("--json", help="Print JSON (nothing else).")] = False) -> int:
    """List local and shipped profiles with what each one measured."""
    rows = []
    for ref in catalog.list_refs():
        try:
            profile = (catalog.load_shipped(ref.name) if ref.origin == "shipped"
                       else load_profile_file(Path(ref.path)))
            rows.append({"name": ref.name, "origin": ref.origin, "source": profile.source, "kinds": list(profile.kinds),
                         "device": _device(profile), "points": sum(len(s.points) for s in profile.sections.values()),
                         "created": profile.created, "path": ref.path, "error": None})
        except ProfileFormatError as exc:
            rows.append({"name": ref.name, "origin": ref.origin, "source": None, "kinds": [], "device": None,
                         "points": 0, "created": None, "path": ref.path, "error": str(exc)})
    if json_output:
        print_json(rows)
        return 0
    table = new_table("profiles", ("name", "origin", "kinds", "device", "points", "created"))
    for r in rows:
        if r["error"]:
            table.add_row(r["name"], r["origin"], "[red]unreadable[/red]", r["error"], "", "")
        else:
            table.add_row(r["name"], r["origin"], ",".join(r["kinds"]) or "-", r["device"], str(r["points"]), r["created"] or "")
    out.print(table)
    return 0


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Profile name.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the whole profile as JSON.")] = False,
) -> int:
    """Show a profile: hardware, software, how it was measured, every point, and its races to a score."""
    profile, origin = catalog.load(name)
    if json_output:
        print_json(to_jsonable(profile))
        return 0
    where = origin if origin == profile.source else f"{origin}, {profile.source}"
    out.print(f"[bold]{profile.name}[/bold] ({where}, created {profile.created or 'unknown'})")
    out.print(f"hardware: {profile.hardware.summary}", markup=False)
    if profile.software:
        out.print("software: " + ", ".join(f"{k} {v}" for k, v in sorted(profile.software.items())), markup=False)
    present = [(kind, profile.section(kind.name)) for kind in kinds.kinds() if profile.section(kind.name) is not None]
    for kind, section in present:
        for line in kind.profile_lines(section):
            out.print(line, markup=False)
    for note in profile.notes:
        out.print(f"note: {note}", markup=False)
    for kind, section in present:
        for line in kind.summary_lines(section):
            out.print(line, markup=False)
        out.print(kind.points_table(section))
    if profile.races:
        from advisor.race_report import race_table, summary_lines

        for race in profile.races:
            out.print(race_table(race, f"race to score {race.score:g} ({race.kind}, {len(race.seeds)} seeds, "
                                       f"{race.created or 'date unknown'})"))
            for line in summary_lines(race):
                out.print(line, markup=False)
    return 0


def _device(profile: Profile) -> str:
    """The device a listing names: the first kind's own device, else the machine."""
    for kind in kinds.kinds():
        section = profile.section(kind.name)
        if section is not None and kind.device_name(section):
            return kind.device_name(section)
    return profile.hardware.summary


_CSV_HELP = " ".join(f"{k.csv_columns}." for k in kinds.kinds() if k.csv_columns)


def _import_csv(
    file: Annotated[Path, typer.Argument(help="CSV file of measurements (columns: see DESIGN.md / README).")],
    kind: Annotated[str, typer.Option(help=f"What the CSV measured. {_CSV_HELP}")],
    name: Annotated[str, typer.Option(help="Name for the new profile.")],
    device_name: Annotated[Optional[str], typer.Option(help="Device the measurements came from, e.g. 'NVIDIA GeForce RTX 3070'.")] = None,
    device_memory_bytes: Annotated[Optional[int], typer.Option(help="Device memory capacity in bytes, e.g. 8589934592.")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing local profile of that name.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the imported profile as JSON.")] = False,
    **kind_options: Any,
) -> int:
    """Import external measurements (steps per second, bytes) as a new profile."""
    importable = [k.name for k in kinds.kinds() if k.csv_columns]
    if kind not in importable:
        raise BadInput(f"--kind {kind!r} is not supported; use {' or '.join('--kind ' + k for k in importable)}")
    chosen = kinds.get(kind)
    options = options_for(chosen, "import_options", kind_options)
    chosen.check_import_options(**options)
    check_name(name)
    if name in catalog.shipped_names():
        raise BadInput(f"--name {name!r} is a shipped profile's name; choose another name")
    if device_memory_bytes is not None and device_memory_bytes <= 0:
        raise BadInput("--device-memory-bytes must be a positive number of bytes, e.g. 8589934592")
    path = profile_path(name)
    if path.exists() and not force:
        raise BadInput(f"profile {name!r} already exists ({path}); add --force to replace it or pick another --name")
    from profiler.devicelock import hold_profile

    text = _csv_text(file)
    try:
        section, hardware = chosen.import_section(text, str(file), device_name=device_name,
                                                  device_memory_bytes=device_memory_bytes, **options)
        profile = Profile(name=name, source="imported", created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          hardware=hardware, sections={chosen.name: section}, notes=(f"imported from {file.name}",))
    except ValueError as exc:  # a value the profile's schema refuses (beyond a limit, inconsistent)
        raise ImportFormatError(f"{file}: {exc}; fix that value") from None
    profile_from_json_text(profile_to_json_text(profile), str(file))  # what is saved reads back as it is
    lock = hold_profile(name, "import")  # a sweep or verify run writing it now: refused, nothing written
    try:
        if path.is_dir():
            raise BadInput(f"{path} is a folder, not a profile file; move it away to import as {name!r}")
        if path.exists() and not force:  # made by another command since the check above
            raise BadInput(f"profile {name!r} already exists ({path}); add --force to replace it or pick another --name")
        # --force: the old file (which may be damaged) stays until the new one replaces it in one rename
        save_profile(profile, path, replace_damaged=True)
    finally:
        lock.release()
    if json_output:
        print_json(to_jsonable(profile))
    else:
        _print_imported(section, name, path, device_name, device_memory_bytes)
    return 0


def _csv_text(file: Path) -> str:
    """The text of the CSV ``file``; bad input (naming the row and character) when it is not UTF-8."""
    from profiler.files import read_regular

    raw = read_regular(file, MAX_CSV_BYTES, fix="give an existing CSV file")
    try:
        return raw.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BadInput(f"{file}: row {row}, character {column}: not UTF-8 text; save the file as UTF-8 CSV") from None


def _print_imported(section: Any, name: str, path: Path, device_name: str | None,
                    device_memory_bytes: int | None) -> None:
    """What ``profile import`` says it did, and what a re-import with the device's name and memory would add."""
    out.print(f"imported {len(section.points)} points into profile [bold]{name}[/bold] ({path})")
    accelerator = getattr(section, "accelerator", None)
    if device_memory_bytes is None and accelerator is not None and accelerator.platform != "cpu":
        out.print("note: without --device-memory-bytes, recommend cannot check predicted peak memory against the "
                  "device (only num_envs that ran count as fitting); import again with --device-memory-bytes N "
                  "--force to give it", markup=False)
    if device_name is None and accelerator is not None:
        out.print(f"note: without --device-name the device shows as {accelerator.name!r}; import again with "
                  "--device-name '...' --force to name it", markup=False)


app.command("import")(with_kind_options(_import_csv, "import_options"))


@app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="Local profile to delete.")]) -> int:
    """Delete a local profile (shipped ones are read-only); refused while a calibration or verify run writes it."""
    path = profile_path(name)
    if not path.exists() and not path.is_symlink():
        if name in catalog.shipped_names():
            raise BadInput(f"profile {name!r} is shipped with advisor and read-only; only local profiles can be deleted "
                           "('advisor profile list' shows each one's origin)")
        raise BadInput(f"no local profile {name!r}; 'advisor profile list' shows them")
    from profiler.devicelock import hold_profile

    lock = hold_profile(name, "delete")
    try:
        path.unlink()
    finally:
        lock.release()
    out.print(f"deleted {path}")
    return 0
