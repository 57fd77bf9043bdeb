#!/usr/bin/env bash
# The GPU measurements advisor ships, in one run on a machine with an NVIDIA GPU and CUDA JAX:
# advisor doctor, then benchmarks/calibration_cost.py (the default `advisor calibrate mjx` sweep of
# humanoid, kept as a profile, then the sequential baseline over the same points).
# MuJoCo/MJX come from wheels in .device/mjx when the machine has no package index.
# Everything it produces lands in $OUT (default ./device-out).
set -u
OUT=${OUT:-$PWD/device-out}; mkdir -p "$OUT"
NAME=${NAME:-h100-humanoid}
if ls .device/mjx/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .device/mjx/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1 ADVISOR_HOME=/tmp/advisor-home
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
python3 -m advisor doctor > "$OUT/doctor.txt" 2>&1
python3 benchmarks/calibration_cost.py --name "$NAME" --profile-dir "$ADVISOR_HOME" --deadline "${DEADLINE:-430}" \
  -- "$@" 2>&1 | tee "$OUT/calibration_cost.log"
cp "$ADVISOR_HOME/calibrate.log" "$OUT/" 2>/dev/null
cp benchmarks/results/calibration_cost_gpu.md "$OUT/" 2>/dev/null
cp "$ADVISOR_HOME/profiles/$NAME.json" "$OUT/" 2>/dev/null
tar czf "$OUT/runs.tgz" -C "$ADVISOR_HOME" --exclude=jax-cache . 2>/dev/null
ls -la "$OUT"
