"""The rendered tutorial: builds clean, shows every script, matches the code."""
import ast
import csv
import re
import shlex
from html.parser import HTMLParser

import docutils.core
import pytest

import harness
import tour
import transcripts
from conftest import QUEUES, STREAMS
from harness import ROOT

DOCS = ROOT / "docs"
PATTERNS = harness.FOLDERS  # each has a page of its own


def includes(page):
    """(file, options) of each literalinclude on a page, in order."""
    found = []
    pattern = r"literalinclude:: (\S+)\n((?:[ \t]+:.*\n)*)"
    for match in re.finditer(pattern, page.read_text()):
        options = dict(re.findall(r":([\w-]+):[ \t]*(.*)", match[2]))
        found.append(((page.parent / match[1]).resolve(), options))
    return found


def code_lines(path, options):
    """The lines of code (no blanks, no comments) that an include shows."""
    text = path.read_text()
    if "pyobject" in options:
        nodes = ast.parse(text).body
        for name in options["pyobject"].split("."):
            node = next(n for n in nodes if getattr(n, "name", None) == name)
            nodes = getattr(node, "body", [])
        text = ast.get_source_segment(text, node)
    elif "start-after" in options or "end-before" in options:
        text = text.split(options.get("start-after", ""), 1)[-1]
        text = text.split(options.get("end-before", "\0"), 1)[0]
    return [line for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.mark.offline
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_page_shows_every_file_of_its_lesson(pattern):
    shown = {path for path, options in includes(DOCS / f"{pattern}.rst")
             if "caption" in options and not {"pyobject", "start-after"} & set(options)}
    # cli.py has a page of its own, and so has workers/service.py.
    lesson = {path for path in (ROOT / pattern).glob("*.py")
              if path.name not in ("cli.py", "service.py")}
    assert shown == lesson


@pytest.mark.offline
def test_the_service_page_shows_the_service_whole():
    shown = [path for path, options in includes(DOCS / "service.rst")
             if "caption" in options]
    assert shown == [ROOT / "workers" / "service.py"]


@pytest.mark.offline
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_page_opens_with_the_heart_of_the_pattern(pattern):
    # Before the first whole file: fragments only, at most 22 lines of code
    # (the basic page's include closing the connection on a refused
    # declare), and pika's calls among them.
    opening = []
    for path, options in includes(DOCS / f"{pattern}.rst"):
        if path.suffix != ".py" or not {"pyobject", "start-after"} & set(options):
            break
        opening += code_lines(path, options)
    assert 0 < len(opening) <= 22, opening
    assert any("self.channel." in line or "pika." in line for line in opening)


@pytest.mark.offline
def test_the_command_line_layer_has_a_page_of_its_own():
    shown = [path for path, options in includes(DOCS / "cli.rst")
             if "caption" in options]
    assert [path.name for path in shown] == ["cli.py"]
    count = "one two three four five six seven eight nine".split()[len(PATTERNS) - 1]
    assert f"the {count} copies" in (DOCS / "cli.rst").read_text()
    for pattern in PATTERNS:
        assert not [path for path, _ in includes(DOCS / f"{pattern}.rst")
                    if path.name == "cli.py"], pattern


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


def paste_as_they_ran(files):
    """Every command line the files show, pasted into bash (shlex), is the
    argv of a script that just ran (on another port, maybe: the broker's
    address is normalized, as in the output)."""
    def argv(words):
        return [transcripts.address_free(word) for word in words]

    shown = [argv(shlex.split(line[2:])) for path in files
             for line in path.read_text().splitlines() if line.startswith("$ ")]
    assert shown, files
    assert harness.SHOWN, "no script was run with its command line shown"
    for script in harness.SHOWN:
        assert argv(script.argv) in shown, (script.argv, shown)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_tour_transcripts_match_what_the_scripts_print_now(pattern):
    # Which worker gets which task varies, so compare all the pattern's
    # terminals together, with times and server-made names normalized.
    harness.SHOWN.clear()
    now = sum((transcripts.normalize(lines)
               for lines in transcripts.record_tour(pattern).values()),
              start=transcripts.Counter())
    files = [path for path in (transcripts.OUT / pattern).glob("*.txt")
             if path.stem.split("-")[0] in ("producer", "consumer")]
    assert sum(map(committed, files), start=transcripts.Counter()) == now
    paste_as_they_ran(files)


@pytest.mark.parametrize("name", transcripts.SINGLE)
def test_single_transcripts_match_what_the_scripts_print_now(name):
    harness.SHOWN.clear()
    now = transcripts.normalize(transcripts.record_single(name))
    path = transcripts.OUT / f"{name}.txt"
    assert committed(path) == now
    paste_as_they_ran([path])


def server_named(path):
    return set(re.findall(r"amq\.gen-[\w-]+", path.read_text()))


@pytest.mark.offline
@pytest.mark.parametrize("pattern", list(transcripts.TOUR_LOOKS))
def test_each_look_at_the_broker_lists_the_queues_its_consumers_printed(pattern):
    # The same run: the queues bound in the listing are the consumers' own,
    # as the page says, and nothing else.
    printed = set().union(*(server_named(path) for path in
                            (transcripts.OUT / pattern).glob("consumer-*.txt")))
    assert len(printed) == len(tour.ROUTING_BINDINGS if pattern == "routing" else
                               tour.TOPIC_BINDINGS if pattern == "topic" else
                               range(3))
    assert server_named(transcripts.OUT / pattern / "look.txt") == printed


@pytest.mark.offline
def test_the_broker_listings_hold_only_what_the_pages_explain():
    folder = transcripts.OUT / "inspecting"
    queues = {line.split("\t")[0] for line in
              (folder / "list_queues.txt").read_text().splitlines()[2:]}
    assert queues <= {*QUEUES, *STREAMS}, queues  # each named on the page
    # The two routing consumers' queues, and no other server-named one.
    assert len(server_named(folder / "list_bindings.txt")) == 2
    # RPC: the request waits, no queue waits for the reply (direct reply-to).
    rpc = transcripts.OUT / "rpc" / "look.txt"
    assert "rpc.fibonacci\t1\t0" in rpc.read_text() and not server_named(rpc)


@pytest.mark.offline
@pytest.mark.parametrize("pattern", [*PATTERNS, "cluster"])
def test_each_pattern_page_ends_with_exercises_each_backed_by_a_test(pattern):
    text = (DOCS / f"{pattern}.rst").read_text()
    exercises = text.split("\nExercises\n---------\n")[-1]
    assert exercises != text, "no Exercises section"
    assert "\n---" not in exercises, "Exercises is not the last section"
    items = re.findall(r"^\d\. ", exercises, re.MULTILINE)
    tested = re.findall(r"\.\. tested by: (tests/\w+\.py)::(\w+)", exercises)
    assert 1 <= len(items) <= 3 and len(tested) >= len(items)
    for file, name in tested:
        functions = {node.name for node in ast.parse((ROOT / file).read_text()).body
                     if isinstance(node, ast.FunctionDef)}
        assert name in functions, f"{file}::{name}"


@pytest.mark.offline
def test_the_rows_the_costs_page_names_are_in_its_table():
    text = " ".join((DOCS / "costs.rst").read_text().split())
    named = re.findall(r'the "([^"]+)" row\b', text, re.IGNORECASE)
    with open(DOCS / "bench" / "results.csv", newline="") as file:
        rows = {line[0] for line in csv.reader(file)}
    assert named and set(named) <= rows, sorted(set(named) - rows)


GUIDES = ["queues", "quorum-queues", "confirms", "consumer-prefetch", "dlx",
          "direct-reply-to", "ttl", "heartbeats", "alarms", "consumers",
          "clustering", "deprecated-features", "memory", "disk-alarms"]


@pytest.mark.offline
def test_claims_link_to_rabbitmqs_guides():
    text = "".join(page.read_text() for page in DOCS.glob("*.rst"))
    linked = set(re.findall(r"https://www\.rabbitmq\.com/docs/([\w-]+)", text))
    assert set(GUIDES) <= linked, sorted(set(GUIDES) - linked)


@pytest.mark.offline
def test_docs_build_strictly_with_read_the_docs_settings(built_docs):
    settings = (ROOT / ".readthedocs.yaml").read_text()
    assert re.search(r"configuration: docs/conf.py", settings)
    assert re.search(r"fail_on_warning: true", settings)
    assert re.search(r"requirements: requirements.txt", settings)
    html, warnings = built_docs
    assert not warnings, warnings
    assert (html / "index.html").is_file()


class CodeBlocks(HTMLParser):
    """The Python code blocks of a rendered page: the lines of each block
    shown, and how many lines each <details> folds away. Terminal
    transcripts (highlight-console) are neither."""

    def __init__(self):
        super().__init__()
        self.shown, self.folds = [], []
        self.details = self.divs = 0
        self.block_at = None  # the div depth of the code block we are in
        self.text = None  # the text of its <pre>, while we are in it

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "details":
            self.details += 1
            if self.details == 1:
                self.folds.append(0)
        elif tag == "div":
            self.divs += 1
            if self.block_at is None and {"highlight-default",
                                          "highlight-python"} & classes:
                self.block_at = self.divs
        elif tag == "pre" and self.block_at is not None:
            self.text = []

    def handle_endtag(self, tag):
        if tag == "details":
            self.details -= 1
        elif tag == "div":
            if self.divs == self.block_at:
                self.block_at = None
            self.divs -= 1
        elif tag == "pre" and self.text is not None:
            lines = [line for line in "".join(self.text).splitlines()
                     if line.strip()]
            if self.details:
                self.folds[-1] += len(lines)
            else:
                self.shown.append(lines)
            self.text = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


@pytest.mark.offline
def test_each_line_of_code_is_shown_once_per_page(built_docs):
    # The fragments, then the rest of the file: a whole file whose lines a
    # fragment already showed is folded away. Three lines in a row shown
    # twice on a page are a repeat; lines of punctuation alone do not count.
    html, _ = built_docs
    problems = []
    for page in [*PATTERNS, "service", "cli"]:
        blocks = CodeBlocks()
        blocks.feed((html / f"{page}.html").read_text())
        assert blocks.shown, f"{page}: no Python code shown"
        seen, repeated = set(), []
        for block in blocks.shown:
            code = [line.strip() for line in block
                    if any(character.isalnum() for character in line)]
            runs = list(zip(code, code[1:], code[2:]))
            for run in runs:
                if run in seen or runs.count(run) > 1:
                    repeated += [line for line in run if line not in repeated]
            seen.update(runs)
        if repeated:
            problems.append(f"{page}: shown twice: {repeated}")
        if 0 in blocks.folds:
            problems.append(f"{page}: a fold without code")
    assert not problems, "\n".join(problems)
