"""The ``brax`` workload kind on the advising side: Brax PPO on MuJoCo Playground envs;
recommend emits Playground ``ppo_params`` overrides."""

from advisor.kinds.brax.kind import KIND

__all__ = ["KIND"]
