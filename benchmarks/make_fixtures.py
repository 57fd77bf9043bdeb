"""Write the MJX CSV fixtures that ``fit_accuracy.py`` validates, from the shipped h100-humanoid
profile (deterministic: re-running rewrites the same files).

- ``mjx-h100-humanoid.csv``: the shipped sweep's six measured points, exactly, as ``advisor
  profile import`` reads them (with ``xla_bytes``).
- ``mjx-h100-humanoid-no-xla.csv``: the same rows without ``xla_bytes`` (the fallback along
  num_envs that a profile imported without XLA bytes gets).
- ``mjx-synthetic-quadruped.csv``: SYNTHETIC, not a measurement. A quadruped-like sweep of 11
  sizes (64 to 65536, every doubling between the measured ones added) built from the humanoid's
  measurements: XLA bytes are 0.55 x the humanoid's (a smaller model state), interpolated in
  log-log between its measured sizes; each peak is those bytes plus one of the humanoid's six
  measured allocator overheads (peak - XLA bytes), drawn with a fixed seed, so the scatter of the
  overhead is the measured one; train_sps is 1.4 x the humanoid's, interpolated likewise.

Usage: python benchmarks/make_fixtures.py
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DATA = Path(__file__).resolve().parent / "data"
COLUMNS = ("num_envs", "num_steps", "num_minibatches", "update_epochs", "train_sps", "peak_vram_bytes",
           "physics_sps", "compile_s", "xla_bytes")


def _write(path: Path, rows: list[dict], columns=COLUMNS) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    from advisor import catalog

    section = catalog.load_shipped("h100-humanoid").section("mjx")
    rows = [{"num_envs": p.num_envs, "num_steps": p.num_steps, "num_minibatches": p.num_minibatches,
             "update_epochs": p.update_epochs, "train_sps": f"{p.train_sps:.1f}", "peak_vram_bytes": p.peak_bytes,
             "physics_sps": f"{p.physics_sps:.1f}", "compile_s": f"{p.compile_s:.2f}", "xla_bytes": p.xla_bytes}
            for p in section.ok_points]
    _write(DATA / "mjx-h100-humanoid.csv", rows)
    _write(DATA / "mjx-h100-humanoid-no-xla.csv", rows, COLUMNS[:-1])

    n = np.array([p.num_envs for p in section.ok_points], dtype=float)
    xla = np.array([p.xla_bytes for p in section.ok_points], dtype=float)
    overheads = np.array([p.peak_bytes - p.xla_bytes for p in section.ok_points], dtype=float)
    sps = np.array([p.train_sps for p in section.ok_points])
    grid = 2.0 ** np.arange(6, 17)
    rng = np.random.default_rng(15)
    synthetic = []
    for size in grid:
        x = 0.55 * np.exp(np.interp(np.log(size), np.log(n), np.log(xla)))
        overhead = overheads[rng.integers(overheads.size)]
        synthetic.append({"num_envs": int(size), "num_steps": 50, "num_minibatches": 32, "update_epochs": 4,
                          "train_sps": f"{1.4 * np.exp(np.interp(np.log(size), np.log(n), np.log(sps))):.1f}",
                          "peak_vram_bytes": int(round(x + overhead)), "xla_bytes": int(round(x))})
    _write(DATA / "mjx-synthetic-quadruped.csv", synthetic, ("num_envs", "num_steps", "num_minibatches",
                                                            "update_epochs", "train_sps", "peak_vram_bytes", "xla_bytes"))
    for name in ("mjx-h100-humanoid.csv", "mjx-h100-humanoid-no-xla.csv", "mjx-synthetic-quadruped.csv"):
        print(DATA / name)


if __name__ == "__main__":
    main()
