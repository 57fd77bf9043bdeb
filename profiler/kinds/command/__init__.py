"""The ``command`` kind on the measuring side: a user's own training command run at each
``num_envs`` (schema, placeholders, start-up hook, measuring child, sweep)."""
