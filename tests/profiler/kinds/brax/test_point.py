"""The brax measuring child's setup: Playground's MJX JAX implementation without Warp's import,
and Warp left alone for a run that asks for MJX's Warp implementation."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECK = ("import sys; from profiler.kinds.brax.point import setup; setup({spec}); "
         "print('warp' in sys.modules and sys.modules['warp'] is None)")


@pytest.mark.parametrize("spec,blocked", [("{'impl': 'jax', 'platform': 'cpu'}", True), ("{'platform': 'cpu'}", True),
                                          ("{'impl': 'warp'}", False)])
def test_setup_blocks_warp_only_for_the_jax_implementation(spec, blocked):
    proc = subprocess.run([sys.executable, "-c", CHECK.format(spec=spec)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == str(blocked)
