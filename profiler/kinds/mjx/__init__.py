"""The ``mjx`` kind on the measuring side: LocoMuJoCo-shaped MJX/JAX PPO over ``num_envs``
(schema, workload factory, measuring child, sweep)."""
