"""Browser tests for Trellis and its plugins: Playwright driving Debian's Chromium.

Never a browser Playwright downloads itself (there is no such download on our machines):
``apt-get install chromium``, or point ``TRELLIS_CHROMIUM`` at one. A test module uses it so::

    import pytest
    from trellis.testing.browser import CHROMIUM, browser_tab, chromium_missing, served

    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

    def test_the_home_page_greets_me(trellis_app, tmp_path):
        with served(trellis_app) as url, browser_tab(url, tmp_path) as tab:
            tab.goto("/login")

Screenshots belong in ``tab.shots`` (``$TRELLIS_ARTEFACTS/browser``, else the given folder).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("TRELLIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def chromium_missing() -> str | None:
    """Why browser tests cannot run here (a skip reason), or None when Chromium is installed."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt install chromium)"
    return None


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served on a free local port (threaded) while the block runs; yields its base URL."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()


@contextmanager
def browser_tab(base_url: str, folder: Path, width: int = 1200, height: int = 900) -> Iterator:
    """A Chromium tab on ``base_url`` (relative ``goto`` paths work) with ``tab.shots``, the screenshot folder."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TRELLIS_ARTEFACTS") or folder) / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height})
            tab = context.new_page()
            tab.set_default_timeout(10000)
            tab.shots = shots
            yield tab
        finally:
            browser.close()
