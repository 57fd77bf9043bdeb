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


def test_epochs_that_compiled_are_told_apart_by_compile_events_inside_them():
    from profiler.kinds.brax.point import compiled_epochs

    # progress calls at t=10, 20, 21, 22 (seconds): epochs of 10, 10, 1 and 1 s; the second ran a 9 s compile
    calls = [{"t": t, "training/walltime": w} for t, w in ((10, 10), (20, 20), (21, 21), (22, 22))]
    epochs = [10.0, 10.0, 1.0, 1.0]
    compiling = [(9.0, 8.0), (19.5, 9.0), (21.5, 0.01)]  # (stamped at its end, seconds)
    assert compiled_epochs(calls, epochs, compiling, [], run_evals=False) == [True, True, False, False]
    # a program loaded from the persistent cache inside the last epoch: compiled too
    assert compiled_epochs(calls, epochs, compiling, [21.7], run_evals=False) == [True, True, False, True]
    # with evaluations, an epoch's training ends where its evaluation began: a compile in the evaluation is not its
    # (progress calls 0.5 s of evaluation after each epoch: trainings end at 10, 20.5, 22, 23.5)
    with_eval = [{"t": t, "training/walltime": 0.0, "eval/epoch_eval_time": 0.5} for t in (10.5, 21, 22.5, 24)]
    assert compiled_epochs(with_eval, epochs, [(20.8, 0.3), (22.3, 0.4)], [], run_evals=True) == [True, False, False, False]
    assert compiled_epochs(with_eval, epochs, [(21.9, 0.4)], [], run_evals=True) == [True, False, True, False]


def test_playgrounds_network_factory_becomes_brax_make_ppo_networks_arguments():
    pytest.importorskip("brax")
    from brax.training.agents.ppo import networks as ppo_networks

    from profiler.kinds.brax.point import network_factory

    defaults = {"network_factory": {"policy_hidden_layer_sizes": [512, 256, 128], "policy_obs_key": "state",
                                    "value_hidden_layer_sizes": [512, 256, 128], "value_obs_key": "privileged_state"}}
    made = network_factory(defaults)
    assert made.func is ppo_networks.make_ppo_networks
    assert made.keywords == {"policy_hidden_layer_sizes": (512, 256, 128), "policy_obs_key": "state",
                             "value_hidden_layer_sizes": (512, 256, 128), "value_obs_key": "privileged_state"}
    assert network_factory({}).keywords == {}  # DM Control suite envs: Brax's own network defaults
