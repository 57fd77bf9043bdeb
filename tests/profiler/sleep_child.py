"""A measuring child that sleeps ``sleep_s`` and records when it ran, for the runner's tests."""

import json
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    started = time.time()
    time.sleep(spec["sleep_s"])
    Path(sys.argv[2]).write_text(json.dumps({"status": "ok", "started": started, "ended": time.time()}))
