#!/usr/bin/env bash
# Wheels for Brax PPO on MuJoCo Playground's DM Control envs, for the air-gapped GPU machine of
# benchmarks/device/gpu_all.sh (x86-64, Python 3.12, no package index), beside the mjx bundle:
#
#   ../shared/tools/device-bundle.sh mjx        -> .device/mjx/   MuJoCo + MJX (+ glfw, trimesh)
#   benchmarks/device/brax-bundle.sh            -> .device/brax/  brax, playground, jaxopt, ml-collections
#
# Only what `brax.training.agents.ppo.train` and `mujoco_playground.registry` import on the way to a
# DM Control env with impl="jax" and the machine's image lacks; the rest (jax, flax, optax,
# orbax-checkpoint, etils, absl-py, lxml, tqdm, pillow, scipy, pyyaml) is in the image. Not
# included: warp-lang (MJX imports it only if present; advisor's children skip it), mediapy,
# flask/flask-cors and tensorboardX (Brax's visualiser and learner script, not ppo.train), and a
# jax below 0.10: brax 0.14.2 needs one (google/brax#671), but jaxlib 0.9.2 with its CUDA plugin is
# ~200 MB of wheels, over the 64 MiB a device call carries. Run in the repository root; keep
# '/.device/' out of git (.gitignore has it).
set -euo pipefail
BRAX=${BRAX:-0.14.2} PLAYGROUND=${PLAYGROUND:-0.2.0} JAXOPT=${JAXOPT:-0.8.5} MLC=${MLC:-1.1.0}
PY=${PY:-python3}
out=.device/brax
rm -rf "$out" && mkdir -p "$out"
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform any -d "$out" \
  "brax==$BRAX" "playground==$PLAYGROUND" "jaxopt==$JAXOPT" "ml-collections==$MLC" 2>&1 | grep -v 'WARNING: Location' || true
ls "$out"/brax-*.whl "$out"/playground-*.whl "$out"/jaxopt-*.whl "$out"/ml_collections-*.whl >/dev/null
du -sh "$out"
