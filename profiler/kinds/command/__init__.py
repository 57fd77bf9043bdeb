"""The ``command`` kind on the measuring side: a user's own training command run at each
``num_envs`` (schema, placeholders, start-up hook, measuring child, sweep)."""

from profiler.kinds.facts import KindFacts

#: your own command brings its own frameworks: the core install calibrates it
FACTS = KindFacts(rank=30)
