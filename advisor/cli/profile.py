"""``advisor profile list | show | import | delete``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor import catalog
from advisor.cli.common import out, print_json, table as new_table
from advisor.cli.render import mjx_points_table, profile_summary
from advisor.cli.render_rllib import rllib_points_table, rllib_summary_lines
from advisor.errors import BadInput, ProfileError
from advisor.units import parse_layers
from profiler.errors import ProfileFormatError
from profiler.kinds.mjx.importer import mjx_section_from_csv
from profiler.kinds.rllib.importer import rllib_section_from_csv
from profiler.profile import Accelerator, Hardware, Profile
from profiler.kinds.rllib.schema import RllibWorkload
from profiler.serde import to_jsonable
from profiler.store import check_name, load_profile_file, profile_path, save_profile

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
                         "device": (profile.section("mjx").accelerator.name if profile.section("mjx") else profile.hardware.summary),
                         "points": sum(len(getattr(profile, k).points) for k in profile.kinds), "created": profile.created,
                         "path": ref.path, "error": None})
        except (ProfileFormatError, ProfileError) as exc:
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
    """Show a profile: hardware, software, how it was measured, and every point."""
    profile, origin = catalog.load(name)
    if json_output:
        print_json(to_jsonable(profile))
        return 0
    for line in profile_summary(profile, origin):
        out.print(line)
    if profile.section("mjx"):
        out.print(mjx_points_table(profile.section("mjx"), "MJX points (train_sps and physics_sps in env steps/s)"))
    if profile.section("rllib"):
        for line in rllib_summary_lines(profile.section("rllib")):
            out.print(line, markup=False)
        out.print(rllib_points_table(profile.section("rllib"), "RLlib points (env steps/s; seconds per iteration)"))
    return 0


@app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV file of measurements (columns: see DESIGN.md / README).")],
    kind: Annotated[str, typer.Option(help="mjx: num_envs, num_steps, num_minibatches, update_epochs, train_sps, "
                                           "peak_vram_bytes [physics_sps, compile_s, xla_bytes]. rllib: "
                                           "num_env_runners, num_envs_per_env_runner, env_steps_per_s [iter_s].")],
    name: Annotated[str, typer.Option(help="Name for the new profile.")],
    device_name: Annotated[Optional[str], typer.Option(help="Device the measurements came from, e.g. 'NVIDIA GeForce RTX 3070'.")] = None,
    device_memory_bytes: Annotated[Optional[int], typer.Option(help="Device memory capacity in bytes, e.g. 8589934592.")] = None,
    platform: Annotated[str, typer.Option(help="gpu or cpu: what the measurements ran on.")] = "gpu",
    model: Annotated[str, typer.Option(help="Model or task the measurements trained.")] = "unspecified",
    hidden_layers: Annotated[str, typer.Option(help="Actor/critic hidden layer widths, e.g. 512,256.")] = "512,256",
    env: Annotated[str, typer.Option(help="rllib: the gymnasium env id the measurements ran.")] = "HalfCheetah-v5",
    cpus: Annotated[Optional[int], typer.Option(help="rllib: logical CPUs of the measuring machine (bounds the runner "
                                                     "counts recommend considers).")] = None,
    train_batch: Annotated[int, typer.Option(help="rllib: train_batch_size_per_learner the measurements used.")] = 16384,
    minibatch_size: Annotated[int, typer.Option(help="rllib: minibatch_size the measurements used.")] = 4096,
    force: Annotated[bool, typer.Option(help="Replace an existing local profile of that name.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the imported profile as JSON.")] = False,
) -> int:
    """Import external measurements (steps per second, bytes) as a new profile."""
    if kind not in ("mjx", "rllib"):
        raise BadInput(f"--kind {kind!r} is not supported; use --kind mjx or --kind rllib")
    if cpus is not None and cpus < 1:
        raise BadInput("--cpus must be a positive number of logical CPUs, e.g. 16")
    if not 1 <= minibatch_size <= train_batch:
        raise BadInput("--minibatch-size must be between 1 and --train-batch")
    try:
        check_name(name)
    except ProfileFormatError as exc:
        raise BadInput(str(exc)) from None
    if name in catalog.shipped_names():
        raise BadInput(f"--name {name!r} is a shipped profile's name; choose another name")
    if platform not in ("gpu", "cpu"):
        raise BadInput("--platform must be gpu or cpu")
    if device_memory_bytes is not None and device_memory_bytes <= 0:
        raise BadInput("--device-memory-bytes must be a positive number of bytes, e.g. 8589934592")
    path = profile_path(name)
    if path.exists() and not force:
        raise BadInput(f"profile {name!r} already exists ({path}); add --force to replace it or pick another --name")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise BadInput(f"{file}: cannot read it ({exc.strerror or exc}); give an existing CSV file") from None
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BadInput(f"{file}: row {row}, character {column}: not UTF-8 text; save the file as UTF-8 CSV") from None
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if kind == "rllib":
        workload = RllibWorkload(env_id=env, train_batch_size_per_learner=train_batch, minibatch_size=minibatch_size)
        section = rllib_section_from_csv(text, str(file), workload, ray_cpus=float(cpus) if cpus else None)
        profile = Profile(name=name, source="imported", created=created, rllib=section,
                          hardware=Hardware(cpu_model=device_name, cpu_logical_cores=cpus),
                          notes=(f"imported from {file.name}",))
    else:
        accelerator = Accelerator(platform, device_name or "unspecified device", device_memory_bytes)
        section = mjx_section_from_csv(text, str(file), accelerator, model=model, hidden_layers=parse_layers(hidden_layers))
        hardware = Hardware(gpu_name=device_name, gpu_memory_bytes=device_memory_bytes, gpu_count=1) \
            if platform == "gpu" and device_name else Hardware()
        profile = Profile(name=name, source="imported", created=created, hardware=hardware, mjx=section,
                          notes=(f"imported from {file.name}",))
    if path.is_dir():
        raise BadInput(f"{path} is a folder, not a profile file; move it away to import as {name!r}")
    if path.exists():  # --force: the old file may be damaged; replace it deliberately
        path.unlink()
    save_profile(profile, path)
    if json_output:
        print_json(to_jsonable(profile))
    else:
        out.print(f"imported {len(section.points)} points into profile [bold]{name}[/bold] ({path})")
    return 0


@app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="Local profile to delete.")]) -> int:
    """Delete a local profile (shipped ones are read-only)."""
    try:
        path = profile_path(name)
    except ProfileFormatError as exc:
        raise BadInput(str(exc)) from None
    if not path.exists():
        raise BadInput(f"no local profile {name!r}; 'advisor profile list' shows them")
    path.unlink()
    out.print(f"deleted {path}")
    return 0

