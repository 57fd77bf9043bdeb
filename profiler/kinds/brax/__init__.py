"""The ``brax`` kind on the measuring side: Brax PPO (``brax.training.agents.ppo.train``) on MuJoCo
Playground envs (batch rules, schema, MuJoCo Menagerie, measuring child, sweep)."""
