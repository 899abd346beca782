"""Every page of the rendered tutorial in a real browser, wide and on a phone:
no broken image or link, no error in the console, nothing wider than the page.
The browser part is tests/pages.js; Chromium and playwright-core come from
tests/tools/clients.py (`make test`)."""
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import ROOT

TESTS = ROOT / "tests"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.offline
def test_every_page_renders_cleanly_in_a_browser(built_docs):
    missing = [name for name, there in [
        ("Chromium (/usr/bin/chromium)", CHROMIUM.exists()),
        ("node", shutil.which("node")),
        ("playwright-core (tests/node_modules)",
         (TESTS / "node_modules" / "playwright-core").is_dir())] if not there]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make test`, which installs it",
                    pytrace=False)
    # Built strictly (conftest.py); its warnings fail test_docs.py, and what
    # was built is checked here even so.
    html, _ = built_docs
    result = subprocess.run(["node", str(TESTS / "pages.js"), str(html)],
                            capture_output=True, text=True, timeout=170)
    if result.returncode:
        pytest.fail(result.stdout + result.stderr, pytrace=False)
