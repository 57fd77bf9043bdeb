"""Interaction latency of the what-if explorer (goal: under 300 ms per interaction).

Drives app.py with Streamlit's AppTest: after the first run (profile load and curve fit, then
cached), each interaction changes one input and times the whole script rerun, which is what a
user waits for before the page updates (AppTest's own overhead included, so this is an upper
bound). Usage: python benchmarks/explorer_latency.py [--runs 20]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._common import write_result  # noqa: E402

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    os.environ["ADVISOR_EXPLORE_PROFILE"] = "rtx3070-locomujoco"
    at = AppTest.from_file(APP, default_timeout=60)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    interactions = {
        "num_envs": lambda i: at.number_input(key="num_envs-rtx3070-locomujoco").set_value(256 * (1 + i % 16)),
        "target": lambda i: at.text_input(key="target").set_value(f"{100 + i}M"),
        "headroom": lambda i: at.slider(key="headroom").set_value(0.5 + 0.05 * (i % 10)),
        "compare profile": lambda i: at.selectbox(key="compare").set_value(
            "rtx3070-locomujoco" if False else at.selectbox(key="compare").options[i % len(at.selectbox(key="compare").options)]),
    }
    lines = [f"First run (load, fit, draw): {first * 1000:.0f} ms. Then {runs} interactions of each kind:", "",
             "| interaction | median (ms) | max (ms) | goal < 300 ms |", "|---|---:|---:|---|"]
    for label, change in interactions.items():
        times = []
        for i in range(runs):
            change(i)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            assert not at.exception, [e.value for e in at.exception]
        ok = "met" if statistics.median(times) < 0.3 else "NOT met"
        lines.append(f"| {label} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} | {ok} |")
    path = write_result("explorer_latency", "What-if explorer interaction latency", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
