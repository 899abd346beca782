"""The rendered tutorial: builds clean, shows every script, matches the code."""
import re
import subprocess
import sys

import docutils.core
import pytest

import transcripts
from harness import ROOT

DOCS = ROOT / "docs"
PATTERNS = ["basic", "workers", "pubsub", "routing", "topic", "rpc"]


@pytest.mark.offline
def test_docs_build_without_a_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q",
         str(DOCS), str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.offline
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_page_shows_every_script_of_its_folder(pattern):
    page = (DOCS / f"{pattern}.rst").read_text()
    included = set(re.findall(r"literalinclude:: \.\./(\S+\.py)\n   :caption:", page))
    scripts = {str(path.relative_to(ROOT)) for path in (ROOT / pattern).glob("*.py")}
    assert included == scripts


@pytest.mark.offline
def test_no_page_pastes_code_or_quotes_line_numbers():
    for page in DOCS.glob("*.rst"):
        text = page.read_text()
        assert ":lines:" not in text, page.name
        assert "code-block:: python" not in text, page.name


@pytest.mark.offline
def test_every_image_and_included_file_exists():
    for page in [*DOCS.glob("*.rst"), ROOT / "README.rst"]:
        for target in re.findall(r"(?:image|literalinclude):: (\S+)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"
    for diagram in ROOT.glob("images/*.dot"):
        assert diagram.with_suffix(".png").is_file(), diagram


@pytest.mark.offline
def test_readme_renders_without_a_warning():
    docutils.core.publish_string(
        (ROOT / "README.rst").read_text(), writer="html",
        settings_overrides={"halt_level": 2, "report_level": 2})


def committed(path):
    return transcripts.normalize(path.read_text().splitlines())


@pytest.mark.parametrize("pattern", PATTERNS)
def test_tour_transcripts_match_what_the_scripts_print_now(pattern):
    # Which worker gets which task varies, so compare all the pattern's
    # terminals together, with times and server-made names normalized.
    now = sum((transcripts.normalize(lines)
               for lines in transcripts.record_tour(pattern).values()),
              start=transcripts.Counter())
    files = [path for path in (transcripts.OUT / pattern).glob("*.txt")
             if path.stem.split("-")[0] in ("producer", "consumer")]
    assert sum(map(committed, files), start=transcripts.Counter()) == now


@pytest.mark.parametrize("name", transcripts.SINGLE)
def test_single_transcripts_match_what_the_scripts_print_now(name):
    now = transcripts.normalize(transcripts.record_single(name))
    assert committed(transcripts.OUT / f"{name}.txt") == now
