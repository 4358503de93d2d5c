"""Measuring a page's layout in headless Chromium, for the tests that check
what a reader sees (skipped where no Chromium is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def layout(page: Path, script: str, width: int = 1400, height: int = 1000,
           delay_ms: int = 500) -> dict:
    """Open page at width × height, run ``script`` (a JavaScript expression
    giving a JSON-able object) after the page has loaded and delay_ms more,
    and return its value. The page is copied with the probe appended."""
    text = page.read_text()
    probe = (f'<script>window.addEventListener("load", () => setTimeout(() => {{'
             f'const out = document.createElement("pre"); out.id = "layout-probe";'
             f'out.textContent = JSON.stringify(({script})); document.body.appendChild(out);'
             f"}}, {delay_ms}));</script>")
    at = text.rfind("</body>")
    probed = page.with_name(page.stem + ".probe.html")
    probed.write_text(text[:at] + probe + text[at:] if at >= 0 else text + probe)
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}",
         f"--virtual-time-budget={delay_ms + 3000}", "--dump-dom", probed.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', proc.stdout, re.S)
    if not found:
        raise AssertionError(f"no layout from Chromium: {proc.stderr[-1500:]}")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))
