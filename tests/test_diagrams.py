"""The diagrams: each shows the run its page shows, and stays legible on a phone.

The run is what tests/tools/tour.py starts, read by calling its functions with
recorders in place of the scripts. The diagram is images/X.dot as Graphviz
reads it (``dot -Tjson``), its nodes named as in every .dot: P the producer,
X the exchange, q... the queues, C1... the consumers. The SVG (docs) and PNG
(README.rst) beside it must be what ``make images`` makes of it now.
"""
import ast
import json
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import tour
from harness import FOLDERS, ROOT

IMAGES = ROOT / "images"
DIAGRAMS = {"basic": "basic", "workers": "worker", "pubsub": "pubsub",
            "routing": "routing", "topic": "topic", "rpc": "rpc",
            "confirms": "confirms",
            "streams": "streams"}
# Every diagram: the patterns', and the cluster page's (tests/tools/failover.py).
ALL = [*DIAGRAMS.values(), "cluster"]
# On a phone 390 px wide, furo's 16 px margins leave an image 358 px; scaled
# down to that, no text may be smaller than 9 px.
PHONE_PX, SMALLEST_PX = 358, 9
MAX_WIDTH_PT, MAX_ASPECT = 700, 2.2


def dot(*args):
    """Run Graphviz's dot; its completed process."""
    if shutil.which("dot") is None:
        pytest.fail("the diagram tests need Graphviz: sudo apt-get install graphviz")
    return subprocess.run(["dot", *args], capture_output=True, check=True)


class Diagram:
    """The nodes and edges of images/NAME.dot, as Graphviz reads it."""

    def __init__(self, name):
        graph = json.loads(dot("-Tjson", str(IMAGES / f"{name}.dot")).stdout)
        self.nodes = {node["_gvid"]: node for node in graph["objects"]}
        name_of = {gvid: node["name"] for gvid, node in self.nodes.items()}
        self.edges = [(name_of[edge["tail"]], name_of[edge["head"]], edge)
                      for edge in graph.get("edges", [])]

    def consumers(self):
        return sorted((node["name"] for node in self.nodes.values()
                       if re.fullmatch(r"C\d+", node["name"])),
                      key=lambda name: int(name[1:]))

    def labels(self, tail, head):
        """The label of each edge from tail to head, split into words."""
        return [words(edge.get("label", "")) for t, h, edge in self.edges
                if (t, h) == (tail, head)]

    def queue_of(self, consumer):
        [queue] = [tail for tail, head, _ in self.edges if head == consumer]
        return queue


def words(label):
    """A label's keys: split at commas and line breaks (\\n, \\l, \\r)."""
    return [word.strip() for word in re.split(r"\\[nlr]|,", label) if word.strip()]


def run_of(pattern, monkeypatch):
    """What the tour runs for a pattern, without running it: the argument
    lists of its consumers and of each producer run, in order."""
    consumers, producers = [], []

    class Recorder:
        def __init__(self, folder, *argsets, **options):
            assert folder == pattern
            consumers.extend(list(args) for args in argsets)

        def __enter__(self):
            return []

        def __exit__(self, *exc_info):
            return False

    monkeypatch.setattr(tour, "Consumers", Recorder)
    monkeypatch.setattr(tour, "producer",
                        lambda folder, *args, **options: producers.append(list(args)))
    monkeypatch.setattr(tour, "wait_total", lambda *args, **options: None)
    tour.PATTERNS[pattern][0]()
    return consumers, producers


def topic_matches(pattern, key):
    """RabbitMQ's topic matching: * is one word, # is zero or more."""
    def match(patterns, keys):
        if not patterns:
            return not keys
        if patterns[0] == "#":
            return match(patterns[1:], keys) or (bool(keys)
                                                 and match(patterns, keys[1:]))
        return (bool(keys) and patterns[0] in ("*", keys[0])
                and match(patterns[1:], keys[1:]))
    return match(pattern.split("."), key.split("."))


@pytest.mark.offline
def test_the_tour_and_the_diagrams_cover_every_pattern_folder():
    assert sorted(DIAGRAMS) == sorted(tour.PATTERNS) == FOLDERS
    assert {path.stem for path in IMAGES.glob("*.dot")} == set(ALL)


@pytest.mark.offline
@pytest.mark.parametrize("pattern", DIAGRAMS)
def test_each_page_shows_its_diagram_as_svg(pattern):
    page = (ROOT / "docs" / f"{pattern}.rst").read_text()
    assert f".. image:: ../images/{DIAGRAMS[pattern]}.svg\n" in page


@pytest.mark.offline
@pytest.mark.parametrize("pattern", DIAGRAMS)
def test_each_diagram_has_as_many_consumers_as_its_run(pattern, monkeypatch):
    consumers, _ = run_of(pattern, monkeypatch)
    diagram = Diagram(DIAGRAMS[pattern])
    assert len(diagram.consumers()) == len(consumers), diagram.consumers()


@pytest.mark.offline
@pytest.mark.parametrize("pattern", ["routing", "topic"])
def test_bindings_and_keys_are_those_of_the_run(pattern, monkeypatch):
    consumers, producers = run_of(pattern, monkeypatch)
    diagram = Diagram(pattern)
    # The producer's edge lists the keys it sends, in order.
    sent = [key for args in producers for key in args]
    assert diagram.labels("P", "X") == [sent]
    for number, bound in enumerate(consumers, 1):
        queue = diagram.queue_of(f"C{number}")
        # One edge per binding, from the exchange to this consumer's queue.
        assert sorted(key for label in diagram.labels("X", queue) for key in label) \
            == sorted(bound), f"bindings of C{number}"
        # A direct exchange delivers the keys bound, which the edges into
        # the queue already show; a topic diagram says what each consumer
        # gets, as patterns are the point of its page.
        got = diagram.labels(queue, f"C{number}")
        expected = [key for key in sent
                    if any(topic_matches(binding, key) for binding in bound)]
        assert got == ([expected] if pattern == "topic" else [[]]), f"C{number}"


@pytest.mark.offline
def test_the_topic_diagram_shows_a_key_both_get_and_keys_only_one_gets():
    # The point of the page: a key can reach both consumers, or only one.
    diagram = Diagram("topic")
    first, second = ({key for label in diagram.labels(diagram.queue_of(consumer),
                                                      consumer) for key in label}
                     for consumer in diagram.consumers())
    assert first & second and first - second and second - first, (first, second)


@pytest.mark.offline
def test_the_worker_diagram_shows_the_dead_letter_queue():
    source = (ROOT / "workers" / "queue.py").read_text()
    [limit] = [node.value.value for node in ast.parse(source).body
               if isinstance(node, ast.Assign)
               and [target.id for target in node.targets] == ["DELIVERY_LIMIT"]]
    diagram = Diagram("worker")
    queues = {node["name"]: node["label"] for node in diagram.nodes.values()
              if node.get("shape") == "record"}
    [tasks] = [name for name, label in queues.items() if "{workers.tasks|" in label]
    [failed] = [name for name, label in queues.items()
                if "{workers.tasks.failed|" in label]
    [label] = diagram.labels(tasks, failed)
    assert f"after {limit}" in " ".join(label)


@pytest.mark.offline
def test_the_rpc_reply_is_drawn_as_direct_reply_to_not_as_a_queue():
    diagram = Diagram("rpc")
    for node in diagram.nodes.values():
        for text in ("label", "xlabel"):
            assert "reply-to" not in node.get(text, ""), node["name"]
    # The one queue is the request queue.
    assert [node["label"] for node in diagram.nodes.values()
            if node.get("shape") == "record"] == ["{rpc.fibonacci|{||||}}"]
    replies = [edge for tail, head, edge in diagram.edges
               if re.fullmatch(r"C\d+", tail) and head == "P"]
    assert len(replies) == len(diagram.consumers())
    assert all(edge.get("style") == "dashed" for edge in replies)
    assert any("amq.rabbitmq.reply-to" in edge.get("label", "") for edge in replies)


def recipe(target):
    """The command `make images` runs for images/%.TARGET, as argv."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^images/%\.{target}: images/%\.dot\n\t(.+)$", makefile, re.M)
    assert match, f"no rule for images/%.{target} in the Makefile"
    return shlex.split(match[1])


@pytest.mark.offline
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("kind", ["svg", "png"])
def test_svg_and_png_are_what_make_images_makes_now(name, kind, tmp_path):
    # dot's output is the same byte for byte from one run to the next; it
    # changes with Graphviz's version and fonts, which the message names.
    source, committed = IMAGES / f"{name}.dot", IMAGES / f"{name}.{kind}"
    fresh = tmp_path / committed.name
    argv = [{"$<": str(source), "$@": str(fresh)}.get(arg, arg) for arg in recipe(kind)]
    assert argv[0] == "dot", argv
    dot(*argv[1:])
    version = dot("-V").stderr.decode().strip()
    same = committed.is_file() and committed.read_bytes() == fresh.read_bytes()
    assert same, (
        f"images/{committed.name} is not what `make images` makes of "
        f"images/{source.name} with {version}: run `make images`")


@pytest.mark.offline
@pytest.mark.parametrize("name", ALL)
def test_each_svg_is_legible_on_a_phone(name):
    svg = ET.parse(IMAGES / f"{name}.svg").getroot()
    width, height = (float(svg.get(side).removesuffix("pt"))
                     for side in ("width", "height"))
    assert width <= MAX_WIDTH_PT, f"{width} pt wide"
    assert width / height <= MAX_ASPECT, f"{width:.0f} x {height:.0f} pt"
    # Sizes are in pt (72 an inch, a CSS px is 1/96 inch); a phone shrinks
    # an image wider than PHONE_PX to fit, and never enlarges one.
    smallest = min(float(text.get("font-size"))
                   for text in svg.iter("{http://www.w3.org/2000/svg}text"))
    on_phone = smallest * 4 / 3 * min(1, PHONE_PX / (width * 4 / 3))
    assert on_phone >= SMALLEST_PX, f"{smallest} pt text: {on_phone:.1f} px on a phone"
