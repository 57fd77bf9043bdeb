"""A measuring session: what every sweep holds while its points run, whatever the workload.

:meth:`MeasuringSession.open` takes the sweep's locks (:class:`profiler.devicelock.SweepClaim`,
unless the caller already holds them) and starts the contention sampler; :meth:`timed` runs one
point's measuring child and judges it, re-measuring a contended point under ``strict`` up to
:data:`STRICT_RETRIES` times; :meth:`mark` stores the record on the point (and under ``strict``
refuses one still contended); :meth:`close` stops sampling and frees the locks it took.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, TypeVar

from profiler.contention import Contention
from profiler.contention_sampler import ContentionSampler
from profiler.devicelock import SweepClaim, device_key, visible_gpu
from profiler.runner import ChildResult

#: Extra measurements ``--strict`` makes of a contended point before refusing it.
STRICT_RETRIES = 2
#: Names (prefixes) of a Ray cluster's processes: its workers run as ``ray::<actor>``.
RAY_PROCESSES = ("ray::", "raylet", "gcs_server")

P = TypeVar("P")


class MeasuringSession:
    def __init__(self, claim: SweepClaim, owned: bool, sampler: ContentionSampler, strict: bool):
        self.claim, self.owned, self.sampler, self.strict = claim, owned, sampler, strict

    @classmethod
    def open(cls, profile_name: str, platform: str, *, claim: SweepClaim | None = None, strict: bool = False,
             on_wait: Callable[[str], None] = lambda message: None, cluster: bool = False) -> "MeasuringSession":
        """Hold ``profile_name``'s and the ``platform`` device's locks (waiting for the device)
        and start sampling; ``claim`` is the caller's when it took the locks itself. With
        ``cluster`` (an RLlib sweep joining a Ray cluster) Ray's processes on this machine run the
        sweep's work and count as its own."""
        owned = claim is None
        claim = claim or SweepClaim(profile_name)
        try:
            claim.device(device_key(platform), wait=True, on_wait=on_wait)
            gpu = visible_gpu() if platform == "gpu" else None
            sampler = ContentionSampler(gpu_index=gpu[0] if gpu else None,
                                        ours_by_name=RAY_PROCESSES if cluster else ()).start()
        except BaseException:
            if owned:
                claim.release()
            raise
        return cls(claim, owned, sampler, strict)

    def timed(self, run: Callable[[], ChildResult], ok: Callable[[ChildResult], bool],
              on_retry: Callable[[Contention], None] = lambda contention: None) -> tuple[ChildResult, Contention | None, int]:
        """Run one point's child (``run``) and judge it: ``(child, contention, tries)``. Under
        ``strict`` a successful (``ok``) but contended point is measured again, at most
        :data:`STRICT_RETRIES` more times."""
        child = run()
        contention = self.sampler.judge(child.result)
        tries = 1
        while (self.strict and tries <= STRICT_RETRIES and contention is not None and contention.contended
               and ok(child)):
            on_retry(contention)
            child = run()
            contention = self.sampler.judge(child.result)
            tries += 1
        return child, contention, tries

    def mark(self, point: P, contention: Contention | None, tries: int) -> P:
        """``point`` with its contention record; under ``strict`` a successful point that is
        still contended is refused (status ``contended``: kept, not fitted, re-measured by
        ``--resume``)."""
        point = dataclasses.replace(point, contention=contention)
        if self.strict and contention is not None and contention.contended and getattr(point, "ok", False):
            point = dataclasses.replace(point, status="contended", error=(
                f"refused by --strict: still contended after {tries} measurement(s) ({contention.summary}); "
                "--resume --strict measures it again once the machine is quiet"))
        return point

    def close(self) -> None:
        self.sampler.stop()
        if self.owned:
            self.claim.release()

