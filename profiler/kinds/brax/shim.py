"""``jax.device_put_replicated`` for brax 0.14.2 on jax 0.10, installed only inside the brax
measuring child (and on request by a user's own script through :func:`install`).

brax 0.14.2's ``ppo.train`` calls ``jax.device_put_replicated`` for every run; jax 0.10 removed
that public name (it raises ``AttributeError``), so advisor defines it with jax's public API:
each leaf broadcast to one copy per device, placed with a sharding over a one-axis mesh. The axis
is named ``"i"``, the pmap axis brax's training step uses, so the replicated state already has
the sharding the training epoch returns and the second epoch does not compile again (with jax's
own version on older jax it does). Nothing in brax's files is changed.
"""

from __future__ import annotations

#: brax's ``_PMAP_AXIS_NAME`` in ``brax/training/agents/ppo/train.py``.
AXIS = "i"


def device_put_replicated(x, devices):
    """``x`` (a pytree) with a leading axis of ``len(devices)`` copies, one on each device."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    sharding = NamedSharding(Mesh(np.asarray(devices), (AXIS,)), PartitionSpec(AXIS))

    def put(leaf):
        leaf = jnp.asarray(leaf)
        return jax.device_put(jnp.broadcast_to(leaf[None], (len(devices),) + leaf.shape), sharding)

    return jax.tree.map(put, x)


def install() -> bool:
    """Define ``jax.device_put_replicated`` as above; returns whether it was installed (always,
    also over jax's own version where it still exists, for the one-compile benefit)."""
    import jax

    jax.device_put_replicated = device_put_replicated
    return True
