"""The ``rllib`` kind on the measuring side: RLlib PPO scaling over env runners (schema,
workload settings, measuring child, sweep)."""
