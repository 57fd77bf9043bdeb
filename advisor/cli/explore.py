"""``advisor explore``: start the Streamlit what-if explorer (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor.console import err, sigterm_as_interrupt
from advisor.errors import AdvisorError, BadInput
from profiler.extras import install_command, require_extra

APP_MARKER = "advisor's what-if explorer"


def app_path() -> Path:
    """app.py beside the packages (a source checkout) or the installed top-level module."""
    beside = Path(__file__).resolve().parents[2] / "app.py"
    candidates = [beside]
    spec = importlib.util.find_spec("app")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin))
    for path in candidates:
        try:
            if path.is_file() and APP_MARKER in path.read_text(encoding="utf-8")[:400]:
                return path
        except OSError:
            continue
    raise AdvisorError(f"the explorer's app.py is not installed; reinstall advisor with the app extra: "
                       f"{install_command('app')}")


def is_loopback(address: str) -> bool:
    """Whether serving on ``address`` keeps the page on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    import ipaddress

    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def explore(
    address: Annotated[str, typer.Option(help="Address to serve on; 127.0.0.1 keeps the page on this machine. "
                                              "Any other address needs --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to serve on.")] = 8501,
    profile: Annotated[Optional[str], typer.Option(help="Profile to open first.")] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Serve on an --address other machines can reach (the page shows your profiles and "
                               "their commands to anyone who can reach it).")] = False,
) -> int:
    """Open the what-if explorer: measured curves with their fitted bands, your own settings against the
    recommendation, peak memory against device capacity and JAX's 75% pool, and a conf.yaml download."""
    if not 1 <= port <= 65535:
        raise BadInput("--port must be between 1 and 65535")
    if not is_loopback(address) and not allow_remote:
        where = "every interface of this machine" if not address.strip() else f"{address!r}, which other machines can reach"
        raise BadInput(f"--address {address!r} would serve the explorer on {where}; it shows your profiles and "
                       "commands, so add --allow-remote to mean it, or keep the default 127.0.0.1")
    require_extra("advisor explore", "app")
    command = [sys.executable, "-m", "streamlit", "run", str(app_path()), "--server.address", address,
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "viewer"]
    env = dict(os.environ)
    if profile:
        env["ADVISOR_EXPLORE_PROFILE"] = profile
    shown = address.strip() or "0.0.0.0"
    err.print(f"advisor explorer on http://{f'[{shown}]' if ':' in shown else shown}:{port} (Ctrl-C stops it)")
    proc = subprocess.Popen(command, env=env)
    try:
        with sigterm_as_interrupt():
            return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
