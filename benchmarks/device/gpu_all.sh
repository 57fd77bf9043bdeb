#!/usr/bin/env bash
# All of advisor's GPU measurements in one prepared run, for a lease of a few minutes on a machine
# with an NVIDIA GPU and CUDA JAX. Steps in order of importance; each starts only when the time it
# needs is left of BUDGET_S, so a short lease loses the last steps, never the first:
#
#   1. advisor doctor; `advisor calibrate mjx` of humanoid (phases timed; CAL_OPTS) over GRID,
#      sizes 2x apart from 1024 up, through benchmarks/calibration_cost.py (wall time recorded),
#      saved as profile NAME
#   2. advisor verify of the recommended config at TARGET (benchmarks/verify_accuracy.py)
#   3. the tests marked gpu; then advisor verify of OTHER (a minibatch count no point measured)
#   4. advisor calibrate command of examples/jax_ppo_pointmass.py with its memory hook, beside the
#      script's own `device peak bytes in use` line
#
# MuJoCo/MJX come from the wheels in .device/mjx when the machine has no package index
# (../shared/tools/device-bundle.sh mjx). Everything lands in $OUT (default ./device-out) as at
# most 8 files: steps.txt (what ran, how long, what was skipped), the profile, the result files and
# all.tgz with every log. Dry run on a CPU at tiny sizes:
#   OUT=/tmp/dry PLATFORM=cpu MODEL=tests/data/reacher2.xml GRID=16,32 TARGET=40k OTHER=32x2 \
#     CAL_OPTS="--num-steps 10 --repeats 1" CMD_ENVS=16,64 BUDGET_S=900 bash benchmarks/device/gpu_all.sh
set -u
OUT=${OUT:-$PWD/device-out}; mkdir -p "$OUT"
BUDGET_S=${BUDGET_S:-560}
NAME=${NAME:-h200-humanoid}
MODEL=${MODEL:-humanoid}
GRID=${GRID:-64,1024,2048,4096,8192,16384,32768,65536}
PLATFORM=${PLATFORM:-gpu}
CAL_OPTS=${CAL_OPTS:---no-physics}
SWEEP_MAX_S=${SWEEP_MAX_S:-330}
TARGET=${TARGET:-100M}
OTHER=${OTHER:-8192x16}
CMD_ENVS=${CMD_ENVS:-1024,16384}
START=$(date +%s)
WORK=${WORK:-/tmp/advisor-device}; rm -rf "$WORK"; mkdir -p "$WORK/logs"
LOGS=$WORK/logs
export PYTHONUNBUFFERED=1 ADVISOR_HOME=$WORK/home ADVISOR_JAX_CACHE=$WORK/jax-cache COLUMNS=160
PY=${PY:-python3}

left() { echo $((BUDGET_S - ($(date +%s) - START))); }
say() { echo "[$(($(date +%s) - START)) s] $*" | tee -a "$OUT/steps.txt"; }
# step NAME SECONDS_NEEDED SECONDS_AT_MOST COMMAND...: run COMMAND for at most SECONDS_AT_MOST and
# the time left (then Ctrl-C, which a sweep survives with its finished points), or skip it
step() {
  local name=$1 need=$2 cap=$3; shift 3
  if [ "$(left)" -lt "$need" ]; then say "SKIPPED $name: $(left) s left, it needs about $need s"; return 1; fi
  [ "$(left)" -lt "$cap" ] && cap=$(left)
  say "start $name (about $need s, at most $cap s; $(left) s left)"
  local t0=$(date +%s)
  timeout -s INT -k 20 "$cap" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  say "end $name: exit $rc after $(($(date +%s) - t0)) s"
  return $rc
}

if ! $PY -c 'import mujoco, mujoco.mjx' >/dev/null 2>&1 && ls .device/mjx/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .device/mjx/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
say "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $($PY -c 'import jax; print("jax", jax.__version__)' 2>&1 | tail -1)"
nvidia-smi > "$LOGS/nvidia-smi.txt" 2>&1

# 1. doctor, then the sweep the profile ships from
step doctor 30 60 $PY -m advisor doctor
step calibrate 200 "$SWEEP_MAX_S" $PY benchmarks/calibration_cost.py --no-baseline --name "$NAME" \
  --profile-dir "$ADVISOR_HOME" -- --model "$MODEL" --num-envs "$GRID" --platform "$PLATFORM" $CAL_OPTS
cp "$ADVISOR_HOME/calibrate.log" "$LOGS/" 2>/dev/null
PROFILE=$ADVISOR_HOME/profiles/$NAME.json
if [ -f "$PROFILE" ]; then
  cp "$PROFILE" "$OUT/$NAME.json"
  $PY -m advisor recommend --profile "$NAME" --target "$TARGET" > "$LOGS/recommend.txt" 2>&1
  # 2. whole training runs against their predictions, the recommendation first
  step verify-rec 110 160 $PY benchmarks/verify_accuracy.py --profile "$NAME" --home "$ADVISOR_HOME" --target "$TARGET" \
    --configs rec --result verify_accuracy_gpu
  cp "$PROFILE" "$OUT/$NAME.json"  # now with its verified run
fi

# 3. the tests marked gpu (on a CPU they are skipped, which the log says)
step gpu-tests 90 150 $PY -m pytest -m gpu -q -p no:cacheprovider tests/profiler/test_gpu.py \
  tests/profiler/kinds/command/test_nvml_memory.py

if [ -f "$PROFILE" ]; then
  step verify-other 110 160 $PY benchmarks/verify_accuracy.py --profile "$NAME" --home "$ADVISOR_HOME" --target "$TARGET" \
    --configs "$OTHER" --result verify_accuracy_gpu
  cp "$PROFILE" "$OUT/$NAME.json"
fi

# 4. a user's own JAX script: the hook's memory peak beside the script's own
step command 90 150 $PY -m advisor calibrate command --name pointmass-gpu --num-envs "$CMD_ENVS" --num-steps 32 \
  --first-timesteps 64k --delta 4s -- "$PY" examples/jax_ppo_pointmass.py --num-envs '{num_envs}' \
  --total-timesteps '{total_timesteps}' --num-steps 32
cp "$ADVISOR_HOME/profiles/pointmass-gpu.json" "$OUT/" 2>/dev/null

cp benchmarks/results/calibration_cost_*.md benchmarks/results/verify_accuracy_gpu.md "$LOGS/" 2>/dev/null
cp -r "$ADVISOR_HOME/runs" "$LOGS/runs" 2>/dev/null
say "done; $(left) s of the budget left"
tar czf "$OUT/all.tgz" -C "$WORK" --exclude=jax-cache logs
ls -la "$OUT"
