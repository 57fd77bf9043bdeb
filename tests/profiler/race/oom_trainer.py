"""examples/numpy_reach.py, except that at ``--num-envs $OOM_AT`` it fails as a JAX program out of
device memory does: a crash for ``advisor race`` to record and go on from."""

import os
import runpy
import sys
from pathlib import Path

num_envs = int(sys.argv[sys.argv.index("--num-envs") + 1])
if num_envs == int(os.environ.get("OOM_AT", "0")):
    print("jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate "
          "4294967296 bytes.", flush=True)
    sys.exit(1)
sys.argv = ["numpy_reach.py"] + sys.argv[1:]
runpy.run_path(str(Path(__file__).resolve().parents[3] / "examples" / "numpy_reach.py"), run_name="__main__")
