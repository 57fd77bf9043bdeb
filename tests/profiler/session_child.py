"""A fake measuring child for the runner tests: starts a grandchild in a process group of its own
(as Ray does with its workers), records its pid, then hangs until it is ended."""

import os
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], process_group=0)
    Path(sys.argv[2]).with_suffix(".pid").write_text(str(grandchild.pid))
    assert os.getpgid(grandchild.pid) != os.getpgid(0)
    time.sleep(600)
