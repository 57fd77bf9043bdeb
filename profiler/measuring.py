"""A measuring session: what every sweep holds while its points run, whatever the workload.

:meth:`MeasuringSession.open` takes the sweep's locks (:class:`profiler.devicelock.SweepClaim`,
unless the caller already holds them) and starts the contention sampler; :meth:`timed` runs one
point's measuring child and judges it, re-measuring a contended point under ``strict`` up to
:data:`STRICT_RETRIES` times; :meth:`mark` stores the record on the point (and under ``strict``
refuses one still contended); :meth:`close` stops sampling and frees the locks it took.

Every judged run's reference pass joins this machine's record (:class:`profiler.cpu_reference.MachineSpeed`,
saved at :meth:`close`); with ``steady_wait_s``, :meth:`steady` waits before a run while the CPU
runs slower than its steady pass, up to that long, and after a wait that ran out does not wait
again until a run is timed at the steady speed (a long slow period costs one wait, not one per run).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, TypeVar

from profiler.contention import Contention
from profiler.contention_sampler import ContentionSampler
from profiler.cpu_reference import MachineSpeed, at_steady_speed, wait_steady
from profiler.devicelock import SweepClaim, device_key, visible_gpu
from profiler.runner import ChildResult

#: Extra measurements ``--strict`` makes of a contended point before refusing it.
STRICT_RETRIES = 2
#: Names (prefixes) of a Ray cluster's processes: its workers run as ``ray::<actor>``.
RAY_PROCESSES = ("ray::", "raylet", "gcs_server")

P = TypeVar("P")


class MeasuringSession:
    def __init__(self, claim: SweepClaim, owned: bool, sampler: ContentionSampler, strict: bool,
                 steady_wait_s: float = 0.0):
        self.claim, self.owned, self.sampler, self.strict = claim, owned, sampler, strict
        self.steady_wait_s = steady_wait_s
        self.speed = MachineSpeed.load()
        #: A wait ran out and no run has been timed at the steady speed since: do not wait again.
        self.gave_up = False
        #: Seconds :meth:`steady` waited before the last run it was asked about.
        self.last_wait_s = 0.0

    @classmethod
    def open(cls, profile_name: str, platform: str, *, claim: SweepClaim | None = None, strict: bool = False,
             on_wait: Callable[[str], None] = lambda message: None, cluster: bool = False,
             steady_wait_s: float = 0.0) -> "MeasuringSession":
        """Hold ``profile_name``'s and the ``platform`` device's locks (waiting for the device)
        and start sampling; ``claim`` is the caller's when it took the locks itself. With
        ``cluster`` (an RLlib sweep joining a Ray cluster) Ray's processes on this machine run the
        sweep's work and count as its own. ``steady_wait_s``: how long :meth:`steady` may wait
        before one run for a CPU in a slow spell (0: never)."""
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
        return cls(claim, owned, sampler, strict, steady_wait_s)

    def steady(self, on_wait: Callable[[str], None] = lambda message: None) -> float:
        """Before a run: while the CPU's recent reference pass is more than ``STEADY_SPREAD``
        slower than this machine's steady pass, wait (at most ``steady_wait_s``); the seconds
        waited. ``on_wait`` hears why it waits and how the wait ended."""
        self.last_wait_s = 0.0
        steady = self.speed.steady_ms()
        if self.steady_wait_s <= 0 or self.gave_up or steady is None:
            return 0.0
        now = self.sampler.recent_ms()
        if now is None:  # the sweep's first run: the sampler has not looked yet, so look now
            for _ in range(2):
                self.sampler.snapshot()
            now = self.sampler.recent_ms()
        if now is None or at_steady_speed(now, steady):
            return 0.0
        on_wait(f"the CPU runs {now / steady - 1:.0%} slower than its steady speed here (reference loop {now:.2f} ms "
                f"a pass against {steady:.2f} ms); waiting up to {self.steady_wait_s:g} s for it before the next run")
        waited, last, cleared = wait_steady(self.sampler.recent_ms, steady, self.steady_wait_s)
        self.last_wait_s = waited
        if cleared:
            on_wait(f"the CPU is back to its steady speed after {waited:.0f} s; measuring")
        else:
            self.gave_up = True
            on_wait(f"the CPU is still {(last or steady) / steady - 1:.0%} slow after {waited:.0f} s; measuring "
                    "anyway (no further waits until a run is timed at the steady speed)")
        return waited

    def timed(self, run: Callable[[], ChildResult], ok: Callable[[ChildResult], bool],
              on_retry: Callable[[Contention], None] = lambda contention: None) -> tuple[ChildResult, Contention | None, int]:
        """Run one point's child (``run``) and judge it: ``(child, contention, tries)``. Under
        ``strict`` a successful (``ok``) but contended point is measured again, at most
        :data:`STRICT_RETRIES` more times."""
        child = run()
        contention = self._judged(child)
        tries = 1
        while (self.strict and tries <= STRICT_RETRIES and contention is not None and contention.contended
               and ok(child)):
            on_retry(contention)
            child = run()
            contention = self._judged(child)
            tries += 1
        return child, contention, tries

    def _judged(self, child: ChildResult) -> Contention | None:
        """``child``'s contention; its reference pass joins the machine's record."""
        contention = self.sampler.judge(child.result)
        if contention is not None and contention.reference_ms:
            steady = self.speed.steady_ms()
            if steady is None or at_steady_speed(contention.reference_ms, steady):
                self.gave_up = False
            if steady is not None:
                contention = dataclasses.replace(contention, steady_ms=round(steady, 4))
            self.speed.add(contention.reference_ms)
        return contention

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
        try:
            self.speed.save()
        except OSError:  # the record is a help, never a reason to lose the sweep's end
            pass
        if self.owned:
            self.claim.release()

