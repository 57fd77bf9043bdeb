"""Pure fitting, by scaling family: :mod:`models.num_envs_curves` (curves over ``num_envs`` for
envs stepped in one batch: throughput, peak memory) and :mod:`models.workers` (the Universal
Scalability Law over env runners); beside them :mod:`models.phases` (training time as the sum of
its phases, for shapes that were not run). Shared statistics live in :mod:`models.stats`;
leave-one-out validation of both families in :mod:`models.validation`."""
