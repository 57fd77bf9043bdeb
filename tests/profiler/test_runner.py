"""Children run several at a time: never more than asked, and really side by side."""

from profiler.runner import run_parallel
from tests.conftest import ROOT


def test_run_parallel_keeps_at_most_the_asked_number_running_and_overlaps_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the children import the sleeper from tests/
    jobs = [("tests.profiler.sleep_child", {"sleep_s": 1.5}, f"n{i}") for i in range(3)]
    results = run_parallel(jobs, tmp_path, timeout_s=120, parallel=2)
    spans = sorted((r.result["started"], r.result["ended"]) for r in results.values())
    assert len(spans) == 3 and all(r.result["status"] == "ok" for r in results.values())
    # the first two overlap; the third starts only after one of them ended
    assert spans[1][0] < spans[0][1]
    assert spans[2][0] >= min(spans[0][1], spans[1][1])
