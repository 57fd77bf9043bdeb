#!/usr/bin/env bash
# All of advisor's GPU measurements in one prepared run, for a lease of a few minutes on a machine
# with an NVIDIA GPU and CUDA JAX. Steps in order of importance; each starts only when the time it
# needs is left of BUDGET_S, so a short lease loses the last steps, never the first:
#
#   1. advisor doctor; `advisor calibrate mjx` of humanoid (phases timed; CAL_OPTS) over GRID,
#      sizes 2x apart from 1024 up, through benchmarks/calibration_cost.py (wall time recorded),
#      saved as profile NAME (named after the GPU: h100-humanoid, h200-humanoid, ...)
#   2. advisor verify of the recommended config at TARGET (benchmarks/verify_accuracy.py)
#   3. the tests marked gpu; then advisor verify of OTHER (a minibatch count no point measured)
#   4. Brax: `advisor calibrate brax` of BRAX_ENV (BRAX_CAL) into profile BRAX_NAME, then Brax's own
#      ppo.train, unpatched, of `advisor recommend --kind brax` at BRAX_BATCH for BRAX_EPOCHS epochs,
#      predicted against its training/sps (benchmarks/brax_accuracy.py). Skipped at once, with the
#      reason, where the installed brax cannot train on the installed jax (brax 0.14.2 on
#      jax >= 0.10: google/brax#671) or brax/playground are missing
#   5. advisor calibrate command of examples/jax_ppo_pointmass.py with its memory hook, beside the
#      script's own `device peak bytes in use` line
#   6. last: RLlib over RL_RUNNERS on the machine's CPU cores (profile RL_NAME), with the
#      leave-one-out accuracy of every interior runner count, 8 included
#      (benchmarks/rllib_scaling_accuracy.py); only where Ray is importable: its bundle does not
#      fit in one call beside .device/mjx (64 MiB)
#
# The plan ends within BUDGET_S + ~25 s (a last step's 20 s grace after Ctrl-C, then the archive):
# 520 s by default, inside 9 minutes of device time. Packages the machine lacks (it has no package
# index) are installed into /tmp/site from the bundles under .device/ (ignored by git; name them in
# the device call's carry): .device/mjx (MuJoCo + MJX, ~34 MB: ../shared/tools/device-bundle.sh mjx),
# .device/brax (brax, playground, jaxopt, ml-collections, ~8 MB: benchmarks/device/brax-bundle.sh),
# .device/rllib (Ray + gymnasium, ~62 MB: ../shared/tools/device-bundle.sh rllib).
# Everything lands in $OUT (default ./device-out) as at most 8 files: steps.txt (what ran, how long,
# what was skipped and why), the profiles and all.tgz with every log and result file.
# Dry run on a CPU at tiny sizes (about 10 minutes on 2 cores):
#   OUT=/tmp/dry PLATFORM=cpu MODEL=tests/data/reacher2.xml GRID=16,32 TARGET=40k OTHER=32x2 \
#     CAL_OPTS="--num-steps 10 --repeats 1" CMD_ENVS=16,64 BRAX_ENV=CartpoleBalance \
#     BRAX_CAL="--quick --epochs 1" BRAX_BATCH=32 BRAX_EPOCHS=3 RL_RUNNERS=1 \
#     RL_OPTS="--quick --envs-per-runner 1,2" BRAX_MAX_S=900 RL_MAX_S=600 BUDGET_S=2400 bash benchmarks/device/gpu_all.sh
# The benchmarks it calls write their result files into benchmarks/results/ as well (on the device, a copy
# that all.tgz brings back); after a dry run, `git checkout -- benchmarks/results` restores the real ones.
set -u
OUT=${OUT:-$PWD/device-out}; mkdir -p "$OUT"
BUDGET_S=${BUDGET_S:-520}
case "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)" in
  *H200*) DEV=h200 ;; *H100*) DEV=h100 ;; *A100*) DEV=a100 ;; *) DEV=gpu ;;
esac
NAME=${NAME:-$DEV-humanoid}
MODEL=${MODEL:-humanoid}
GRID=${GRID:-64,1024,2048,4096,8192,16384,32768,65536}
PLATFORM=${PLATFORM:-gpu}
CAL_OPTS=${CAL_OPTS:---no-physics}
SWEEP_MAX_S=${SWEEP_MAX_S:-330}
TARGET=${TARGET:-100M}
OTHER=${OTHER:-8192x16}
CMD_ENVS=${CMD_ENVS:-1024,16384}
# Brax on a DM Control env: num_envs 1024 and 4096 at batch 256 x 32 minibatches x unroll 30, and
# Playground's own DM Control shape (batch 1024 x 32 x 30) at 2048 envs; then the recommendation
# at Playground's batch 1024, trained by Brax for 4 epochs (the first two compile)
BRAX_ENV=${BRAX_ENV:-CheetahRun}
BRAX_NAME=${BRAX_NAME:-$DEV-brax-$(echo "$BRAX_ENV" | tr 'A-Z' 'a-z')}
BRAX_CAL=${BRAX_CAL:---num-envs 1024,4096 --batch-size 256 --num-minibatches 32 --unroll-length 30 --shapes 2048:1024:32:30 --no-eval --epochs 2 --timeout 150}
BRAX_BATCH=${BRAX_BATCH:-1024}
BRAX_EPOCHS=${BRAX_EPOCHS:-4}
BRAX_MAX_S=${BRAX_MAX_S:-330}
RL_NAME=${RL_NAME:-cpu$(nproc)-rllib}
RL_RUNNERS=${RL_RUNNERS:-1,2,4,8,12,15}
RL_OPTS=${RL_OPTS:---envs-per-runner 1 --train-batch 8192 --repeats 2}
RL_MAX_S=${RL_MAX_S:-240}
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

# The bundles for what this machine lacks, each wheel once (the mjx and rllib bundles both hold
# MuJoCo's); Ray comes unpacked from the rllib bundle's tarball.
bundles=()
$PY -c 'import mujoco, mujoco.mjx' >/dev/null 2>&1 || bundles+=(mjx)
$PY -c 'import brax, mujoco_playground' >/dev/null 2>&1 || bundles+=(brax)
$PY -c 'import ray, gymnasium' >/dev/null 2>&1 || bundles+=(rllib)
wheels=() seen=" " unpacked=0
for b in ${bundles[@]+"${bundles[@]}"}; do
  for w in .device/"$b"/*.whl; do
    [ -f "$w" ] || continue
    project=$(basename "$w" | cut -d- -f1 | tr 'A-Z-' 'a-z_')
    case "$seen" in *" $project "*) continue ;; esac
    seen="$seen$project " && wheels+=("$w")
  done
  for t in .device/"$b"/*.tar.xz; do
    [ -f "$t" ] || continue
    mkdir -p /tmp/site && tar xJf "$t" -C /tmp/site && unpacked=$((unpacked + 1))
  done
done
export PYTHONPATH=$PWD
if [ ${#wheels[@]} -gt 0 ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site "${wheels[@]}" \
    > "$LOGS/pip-install.log" 2>&1 || { cat "$LOGS/pip-install.log"; exit 1; }
fi
[ ${#wheels[@]} -gt 0 ] || [ $unpacked -gt 0 ] && export PYTHONPATH=/tmp/site:$PWD
say "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $($PY -c 'import jax; print("jax", jax.__version__, jax.devices()[0].device_kind)' 2>&1 | tail -1); lacking: ${bundles[*]:-nothing}; installed ${#wheels[@]} wheels, $unpacked tarballs"
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

# 4. Brax's own ppo.train of advisor's recommendation, where this brax trains on this jax
BRAX_PROBLEM=$($PY - 2>&1 <<'EOF'
from importlib import metadata
from profiler.kinds.brax.versions import broken_pair
try:
    found = {dist: metadata.version(dist) for dist in ("brax", "playground", "jax")}
except metadata.PackageNotFoundError as missing:
    print(f"{missing.name} is not installed (benchmarks/device/brax-bundle.sh, carry .device/brax)")
else:
    print(broken_pair(found) or "")
EOF
)
if [ -n "$BRAX_PROBLEM" ]; then
  say "SKIPPED brax: $BRAX_PROBLEM"
else
  step brax 240 "$BRAX_MAX_S" $PY benchmarks/brax_accuracy.py --home "$ADVISOR_HOME" --name "$BRAX_NAME" --env "$BRAX_ENV" \
    --calibrate-args "$BRAX_CAL" --batch-size "$BRAX_BATCH" --epochs "$BRAX_EPOCHS" --timeout 300 \
    --output "$LOGS/brax_accuracy_gpu.md"
  cp "$ADVISOR_HOME/profiles/$BRAX_NAME.json" "$OUT/" 2>/dev/null
  grep -E '^\| [0-9P]|within the 10% goal' "$LOGS/brax_accuracy_gpu.md" 2>/dev/null | tee -a "$OUT/steps.txt"
fi

# 5. a user's own JAX script: the hook's memory peak beside the script's own
step command 90 150 $PY -m advisor calibrate command --name pointmass-gpu --num-envs "$CMD_ENVS" --num-steps 32 \
  --first-timesteps 64k --delta 4s -- "$PY" examples/jax_ppo_pointmass.py --num-envs '{num_envs}' \
  --total-timesteps '{total_timesteps}' --num-steps 32
cp "$ADVISOR_HOME/profiles/pointmass-gpu.json" "$OUT/" 2>/dev/null

# 6. last: RLlib over the machine's CPU cores, where Ray is here
if $PY -c 'import ray, gymnasium' >/dev/null 2>&1; then
  step rllib 150 "$RL_MAX_S" $PY -m advisor calibrate rllib --name "$RL_NAME" --runners "$RL_RUNNERS" $RL_OPTS
  if [ -f "$ADVISOR_HOME/profiles/$RL_NAME.json" ]; then
    cp "$ADVISOR_HOME/profiles/$RL_NAME.json" "$OUT/"
    $PY benchmarks/rllib_scaling_accuracy.py "$ADVISOR_HOME/profiles/$RL_NAME.json" \
      > "$LOGS/rllib_scaling_accuracy.txt" 2>&1
  fi
else
  say "SKIPPED rllib: no Ray here (carry .device/rllib in a call without .device/mjx: the two pass 64 MiB)"
fi

cp benchmarks/results/calibration_cost_*.md benchmarks/results/verify_accuracy_gpu.md \
  benchmarks/results/rllib_scaling_accuracy.md "$LOGS/" 2>/dev/null
cp -r "$ADVISOR_HOME/runs" "$LOGS/runs" 2>/dev/null
say "done; $(left) s of the budget left"
tar czf "$OUT/all.tgz" -C "$WORK" --exclude=jax-cache logs
ls -la "$OUT"
