"""The ``main()`` every measuring child shares: ``python -m <kind's point module> SPEC.json
RESULT.json``.

One child measures one point in a fresh process (or, with ``probe`` in the spec, reports what
the device or cluster is). The kind's ``setup`` configures the environment before its framework
is imported (JAX's preallocation off, Ray's local settings); stdout goes to the point's log
(``import mujoco.mjx`` prints there); the result, or a classified failure, is written atomically
as JSON before anything that might hang on the way out (``teardown``, e.g. Ray's shutdown).
Exit codes: 0 ok, 1 error, 2 usage, 3 out of memory.
"""

from __future__ import annotations

import json
import resource
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

OOM_MARKERS = ("RESOURCE_EXHAUSTED", "Out of memory", "out of memory", "OOM", "std::bad_alloc",
               "Failed to allocate", "MemoryError", "Cannot allocate memory")


def looks_like_oom(text: str) -> bool:
    """Whether a failure's text says it ran out of memory (XLA, CUDA, the C++ or C allocator)."""
    return any(marker in text for marker in OOM_MARKERS)


def main(argv: list[str], *, module: str, setup: Callable[[dict[str, Any]], None],
         measure: Callable[[dict[str, Any]], dict[str, Any]], teardown: Callable[[], None] = lambda: None,
         oom_from_text: bool = True) -> int:
    """Read the spec, ``setup``, ``measure`` (probe or point), write the result, ``teardown``.

    A ``MemoryError`` is an out-of-memory result; another exception is an error, or out of memory
    when ``oom_from_text`` and its text says so. Either way the result file is written."""
    if len(argv) != 2:
        print(f"usage: python -m {module} SPEC.json RESULT.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1])
    setup(spec)
    sys.stdout = sys.stderr  # keep everything the frameworks print in the point's log
    from profiler.store import write_atomic

    try:
        result = measure(spec)
        result["status"] = "ok"
        code = 0
    except MemoryError as exc:
        result, code = {"status": "oom", "error": f"MemoryError: {exc}"}, 3
    except Exception as exc:  # classified, recorded, and returned as an exit code
        text = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
        status = "oom" if oom_from_text and looks_like_oom(text) else "error"
        result, code = {"status": status, "error": text[:2000]}, 3 if status == "oom" else 1
    result["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    write_atomic(out, json.dumps(result))  # before teardown: a hang there must not lose the numbers
    try:
        teardown()
    except Exception:  # the result is written; a failed teardown only goes to the log
        traceback.print_exc()
    return code
