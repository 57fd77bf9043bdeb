"""How a run watches the command's process tree: members found again at most every refresh, memory
read every sample, and the sum over a real tree whose processes hold memory at once."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from profiler.kinds.command.point import ProcessTree, measure

MiB = 1 << 20

# A parent that starts a child holding 96 MiB, then waits for it.
SPAWNS = ("import subprocess, sys, time\n"
          "time.sleep(0.3)\n"
          "child = subprocess.Popen([sys.executable, '-c', "
          "'import time; block = bytearray(96 << 20); time.sleep(4)'])\n"
          "child.wait()\n")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _wait_for_child(pid: int, timeout_s: float = 10.0) -> psutil.Process:
    """The first child of ``pid`` once it holds its block (looked up directly, not through the tree)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        kids = psutil.Process(pid).children()
        if kids and kids[0].memory_info().rss > 90 * MiB:
            return kids[0]
        time.sleep(0.05)
    raise AssertionError("the child never held its block")


def test_the_tree_finds_a_new_child_at_its_next_scan_and_reads_memory_every_sample():
    parent = subprocess.Popen([sys.executable, "-c", SPAWNS])
    try:
        clock = Clock()
        tree = ProcessTree(parent.pid, refresh_s=0.5, clock=clock)
        assert tree.pids() == [parent.pid]  # the child is not started yet
        child = _wait_for_child(parent.pid)
        before = tree.rss_bytes()
        assert tree.pids() == [parent.pid] and before < 90 * MiB  # no scan before refresh_s has passed
        clock.now += 0.5
        assert tree.pids() == [parent.pid, child.pid]
        assert tree.rss_bytes() >= before + 90 * MiB
        child.kill()
        child.wait(5)
        assert tree.rss_bytes() < 90 * MiB  # a member that has ended counts nothing, and raises nothing
    finally:
        parent.kill()
        parent.wait()
    clock.now += 0.5
    assert tree.pids() == [] and tree.rss_bytes() == 0  # the root is gone


def test_a_run_s_peak_sums_processes_that_hold_memory_at_the_same_time(tmp_path):
    # parent and child each hold 96 MiB for 2 s at once: the tree's peak is their sum, which no single
    # process's own high-water mark (what the kernel keeps for a waited-for child) shows
    code = ("import subprocess, sys, time\n"
            "block = bytearray(96 << 20)\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; b = bytearray(96 << 20); time.sleep(2)'])\n"
            "child.wait()\n")
    spec = {"argv": [sys.executable, "-c", code], "memory_dir": str(tmp_path / "memory"),
            "output_path": str(tmp_path / "out.log")}
    result = measure(spec)
    assert result["tree_peak_rss_bytes"] >= 2 * 96 * MiB
