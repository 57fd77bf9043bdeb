"""LocoMuJoCo ``conf.yaml`` emission, and merging the tuned keys into a user's own conf.

A merge edits the user's text in place (comments, order and every other key stay as written)
and then checks, through ``yaml.safe_load``, that exactly the tuned keys changed. Only when the
file's layout defeats a line edit (flow style, for instance) is it rewritten through the YAML
emitter, and the result says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advisor import safe_yaml
from advisor.errors import BadInput
from advisor.kinds.mjx.recommend import MjxRecommendation
from advisor.recommendation import header_start, throughput_line
from advisor.units import format_bytes, format_duration
from profiler.checks import LIMITS

#: How to give an imported profile the device memory its peaks are checked against.
MEMORY_HINT = ("import the profile again with --device-memory-bytes (the device's memory in bytes, e.g. 8589934592 "
               "for 8 GiB)")


def tuned_values(rec: MjxRecommendation) -> dict[str, int]:
    assert rec.chosen is not None
    values = {"num_envs": rec.chosen.num_envs, "num_minibatches": rec.chosen.num_minibatches,
              "total_timesteps": rec.target_steps}
    if rec.objective == "same-batch":  # the split of the batch into envs x steps is what it chose
        values["num_steps"] = rec.chosen.num_steps
    return values


def header_lines(rec: MjxRecommendation) -> list[str]:
    """The comment header: provenance and the numbers behind the config."""
    c = rec.chosen
    assert c is not None
    acc = rec.accelerator
    lines = [
        *header_start(rec),
        f"device: {acc.name} ({acc.platform}, " + (format_bytes(acc.memory_bytes) if acc.memory_bytes else
                                                   "device memory not given") + ")",
        *([f"measured physics: {', '.join(f'{k} {v:g}' for k, v in rec.workload.physics.items())}"]
          if rec.workload.physics else []),
        throughput_line("train_sps", "exact config", c.train_sps, c.fit_train_sps, (c.train_sps_low, c.train_sps_high),
                        c.measured, c.extrapolated),
        f"time to target: {format_duration(c.time_s)} ({format_duration(c.time_low_s)}-"
        f"{format_duration(c.time_high_s)}), " + (f"compile {format_duration(rec.compile_s)} included"
                                                  if rec.compile_s else "compile time not included (not measured)"),
        f"num_updates: {c.num_updates:,} PPO updates x {c.num_envs} envs x {c.num_steps} steps = {c.env_steps:,} env steps",
        f"minibatch_size: {c.minibatch_size} samples ({c.num_envs}*{c.num_steps}/{c.num_minibatches})",
        f"gradient steps: {c.gradient_steps_per_update:,} per update ({c.update_epochs} epochs x {c.num_minibatches} "
        f"minibatches), {c.gradient_steps_per_sample:.3g} per env step collected",
        f"prediction basis: {'phase model (rollout and update timed apart)' if c.basis == 'phases' else 'fused curve over num_envs'}"
        + (f", extrapolated in {', '.join(c.extrapolated_axes)}" if c.extrapolated_axes else ""),
    ]
    if c.peak_bytes_upper is not None and acc.memory_bytes:
        lines.append(f"peak memory: {format_bytes(c.peak_bytes)} (upper bound {format_bytes(c.peak_bytes_upper)}, "
                     f"{c.peak_bytes_upper / acc.memory_bytes:.0%} of {format_bytes(acc.memory_bytes)})")
    elif c.peak_bytes_upper is not None:
        lines.append(f"peak memory: {format_bytes(c.peak_bytes)} (upper bound {format_bytes(c.peak_bytes_upper)}); "
                     f"the device's memory is unknown, so whether it fits cannot be checked: {MEMORY_HINT}")
    else:
        lines.append("peak memory: unknown (not measured in this profile)")
    for name, value in rec.env.items():
        lines.append(f"before training: export {name}={value}")
    if acc.platform == "gpu" and not rec.env:
        if c.peak_bytes_upper is None:
            lines.append("JAX preallocates 75% of GPU memory by default; that says nothing about the real footprint")
        elif acc.memory_bytes:
            lines.append("JAX's default 75% GPU memory pool is enough; no XLA_PYTHON_CLIENT_MEM_FRACTION needed")
        else:
            lines.append("whether JAX's default 75% GPU memory pool holds that peak cannot be checked without the "
                         "device's memory")
    lines.append(f"chosen as {rec.reason}")
    return lines + [f"note: {n}" for n in rec.notes]


def emit_conf(rec: MjxRecommendation) -> str:
    """A fresh conf.yaml with LocoMuJoCo's ``experiment:`` keys and a comment header."""
    c = rec.chosen
    assert c is not None
    w = rec.workload
    experiment = {
        "num_envs": c.num_envs,
        "num_minibatches": c.num_minibatches,
        "num_steps": c.num_steps,
        "update_epochs": c.update_epochs,
        "total_timesteps": rec.target_steps,
        "hidden_layers": list(w.hidden_layers),
    }
    body = yaml.safe_dump({"experiment": experiment}, sort_keys=False, default_flow_style=None)
    return "".join(f"# {line}\n" for line in header_lines(rec)) + body


@dataclass(frozen=True)
class MergeResult:
    text: str
    changed: dict[str, tuple[Any, Any]]  # key -> (old, new)
    rewritten: bool  # True when comments/layout could not be kept
    warnings: tuple[str, ...]


#: The largest conf ``--base`` reads: a LocoMuJoCo conf is a few kilobytes.
MAX_BASE_BYTES = 4 * 1024 * 1024


def read_base(base: Path) -> tuple[str, dict[str, Any]]:
    """``(text, data)`` of a ``--base`` conf: a regular file of at most :data:`MAX_BASE_BYTES`,
    UTF-8, whose YAML (:func:`load_base`) is a LocoMuJoCo conf."""
    from profiler.files import read_regular

    raw = read_regular(base, MAX_BASE_BYTES, fix="give an existing conf.yaml (or drop --base)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"--base {base}: not UTF-8 text; save the conf as UTF-8") from None
    return text, load_base(text, str(base))


def load_base(text: str, where: str) -> dict[str, Any]:
    try:
        data = safe_yaml.load(text)
    except safe_yaml.SelfReferent:
        raise BadInput(f"{where}: a YAML anchor refers to itself; a conf cannot contain itself, fix the file") from None
    except safe_yaml.TooLarge:
        raise BadInput(f"{where}: its YAML aliases expand to more than {safe_yaml.MAX_VALUES:,} values (a conf has "
                       "about a hundred); write the settings out, fix the file or drop --base") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise BadInput(f"{where}: not valid YAML{at}; fix the file or drop --base") from None
    except RecursionError:
        raise BadInput(f"{where}: nested too deeply to be a conf; fix the file or drop --base") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput(f"{where}: a LocoMuJoCo conf must be a YAML mapping with an 'experiment:' block")
    experiment = data.get("experiment", {})
    if experiment is not None and not isinstance(experiment, dict):
        raise BadInput(f"{where}: 'experiment' must be a mapping of settings")
    return data


def _setting(data: dict[str, Any], where: str, key: str) -> int | None:
    """``experiment.<key>`` of a conf: ``None`` when absent, else a whole number within the
    profile's limit for it (bad input naming the key otherwise)."""
    value = (data.get("experiment") or {}).get(key)
    if value is None:
        return None
    limit = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise BadInput(f"{where}: experiment.{key} must be a whole number from 1 to {limit:,}, got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text):,} characters)"


def base_num_steps(data: dict[str, Any], where: str) -> int | None:
    return _setting(data, where, "num_steps")


def base_batch(data: dict[str, Any], where: str) -> int | None:
    """Env steps per PPO update of a user's conf (``num_envs * num_steps``), when it sets both."""
    steps = base_num_steps(data, where)
    envs = _setting(data, where, "num_envs")
    if envs is None or steps is None:
        return None
    return envs * steps


def base_shape(data: dict[str, Any], where: str) -> dict[str, Any]:
    """``update_epochs`` and ``hidden_layers`` a user's conf sets (only those it sets and that
    are well formed; a malformed one is bad input)."""
    experiment = data.get("experiment") or {}
    shape: dict[str, Any] = {}
    epochs = _setting(data, where, "update_epochs")
    if epochs is not None:
        shape["update_epochs"] = epochs
    layers = experiment.get("hidden_layers")
    if layers is not None:
        if not isinstance(layers, list) or not 1 <= len(layers) <= 64 or any(
                isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= LIMITS["hidden_layer"] for w in layers):
            raise BadInput(f"{where}: experiment.hidden_layers must be a list of widths from 1 to "
                           f"{LIMITS['hidden_layer']:,}, got {_shown(layers)}")
        shape["hidden_layers"] = tuple(layers)
    return shape


def merge_into(text: str, values: dict[str, int], where: str) -> MergeResult:
    """Set ``experiment.<key>`` for each of ``values`` in the conf ``text``."""
    data = load_base(text, where)
    old = dict(data.get("experiment") or {})
    expected = {**data, "experiment": {**old, **values}}
    edited = _edit_lines(text, values)
    rewritten = False
    if edited is None or _safe_load(edited) != expected:
        edited = yaml.safe_dump(expected, sort_keys=False, default_flow_style=None)
        rewritten = True
    changed = {k: (old.get(k), v) for k, v in values.items() if old.get(k) != v}
    warnings = []
    validation = old.get("validation")
    if isinstance(validation, dict) and isinstance(validation.get("num"), int) and validation.get("num", 0) > 0:
        steps = values.get("num_steps", old.get("num_steps"))
        steps = steps if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1 else 1
        updates = values["total_timesteps"] // steps // values["num_envs"]
        if updates < validation["num"]:
            warnings.append(f"experiment.validation.num={validation['num']} exceeds num_updates={updates}: "
                            "LocoMuJoCo divides by zero there; lower validation.num")
    if rewritten:
        warnings.append(f"{where}: layout could not be edited in place; comments were not kept")
    return MergeResult(edited, changed, rewritten, tuple(warnings))


def _safe_load(text: str) -> Any:
    try:
        return safe_yaml.load(text)
    except (yaml.YAMLError, RecursionError):
        return None


_BLOCK = re.compile(r"^experiment\s*:\s*(#.*)?$")


def _edit_lines(text: str, values: dict[str, int]) -> str | None:
    """Edit ``key: value`` lines directly under a block-style ``experiment:``; ``None`` if the
    layout is not one we can edit by line."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _BLOCK.match(line.rstrip("\r\n"))), None)
    if start is None:
        if text.strip() and not re.search(r"^\S", text, re.M):
            return None
        block = "experiment:\n" + "".join(f"  {k}: {v}\n" for k, v in values.items())
        return text + ("" if not text or text.endswith("\n") else "\n") + block
    indent = None
    end = len(lines)
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        width = len(lines[i]) - len(lines[i].lstrip(" "))
        if width == 0:
            end = i
            break
        indent = width if indent is None else indent
    indent = indent or 2
    pending = dict(values)
    key_re = re.compile(rf"^( {{{indent}}})([A-Za-z_][\w]*)(\s*:\s*)([^#\r\n]*?)(\s+#[^\r\n]*)?(\r?\n)?$")
    for i in range(start + 1, end):
        match = key_re.match(lines[i])
        if match and match.group(2) in pending:
            key = match.group(2)
            if not match.group(4).strip():  # a nested block value: not ours to edit
                return None
            lines[i] = (f"{match.group(1)}{key}{match.group(3)}{pending.pop(key)}"
                        f"{match.group(5) or ''}{match.group(6) or ''}")
    if pending:
        insert = "".join(f"{' ' * indent}{k}: {v}\n" for k, v in pending.items())
        if not lines[start].endswith("\n"):
            lines[start] += "\n"
        lines.insert(start + 1, insert)
    return "".join(lines)
