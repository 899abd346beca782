"""Pictures of RabbitMQ's management UI, each taken in a real run of a
pattern, at the moment its page talks about: ``make pictures``.

The patterns run on the RabbitMQ 4.3 node (broker.py), in its virtual host
"/", with the management plugin enabled while they run, on a port of this
project's own (PORT: a reader's broker may hold 15672). Headless Chromium
(pictures.js, driven by playwright-core, as test_browser.py's) logs in as
guest and takes each picture. For each pattern P it writes to docs/ui/:

* P.png: the picture, cropped to what the page talks about, optimised
  with pngquant (Debian's package);
* P.json: what the management HTTP API told the page in the picture at that
  moment, the picture's size and its smallest text, and what rabbitmqctl
  said then;
* P.inc: the reST a page includes where it looks at the broker: the
  picture, its alt text made from the record, and the rabbitmqctl command
  that shows the same, with its Docker form.

tests/test_pictures.py checks the alt text and the pages against P.json.

    python tests/tools/pictures.py [PATTERN ...]
"""
import base64
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import broker
import tour
import transcripts
from harness import ROOT, Consumers, Script, run, until, wait_total

OUT = ROOT / "docs" / "ui"
PORT = 15673
API = f"http://127.0.0.1:{PORT}"
# The enabled-plugins file of the node while the pictures are taken, in its
# home: the node and the cluster's nodes read their own when they start.
PLUGINS_FILE = "/var/lib/rabbitmq/pictures-enabled-plugins"
DEFAULT_PLUGINS_FILE = "/etc/rabbitmq/enabled_plugins"
# Device pixels per CSS pixel of the pictures (pictures.js).
SCALE = 2
# The width a picture is shown at, in CSS px, at most: text 12 px in the UI
# stays 12 px on a wide screen, and at least 11 px in a phone's column.
LARGEST = 380
# The patterns' queues and streams, as tests/conftest.py knows them: each
# picture starts and ends with the queues empty and the streams gone.
QUEUES = ["basic.greetings", "workers.tasks", "workers.tasks.failed",
          "rpc.fibonacci", "confirms.messages"]
STREAMS = ["streams.events"]


def api(path):
    """The management HTTP API's JSON at path, as guest."""
    request = urllib.request.Request(API + path, headers={
        "Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


# What the UI asks the API for to draw its charts of the last minute.
CHARTED = "lengths_age=60&lengths_incr=5&msg_rates_age=60&msg_rates_incr=5"


def charted(path, what, value, samples=3):
    """True once the last samples of a chart all show value: the chart
    levels off at what the page talks about."""
    found = api(f"{path}?{CHARTED}")
    last = [each["sample"] for each in found.get(f"{what}_details", {}).get(
        "samples", [])[:samples]]
    return found.get(what) == value and last == [value] * samples


def ui_answers():
    try:
        api("/api/overview")
        return True
    except (urllib.error.URLError, OSError):
        return False


def plugins(node, *args):
    """rabbitmq-plugins on node, with the enabled-plugins file of the
    pictures."""
    result = broker.as_root(*node.AS_RABBITMQ, "env",
                            f"RABBITMQ_ENABLED_PLUGINS_FILE={PLUGINS_FILE}",
                            "rabbitmq-plugins", *args,
                            capture_output=True, text=True, timeout=180)
    if result.returncode:
        raise broker.Fail(f"rabbitmq-plugins {shlex.join(args)} failed: "
                          f"{result.stdout}{result.stderr}")


@contextlib.contextmanager
def management(node):
    """The management plugin on the running node, at PORT, in the block.
    Nothing the node reads when it starts changes: the port and the plugins
    file are set in the running node only, and afterwards the plugin is
    disabled and the node's own plugins file is in force again."""
    was = re.search(r'"([^"]+)"', node.checked(
        "eval", "application:get_env(rabbit, enabled_plugins_file)."))
    # The node's own file; the default if an earlier run was cut short.
    own = was[1] if was and was[1] != PLUGINS_FILE else DEFAULT_PLUGINS_FILE
    try:
        if not ui_answers():  # else left on by an earlier run cut short
            node.checked("eval", f"""
                application:load(rabbitmq_management),
                application:set_env(rabbitmq_management, tcp_config,
                                    [{{ip, "127.0.0.1"}}, {{port, {PORT}}}],
                                    [{{persistent, true}}]),
                application:set_env(rabbit, enabled_plugins_file,
                                    "{PLUGINS_FILE}").""")
            plugins(node, "enable", "rabbitmq_management")
            until(ui_answers, 60, f"the management UI answering at {API}",
                  interval=0.5)
        yield
    finally:
        with contextlib.suppress(broker.Fail):
            plugins(node, "disable", "rabbitmq_management")
        node.checked("eval", f'application:set_env(rabbit, enabled_plugins_file, '
                     f'"{own}").')


class Browser:
    """pictures.js, logged in: one picture per request."""

    def __init__(self):
        self.process = subprocess.Popen(
            ["node", str(Path(__file__).with_name("pictures.js")), API],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.answer()

    def answer(self):
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"pictures.js ended (status {self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"pictures.js: {answer['error']}")
        return answer

    def shoot(self, command, **request):
        """A picture (request: see pictures.js) and its record: what the
        page was sent, what the picture holds, and what rabbitmqctl
        command (its arguments) says meanwhile, once it agrees."""
        self.process.stdin.write(json.dumps({**request, "out": str(self.out)})
                                 + "\n")
        self.process.stdin.flush()
        shot = self.answer()
        record = {"api": shot["api"],
                  "picture": {"width": shot["width"], "height": shot["height"],
                              "scale": SCALE, "text_px": shot["text_px"]},
                  "shows": shot["text"]}

        def agreeing():
            record["rabbitmqctl"] = transcripts.look(command)
            return not disagreements(record)

        # The counts of quorum queues lag a little behind in rabbitmqctl.
        with contextlib.suppress(AssertionError):
            until(agreeing, 15, f"rabbitmqctl {command} agreeing", interval=0.3)
        return record

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


def rate(number):
    """A rate as the UI shows it (formatters.js, fmt_rate)."""
    if number < 1:
        return f"{number:.2f}/s"
    if number < 10:
        return f"{number:.1f}/s"
    return f"{int(number + 0.5):,}/s"


def facts(record):
    """{name: {what: value}}: what a record says, in the words of the alt
    text: a queue's ready, unacked, total, consumers and type; an exchange's
    bindings and their keys; the node's publish and confirm rates."""
    found = {}
    for path, body in record["api"].items():
        if path.startswith("/api/queues"):  # one queue, or a page of the list
            for queue in body.get("items", [body]):
                found[queue["name"]] = {
                    "ready": queue.get("messages_ready", 0),
                    "unacked": queue.get("messages_unacknowledged", 0),
                    "total": queue.get("messages", 0),
                    "consumers": queue["consumers"], "type": queue["type"]}
        elif path.endswith("/bindings/source"):
            found[path.split("/")[4]] = {
                "bindings": len(body),
                "queues": len({binding["destination"] for binding in body}),
                "keys": sorted(binding["routing_key"] for binding in body)}
        elif path == "/api/overview":
            stats = body.get("message_stats", {})
            found["message rates"] = {
                what: rate(stats.get(f"{key}_details", {}).get("rate", 0))
                for what, key in (("publish", "publish"),
                                  ("publisher confirm", "confirm"),
                                  ("deliver (auto ack)", "deliver_no_ack"))}
    return found


def counts(name, fact, *words):
    return f"{name}: " + ", ".join(
        f"type {fact[word]}" if word == "type" else f"{shown(fact[word])} {word}"
        for word in words)


def shown(value):
    """A number as the UI shows it: 1,000 for a thousand."""
    return f"{value:,}" if isinstance(value, int) else str(value)


# What rabbitmqctl's columns are in the words of the alt text.
COLUMNS = {"messages_ready": "ready", "messages_unacknowledged": "unacked",
           "messages": "total", "consumers": "consumers", "type": "type"}


def disagreements(record):
    """Where what rabbitmqctl said (record["rabbitmqctl"]) differs from what
    the API said: a queue's counts, an exchange's bindings."""
    found, said = [], facts(record)
    command, *output = record.get("rabbitmqctl", [""])
    words = shlex.split(command.split(" | ")[0]) or [""]
    words = words[[word.startswith("list_") for word in words].index(True):] \
        if any(word.startswith("list_") for word in words) else []
    if words[:1] == ["list_queues"]:
        columns = words[1:]
        for line in output:
            row = dict(zip(columns, line.split("\t")))
            fact = said.get(row.get("name"))
            for column, word in COLUMNS.items():
                if fact and column in row and shown(fact[word]) != shown(
                        int(row[column]) if row[column].isdigit() else row[column]):
                    found.append(f"{row['name']}: {column} {row[column]}, the "
                                 f"API said {fact[word]}")
    elif words[:1] == ["list_bindings"]:
        name = command.split(" | grep ")[-1]
        keys = sorted(line.split("\t")[2] for line in output)
        if name in said and keys != said[name]["keys"]:
            found.append(f"{name}: keys {keys}, the API said {said[name]['keys']}")
    return found




def queue_page(name):
    return f"#/queues/%2F/{name}"


def queue_api(name):
    return f"/api/queues/%2F/{name}"


def bindings_api(name):
    return f"/api/exchanges/%2F/{name}/bindings/source"


# The queue page's chart of Ready, Unacked and Total, narrower, and its
# legend under it rather than beside it.
QUEUE_CROP = ["#main h1", "#main .hider h3:first-of-type", "#chart-lengths-q",
              "#chart-lengths-q ~ table.legend"]
QUEUE_CSS = """
  .chart-small { width: 300px; }
  #chart-lengths-q ~ table.legend { float: none; clear: left; }"""
BINDINGS_CROP = ["#main h1", "#main .bindings-wrapper"]


def bindings_css(kept):
    """Only the first kept columns of the bindings (To, Routing key), not
    their arguments (there are none) nor their buttons; no form to add one."""
    return f"""
  .bindings-wrapper table.list th:nth-child(n+{kept + 1}),
  .bindings-wrapper table.list td:nth-child(n+{kept + 1}),
  #main .bindings-wrapper ~ * {{ display: none; }}"""


# The queues list with the columns of the counts only, for the queues whose
# name holds a word.
QUEUE_COLUMNS = {f"column-queues-{column}": "false" for column in (
    "type", "features", "features_no_policy", "policy", "consumers",
    "consumer_capacity", "state", "msgs-ready", "msgs-unacked", "msgs-total",
    "msgs-delayed", "msgs-ram", "msgs-persistent", "msg-bytes-ready",
    "msg-bytes-unacked", "msg-bytes-ram", "msg-bytes-persistent",
    "msg-bytes-total", "rate-incoming", "rate-deliver", "rate-redeliver",
    "rate-ack")}


def queues_list(*shown, word):
    """The UI's settings for its queues list: the columns shown, a filter."""
    return {**QUEUE_COLUMNS, **{f"column-queues-{column}": "true" for column in shown},
            "queues_current_filter_name": word, "vhost": "/"}


# The queues of virtual host "/", as its list asks for them.
LIST_API = "/api/queues/%2F"


def listed(browser, command, names, *columns):
    """The queues list, with names only (they share their first word) and
    the columns named as the UI's settings name them."""
    return browser.shoot(command, hash="#/queues", wait=names,
                         crop=["#main table.list"], drop=["Virtual host"],
                         prefs=queues_list(*columns, word=names[0].split(".")[0]),
                         api=[LIST_API])


def consumers(name, count):
    until(lambda: api(queue_api(name)).get("consumers") == count, 30,
          f"{name}: {count} consumers")


def basic(browser):
    run("basic", "producer")  # and no consumer yet: the greetings wait
    until(lambda: charted(queue_api("basic.greetings"), "messages_ready", 5),
          60, "basic.greetings holding 5 ready, in its chart")
    record = browser.shoot("list_queues name messages_ready "
                           "messages_unacknowledged messages | grep basic",
                           hash=queue_page("basic.greetings"), crop=QUEUE_CROP,
                           css=QUEUE_CSS,
                           wait=["basic.greetings", "Ready"],
                           api=[queue_api("basic.greetings")])
    return record, lambda f: counts("basic.greetings", f["basic.greetings"],
                                    "ready", "unacked", "total")


def workers(browser):
    # The poison task first: a worker fails it, and it ends in the failed queue.
    run("workers", "producer", "poison")
    with Consumers("workers", ["--seconds", 0]) as (worker,):
        worker.wait_for("^poison failed$", count=4)
    until(lambda: api(queue_api("workers.tasks.failed")).get("messages") == 1,
          30, "workers.tasks.failed holding the poison task")
    # Three workers mid-task, the rest of the tasks ready.
    run("workers", "producer")
    with Consumers("workers", *[["--seconds", 600]] * 3) as three:
        wait_total(three, " received$", 3)
        until(lambda: api(queue_api("workers.tasks")).get(
            "messages_unacknowledged") == 3, 30, "workers.tasks: 3 unacked")
        record = listed(browser, "list_queues name consumers messages_ready "
                        "messages_unacknowledged | grep workers",
                        ["workers.tasks", "workers.tasks.failed"],
                        "consumers", "msgs-ready", "msgs-unacked")
    return record, lambda f: "; ".join(
        counts(name, f[name], "consumers", "ready", "unacked")
        for name in ("workers.tasks", "workers.tasks.failed"))


def exchange(browser, folder, name, bindings, wait, count=None, kept=2):
    count = count or sum(map(len, bindings))
    with Consumers(folder, *bindings):
        until(lambda: len(api(bindings_api(name))) == count,
              30, f"{name}: its bindings")
        return browser.shoot(
            f"list_bindings source_name destination_name routing_key | grep {name}",
            hash=f"#/exchanges/%2F/{name}", wait=[name, *wait],
            crop=BINDINGS_CROP, css=bindings_css(kept), api=[bindings_api(name)],
            # The bindings unfolded, the exchange's overview folded.
            prefs={"visible|exchange|Bindings": "t",
                   "visible|exchange|Overview": "f"})


def pubsub(browser):
    record = exchange(browser, "pubsub", "pubsub.broadcast", [[]] * 3, ["amq.gen-"],
                      count=3, kept=1)  # a fanout exchange ignores keys
    return record, lambda f: counts("pubsub.broadcast", f["pubsub.broadcast"],
                                    "bindings", "queues")


def keyed(name):
    return lambda f: (counts(name, f[name], "bindings") + ", keys "
                      + ", ".join(f[name]["keys"]))


def routing(browser):
    record = exchange(browser, "routing", "routing.colors", tour.ROUTING_BINDINGS,
                      ["blue", "green", "red"])
    return record, keyed("routing.colors")


def topic(browser):
    record = exchange(browser, "topic", "topic.events", tour.TOPIC_BINDINGS,
                      ["kern.*", "#.critical"])
    return record, keyed("topic.events")


def rpc(browser):
    with Consumers("rpc", [], []):
        consumers("rpc.fibonacci", 2)
        record = listed(browser, "list_queues name consumers messages | grep rpc",
                        ["rpc.fibonacci"], "consumers", "msgs-total")
    return record, lambda f: counts("rpc.fibonacci", f["rpc.fibonacci"],
                                    "consumers", "total")


# The overview's chart of message rates, its legend under it, with the
# lines of publishing, confirming and delivering only (confirms/consumer.py
# takes its messages with auto_ack).
RATES_CROP = ["#main h3:has(+ .box #chart-msg-rates-over)", "#chart-msg-rates-over",
              "#chart-msg-rates-over ~ table.legend"]
RATES_CSS = """
  .chart-small { width: 300px; }
  #chart-msg-rates-over ~ table.legend { float: none; clear: left; }"""
OTHER_RATES = [
    ("Publish (In)", "publish_in"), ("Publish (Out)", "publish_out"),
    ("Deliver (manual ack)", "deliver"), ("Consumer ack", "ack"),
    ("Redelivered", "redeliver"),
    ("Get (manual ack)", "get"), ("Get (auto ack)", "get_no_ack"),
    ("Get (empty)", "get_empty"), ("Unroutable (return)", "return_unroutable"),
    ("Unroutable (drop)", "drop_unroutable"), ("Disk read", "disk_reads"),
    ("Disk write", "disk_writes")]


def confirms(browser):
    def rates():
        """True once the overview's chart, as the page asks for it, shows
        messages published and confirmed in each of its last 5 samples."""
        stats = api(f"/api/overview?{CHARTED}").get("message_stats", {})
        for key in ("publish", "confirm"):
            counts = [each["sample"] for each in stats.get(f"{key}_details", {})
                      .get("samples", [])[:6]]
            if len(counts) < 6 or any(a <= b for a, b in zip(counts, counts[1:])):
                return False
        return True

    with Consumers("confirms", []), Script(
            "confirms", "producer", "--strategy", "individually", "--count",
            "100000", label="producer") as producer:
        until(rates, 60, "publish and confirm rates in the overview", interval=0.5)
        record = browser.shoot(
            "list_channels confirm messages_unconfirmed", hash="#/",
            wait=["Publisher confirm"], crop=RATES_CROP, css=RATES_CSS,
            drop=[name for name, _ in OTHER_RATES],
            prefs={f"chart-line-msg-rates-over{key}": "false"
                   for _, key in OTHER_RATES}, api=["/api/overview"])
        producer.stop()
    return record, lambda f: "message rates: " + ", ".join(
        f"{value} {what}" for what, value in f["message rates"].items())


def streams(browser):
    run("streams", "producer")
    with Consumers("streams", ["--offset", "first"], ["--offset", "first"]) as two:
        wait_total(two, " received$", 10)
        consumers("streams.events", 2)
        record = listed(browser, "list_queues name type consumers messages "
                        "| grep streams",
                        ["streams.events"], "type", "consumers", "msgs-total")
    return record, lambda f: counts("streams.events", f["streams.events"],
                                    "type", "consumers", "total")


PICTURES = {name: globals()[name] for name in tour.PATTERNS}


def clean(node):
    """As the tests leave the broker (conftest.py): the pattern's queues
    empty, its streams gone."""
    with node.connection() as connection:
        channel = connection.channel()
        for queue in QUEUES:
            with contextlib.suppress(Exception):
                channel.queue_purge(queue)
            if channel.is_closed:
                channel = connection.channel()
        for stream in STREAMS:
            channel.queue_delete(stream)


def optimise(path):
    subprocess.run(["pngquant", "--force", "--strip", "--skip-if-larger",
                    "--quality", "60-90", "--ext", ".png", str(path)])


# What a snippet says between its picture and its command, where the
# command shows something else than the picture.
SAYS = {"confirms": (
    "The :doc:`management UI <ui>` above: its three lines lie on one another. "
    "``rabbitmqctl`` shows no rates, but which channel confirms (``true``, "
    "the producer's) and how many of its messages await a confirm:")}


def snippet(name, record, alt):
    """The reST a page includes: the picture and the command."""
    command = record["rabbitmqctl"][0].removeprefix("$ sudo rabbitmqctl ")
    width = record["picture"]["width"]
    return "\n".join([
        f".. image:: /ui/{name}.png",
        f"   :width: {min(width, LARGEST)}px",
        f"   :alt: {alt}",
        "",
        SAYS.get(name, "The :doc:`management UI <ui>` above; ``rabbitmqctl`` "
                 "shows the same:"),
        "",
        ".. code-block:: console",
        "",
        # Its columns as a terminal shows them: tabs would be expanded
        # after the block's indent, out of line.
        *(f"   {line.expandtabs()}" for line in record["rabbitmqctl"]),
        "",
        "With Docker:",
        "",
        ".. code-block:: console",
        "",
        f"   $ docker exec rabbitmq rabbitmqctl {command}",
        ""])


def ensure_tools():
    if shutil.which("pngquant") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            sys.exit("make pictures needs pngquant: sudo apt-get install pngquant")
        broker.step("apt-get", "install", "-y", "-qq", "pngquant")
    import clients
    clients.ensure()  # chromium, node and playwright-core


def main(args):
    ensure_tools()
    node = broker.named("4.3")
    try:
        node.ensure()
    except broker.Fail as error:
        sys.exit(f"broker 4.3: {error}")
    os.environ["AMQP_URL"] = node.url  # every script the pictures run
    transcripts.BROKER = node  # transcripts.look: rabbitmqctl as shown
    OUT.mkdir(parents=True, exist_ok=True)
    with management(node):
        browser = Browser()
        try:
            for name in args or PICTURES:
                take(node, browser, name)
        except (AssertionError, broker.Fail) as error:
            sys.exit(f"make pictures stopped at {name}: {error}")
        finally:
            browser.close()
            clean(node)


def take(node, browser, name):
    """One pattern's picture, record and snippet, written together once all
    three are had: a run cut short leaves the last ones as they were."""
    clean(node)
    png = OUT / f"{name}.png"
    browser.out = png.with_suffix(".new.png")
    record, alt_of = PICTURES[name](browser)
    alt = alt_of(facts(record))
    optimise(browser.out)
    browser.out.replace(png)
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    (OUT / f"{name}.inc").write_text(snippet(name, record, alt))
    print(f"{png.relative_to(ROOT)}: {alt} ({png.stat().st_size // 1024} kB)",
          flush=True)
    clean(node)


if __name__ == "__main__":
    main(sys.argv[1:])
