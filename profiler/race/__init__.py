"""``advisor race``'s measuring side: the race's stored form (:mod:`profiler.race.schema`), one
run of the user's training watched for its score (:mod:`profiler.race.process`), the successive
halving that decides which runs go on (:mod:`profiler.race.halving`) and the race itself
(:mod:`profiler.race.engine`). Kinds that train supply only the command line of one run and how
to read its score."""
