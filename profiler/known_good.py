"""The known-good package set advisor is tested with (CI installs exactly these from
constraints.txt; a test keeps the two in step). Other versions may work; ``advisor doctor``
points out the differences. Each kind declares the versions of its extra's packages (its
``profiler/kinds/<name>/__init__.py``); advisor's own and the app's are here."""

from __future__ import annotations

from profiler.extras import APP
from profiler.kinds import facts_by_kind

#: advisor's own packages (numpy and scikit-learn come with advisor itself) and the app's
OWN = {"scikit-learn": "1.9.1", **APP.known_good, "numpy": "2.4.6"}
#: where advisor's own packages come among the kinds' (by :attr:`profiler.kinds.facts.KindFacts.rank`),
#: as ``advisor doctor`` lists them: after the kinds of rank below it
OWN_RANK = 35


def _known_good() -> tuple[dict[str, str], dict[str, str]]:
    """The known-good versions in doctor's order, and the extra that installs each package."""
    groups = [(facts.rank, facts.extra) for facts in facts_by_kind().values() if facts.extra is not None]
    versions: dict[str, str] = {}
    extra_of: dict[str, str] = dict.fromkeys(APP.known_good, APP.name)
    for _, extra in sorted(groups + [(OWN_RANK, None)], key=lambda group: group[0]):
        versions.update(OWN if extra is None else extra.known_good)
        if extra is not None:
            extra_of.update(dict.fromkeys(extra.known_good, extra.name))
    return versions, extra_of


#: package -> the version advisor is tested with, in the order ``advisor doctor`` lists them
#: package -> the extra of advisor's package that installs it (``pip install 'rl-throughput-advisor[<extra>]'``);
#: numpy and scikit-learn come with advisor itself
KNOWN_GOOD, EXTRA = _known_good()
