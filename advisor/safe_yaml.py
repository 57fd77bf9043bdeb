"""YAML a user gives advisor (``--base conf.yaml``), loaded with a bound on what it expands to.

``yaml.safe_load`` constructs nothing but plain data, but an alias repeats the node it names
without copying it, so a few hundred bytes of nested aliases (a "billion laughs") describe a
structure of billions of values that anything walking it (a comparison, ``json.dumps``) expands
in memory, and an anchor may even contain itself. :func:`load` composes the document, counts
the values it stands for with each alias expanded (shared nodes counted once per use, in time
linear in the document) and refuses one above :data:`MAX_VALUES`, or one that contains itself,
before any Python object is built.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Values (scalars, lists, mappings) a document may stand for with its aliases expanded: a
#: LocoMuJoCo conf has about a hundred.
MAX_VALUES = 100_000


class TooLarge(yaml.YAMLError):
    """The document expands to more than :data:`MAX_VALUES` values."""


class SelfReferent(yaml.YAMLError):
    """An anchor contains an alias to itself."""


def _expanded(node: yaml.Node, memo: dict[int, int], active: set[int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise SelfReferent("an anchor refers to itself")
    active.add(key)
    if isinstance(node, yaml.SequenceNode):
        count = 1 + sum(_expanded(child, memo, active) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        count = 1 + sum(_expanded(k, memo, active) + _expanded(v, memo, active) for k, v in node.value)
    else:
        count = 1
    active.discard(key)
    if count > MAX_VALUES:
        raise TooLarge(f"the document stands for more than {MAX_VALUES:,} values once its aliases are expanded")
    memo[key] = count
    return count


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that checks each composed document (module docstring)."""

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            _expanded(node, {}, set())
        return node


def load(text: str) -> Any:
    """The data of one YAML document, as ``yaml.safe_load`` gives it; raises :class:`TooLarge`,
    :class:`SelfReferent` (both ``yaml.YAMLError``), another ``yaml.YAMLError`` or ``RecursionError``."""
    return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass
