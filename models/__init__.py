"""Pure fitting, by scaling family: :mod:`models.vectorised` (curves over ``num_envs`` for envs
stepped in one batch: throughput, peak memory) and :mod:`models.workers` (the Universal
Scalability Law over env runners). Shared statistics live in :mod:`models.stats`; leave-one-out
validation of both families in :mod:`models.validation`."""
