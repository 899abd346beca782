"""Every page of the rendered tutorial in a real browser, wide and on a phone:
no broken image or link, no error in the console, nothing wider than the page.
The browser part is tests/pages.js; Chromium and playwright-core come from
tests/clients.py (`make test`)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import ROOT

TESTS = ROOT / "tests"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.offline
def test_every_page_renders_cleanly_in_a_browser(tmp_path):
    missing = [name for name, there in [
        ("Chromium (/usr/bin/chromium)", CHROMIUM.exists()),
        ("node", shutil.which("node")),
        ("playwright-core (tests/node_modules)",
         (TESTS / "node_modules" / "playwright-core").is_dir())] if not there]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make test`, which installs it",
                    pytrace=False)
    # Strict, as test_docs.py builds them; what was built is checked even so.
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q",
         str(ROOT / "docs"), str(tmp_path)], capture_output=True, text=True)
    problems = []
    if build.returncode:
        problems.append(f"the docs build with warnings:\n{build.stderr}")
    result = subprocess.run(["node", str(TESTS / "pages.js"), str(tmp_path)],
                            capture_output=True, text=True, timeout=170)
    if result.returncode:
        problems.append(result.stdout + result.stderr)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
