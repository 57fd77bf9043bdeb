"""Touch most of the machine's free memory once, so that benchmarks measure programs, not a virtual
machine's first touch of its memory.

On a microVM whose memory the host backs lazily (this project's development machine, a Firecracker
guest), the first write to a page the guest has never used costs a trip to the host: touching 6 GiB
took 14.3 s the first time after boot and 3.6-5.0 s afterwards. A program that grows into such pages
runs slower than the same program a minute later on pages already touched, and runs started later in
a benchmark (more memory in use, so fresher pages) start slower: in a race of twelve Stable-Baselines3
processes on a freshly booted guest, the last five spent 1.55 s of CPU in ``import torch`` against
1.05 s for the first seven. Run this once after the machine starts, before any benchmark; it prints
what it touched and how fast, and a second run shows whether the memory was already warm. Where
the guest hands freed memory back to the host (free page reporting, which the header of every
result file names), the warmth lasts only until then: on 2026-12-06 about a minute
(benchmarks/README.md).

    python benchmarks/warm_memory.py            # all but 2 GiB of the free memory
    python benchmarks/warm_memory.py --gib 8
"""

from __future__ import annotations

import argparse
import time

GIB = 2**30
PAGE = 4096


def free_gib() -> float:
    """MemAvailable from /proc/meminfo, in GiB (0 where there is none)."""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / GIB
    except OSError:
        pass
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=int, help="how many GiB to touch (default: all but 2 GiB of the free memory)")
    args = parser.parse_args()
    total = args.gib if args.gib is not None else max(int(free_gib()) - 2, 0)
    started = time.perf_counter()
    chunks, rates = [], []
    for _ in range(total):
        t = time.perf_counter()
        chunk = bytearray(GIB)
        for offset in range(0, GIB, PAGE):
            chunk[offset] = 1
        chunks.append(chunk)
        rates.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    if rates:
        print(f"touched {total} GiB in {elapsed:.1f} s: {min(rates):.2f}-{max(rates):.2f} s per GiB "
              "(on the development VM: about 2.4 s per GiB the first time after boot, 0.6-0.8 s afterwards)")
    else:
        print("nothing to touch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
