"""The pictures of the management UI (make pictures, docs/ui/): each one's
alt text says what the API said when it was taken, the page around it says
nothing that record contradicts, and each is light and legible."""
import json
import re
import struct

import pytest

import pictures
from harness import ROOT

DOCS = ROOT / "docs"
UI = pictures.OUT
PATTERNS = list(pictures.PICTURES)
# Furo's content column, in CSS px: on a 390 px phone (358 measured, 350
# to be safe), and on a 1280 px screen. A picture narrower than the column
# is shown at its own width.
COLUMNS = {390: 350, 1280: 736}
SMALLEST = 11  # px of text, as the page shows it
NUMBERS = {"no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4,
           "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12}
# The words for what a picture counts, as pages say them: "3 unacked".
COUNTED = r"(ready|unacked|consumers?|bindings?)"


def record(name):
    return json.loads((UI / f"{name}.json").read_text())


def snippet(name):
    return (UI / f"{name}.inc").read_text()


def option(text, name):
    return re.search(rf"^   :{name}: (.*)$", text, re.M)[1]


def claims(alt):
    """{name: {word: value}} of an alt text such as "routing.colors: 4
    bindings, keys blue, green, red, red; ..."."""
    found = {}
    for clause in alt.split("; "):
        name, _, said = clause.partition(": ")
        words = found.setdefault(name, {})
        said, _, keys = said.partition("keys ")
        if keys:
            words["keys"] = keys.split(", ")
        for item in filter(None, said.rstrip(", ").split(", ")):
            if item.startswith("type "):
                words["type"] = item.removeprefix("type ")
                continue
            value, _, word = item.partition(" ")
            assert word, f"{item!r} in {alt!r}: a number and what it counts"
            words[word] = value
    return found


def png_size(path):
    """(width, height) in pixels, from the PNG's header."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def including(name):
    """The pages that include the picture's snippet."""
    return [page for page in DOCS.glob("*.rst")
            if f"ui/{name}.inc" in page.read_text()]


def around(page, name):
    """The section of page that includes the snippet: its text from the
    heading before the include to the next heading."""
    text = page.read_text()
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if f"ui/{name}.inc" in line)
    heading = re.compile(r"^([=\-~^\"'`#*+])\1{2,}$")
    start = max([n - 1 for n in range(1, at) if heading.match(lines[n])], default=0)
    end = min([n - 1 for n in range(at, len(lines)) if heading.match(lines[n])],
              default=len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_each_alt_text_says_what_the_api_said(name):
    said = pictures.facts(record(name))
    alt = option(snippet(name), "alt")
    for thing, words in claims(alt).items():
        assert thing in said, f"{name}: {thing} is not in the record"
        for word, value in words.items():
            assert word in said[thing], f"{name}: the record has no {word} of {thing}"
            expected = said[thing][word]
            expected = expected if word == "keys" else pictures.shown(expected)
            assert value == expected, (f"{name}: the alt text says {thing} has "
                                       f"{value} {word}, the API said {expected}")


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_each_picture_shows_the_names_and_numbers_of_its_alt_text(name):
    shows = record(name)["shows"].split()
    # The bindings are counted in rows, one queue (amq.gen-...) each.
    queues = [word for word in shows if word.startswith("amq.gen-")]
    rows = {"bindings": str(len(queues)), "queues": str(len(set(queues)))}
    for thing, words in claims(option(snippet(name), "alt")).items():
        if thing in pictures.facts(record(name)) and "." in thing:
            assert thing in shows, f"{name}: {thing} is not in the picture"
        for word, value in words.items():
            if word in rows:
                assert value == rows[word], (f"{name}: {value} {word} in the alt "
                                             f"text, {rows[word]} in the picture")
                continue
            for each in value if word == "keys" else [value]:
                assert each in shows, f"{name}: {each} ({word}) is not in the picture"


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_rabbitmqctl_beside_each_picture_said_the_same(name):
    taken = record(name)
    assert taken["rabbitmqctl"][0].startswith("$ sudo rabbitmqctl -q list_")
    assert not pictures.disagreements(taken)
    text = snippet(name)
    command = taken["rabbitmqctl"][0].removeprefix("$ sudo rabbitmqctl ")
    assert f"   $ sudo rabbitmqctl {command}\n" in text
    assert f"   $ docker exec rabbitmq rabbitmqctl {command}\n" in text


def contradictions(text, said):
    """Each "N ready", "two consumers" and so on in text that no count of
    the record's agrees with."""
    found = []
    for number, word in re.findall(rf"\b(\d[\d,]*|{'|'.join(NUMBERS)}) {COUNTED}\b",
                                   text, re.I):
        value = NUMBERS.get(number.lower(), None)
        value = int(number.replace(",", "")) if value is None else value
        word = {"consumer": "consumers", "binding": "bindings"}.get(
            word.lower(), word.lower())
        values = {fact[word] for fact in said.values() if word in fact}
        if values and value not in values:
            found.append(f"{number} {word} (the record: {sorted(values)})")
    return found


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_the_text_around_each_picture_says_nothing_its_record_contradicts(name):
    said = pictures.facts(record(name))
    text = snippet(name).replace(option(snippet(name), "alt"), "")
    for page in including(name):
        text += "\n" + around(page, name)
    found = contradictions(text, said)
    assert not found, f"{name}: the text says {found}"


@pytest.mark.offline
def test_a_contradiction_is_found():
    said = {"basic.greetings": {"ready": 5, "unacked": 0}}
    assert contradictions("five messages ready: 5 ready, no unacked", said) == []
    assert contradictions("then 4 ready and one unacked", said) == [
        "4 ready (the record: [5])", "one unacked (the record: [0])"]


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_each_picture_is_legible_at_1280_and_390_px(name):
    picture = record(name)["picture"]
    path = UI / f"{name}.png"
    assert png_size(path) == (picture["width"] * picture["scale"],
                              picture["height"] * picture["scale"]), path
    shown = int(option(snippet(name), "width").removesuffix("px"))
    for page, column in COLUMNS.items():
        # A font of text_px CSS px in the UI, in a picture width px wide in
        # the UI, is shown text_px * (shown width / width) px high.
        text = picture["text_px"] * min(shown, column) / picture["width"]
        assert text >= SMALLEST, (f"{name}: text {text:.1f} px at {page} px: "
                                  "crop it narrower")


@pytest.mark.offline
def test_the_pictures_are_light():
    sizes = {name: (UI / f"{name}.png").stat().st_size for name in PATTERNS}
    heavy = {name: size for name, size in sizes.items() if size > 150_000}
    assert not heavy, f"over 150 kB: {heavy}"
    assert sum(sizes.values()) <= 2_000_000, sizes


@pytest.mark.offline
@pytest.mark.parametrize("name", PATTERNS)
def test_each_snippet_shows_its_picture_and_links_to_the_ui_page(name):
    text = snippet(name)
    assert f".. image:: /ui/{name}.png\n" in text
    assert ":doc:`management UI <ui>`" in text
