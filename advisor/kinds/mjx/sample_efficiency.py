"""Sample-efficiency guards of the MJX recommender, as constants and arithmetic (no imports, so
the kind's command-line options can name them cheaply).

PPO's clipped objective bounds how far one update moves the policy, so a run with few updates
makes few policy changes however large each batch is: configs below ``--min-updates`` are not
recommended.
"""

from __future__ import annotations

import math

#: PPO updates below which a config is not recommended: a fifth of the 976 updates LocoMuJoCo's
#: official conf runs for 100M env steps (2048 envs x 50 steps per update). The legged_gym
#: recipes run 1500 iterations of 4096 x 24 steps; 200 still leaves every run hundreds of
#: policy improvements, while the 30 updates of 65,536 envs x 50 steps for 100M do not.
DEFAULT_MIN_UPDATES = 200
#: Env steps per PPO update of LocoMuJoCo's official conf (2048 envs x 50 steps), which the
#: ``same-batch`` objective holds when no base conf is given.
LOCOMUJOCO_BATCH = 2048 * 50


def min_rollout_steps(gamma: float = 0.99, gae_lambda: float = 0.95) -> int:
    """The shortest rollout the ``same-batch`` objective splits a batch into: GAE's effective
    horizon ``1 / (1 - gamma * lambda)`` (17 steps for LocoMuJoCo's 0.99 and 0.95), so advantages
    are not mostly bootstrapped from the value function."""
    return math.ceil(1 / (1 - gamma * gae_lambda))
