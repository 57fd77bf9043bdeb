"""`advisor explore` for real: the server on a loopback port, the page in headless Chromium."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from tests.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(advisor_home):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "explore", "--port", str(port), "--profile",
                             "h100-humanoid"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ}, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"explorer did not start: {proc.stdout.read().decode()[-2000:]}")
                time.sleep(0.5)
        yield url, port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # advisor ends its streamlit server on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:  # whatever is left of the group goes too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_sigterm_to_advisor_ends_the_server(advisor_home):
    import psutil

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "explore", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not psutil.Process(proc.pid).children():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        server = psutil.Process(proc.pid).children()[0]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        server.wait(timeout=15)
    finally:
        proc.kill()


def test_server_binds_loopback_only(server):
    import psutil

    _url, port = server
    addresses = {c.laddr.ip for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    assert addresses == {"127.0.0.1"}


def wait_for_charts(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= {count}",
                           timeout=60_000)
    page.wait_for_timeout(1500)  # let the charts finish drawing


def rendered(page, heading: str, charts: int, screenshot: str) -> None:
    """Wait for ``heading`` and ``charts`` drawn charts, keep a full-page screenshot (also when
    the wait fails, to see why), and check the page shows no error box."""
    try:
        page.get_by_text(heading).first.wait_for(timeout=60_000)
        wait_for_charts(page, charts)
    finally:
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    assert_no_error_box(page)


def assert_no_error_box(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0


def test_page_renders_charts_without_errors_in_chromium(server, tmp_path, advisor_home):
    """The shipped H100 profile (throughput, peak memory and time charts), its conf.yaml download,
    then an RLlib profile chosen in the page (speedup and efficiency charts), then a command
    profile (throughput, memory, time to target and fixed cost, and the command to run)."""
    from playwright.sync_api import sync_playwright

    from profiler.store import save_profile
    from tests.advisor.kinds.command.profiles import command_profile
    from tests.conftest import run_cli

    save_profile(command_profile("torch-ex"))

    imported = run_cli("profile", "import", str(ROOT / "benchmarks" / "data" / "rllib-writeup-i7-12700.csv"),
                       "--kind", "rllib", "--name", "i7-12700-writeup", "--device-name", "Intel Core i7-12700",
                       "--cpus", "16")
    assert imported.returncode == 0, imported.stderr
    url, _port = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
            page.goto(url, wait_until="domcontentloaded")
            rendered(page, "Recommendation", 3, "explorer.png")
            assert page.get_by_text("Peak memory").count() >= 1
            with page.expect_download() as download_info:
                page.get_by_text("Download conf.yaml").click()
            target = tmp_path / "conf.yaml"
            download_info.value.save_as(target)
            conf = yaml.safe_load(target.read_text())
            # what 'advisor recommend --profile h100-humanoid --target 100M' picks: 65536 envs would run
            # only 30 PPO updates, under the default --min-updates 200
            assert conf["experiment"]["num_envs"] == 8192 and conf["experiment"]["num_minibatches"] == 128

            page.locator("[data-testid='stSelectbox']").filter(has_text="profile").first.click()
            page.get_by_role("option", name="i7-12700-writeup", exact=True).click()
            rendered(page, "RLlib parallel efficiency", 2, "explorer-rllib.png")
            assert page.get_by_text("Download PPOConfig snippet").count() == 1

            page.locator("[data-testid='stSelectbox']").filter(has_text="profile").first.click()
            page.get_by_role("option", name="torch-ex", exact=True).click()
            rendered(page, "Recommendation for torch-ex", 4, "explorer-command.png")
            assert page.get_by_text("Fixed cost", exact=True).count() == 1
            assert page.get_by_text("--num-envs 1024 --total-timesteps 100007936").count() >= 1
        finally:
            browser.close()
    assert (ARTIFACTS / "explorer.png").stat().st_size > 20_000
    assert (ARTIFACTS / "explorer-rllib.png").stat().st_size > 20_000
    assert (ARTIFACTS / "explorer-command.png").stat().st_size > 20_000
