"""Every script behaves like a well-made command-line tool."""
import re
import signal
import socket

import pytest

from conftest import broker_connection, take, url
from harness import FOLDERS, ROOT, Script, bodies, run
from proxy import NotAMQP

# Arguments that make each script do its normal work.
ARGS = {
    "basic/producer": [], "basic/consumer": [],
    "workers/producer": [], "workers/consumer": [],
    "pubsub/producer": [], "pubsub/consumer": [],
    "routing/producer": ["blue"], "routing/consumer": ["blue"],
    "topic/producer": ["kern.critical"], "topic/consumer": ["kern.*"],
    "rpc/producer": ["5"], "rpc/consumer": [],
    "confirms/producer": ["--count", "5"], "confirms/consumer": [],
    "streams/producer": [], "streams/consumer": [],
}
SCRIPTS = sorted(str(path.relative_to(ROOT).with_suffix(""))
                 for path in ROOT.glob("*/*.py")
                 if path.stem in ("producer", "consumer"))
CONSUMERS = [script for script in SCRIPTS if script.endswith("consumer")]


@pytest.mark.offline
def test_every_script_is_listed():
    assert SCRIPTS == sorted(ARGS)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_clean_line(errors):
    assert len(errors) == 1, errors
    assert "Traceback" not in errors[0]
    return errors[0]


@pytest.mark.offline
@pytest.mark.parametrize("script", SCRIPTS)
def test_help_is_plain_text(script):
    folder, name = script.split("/")
    status, out, errors = run(folder, name, "--help")
    assert (status, errors) == (0, [])
    assert out[0].startswith(f"usage: {name}.py")
    assert not [line for line in out if "`" in line]  # no reStructuredText


@pytest.mark.parametrize("folder", sorted({script.split("/")[0] for script in SCRIPTS}))
def test_scripts_run_from_any_directory(folder, tmp_path):
    # A reader may type python basic/producer.py from the repository root,
    # or keep other files called cli.py, queue.py or exchange.py where they are.
    for decoy in ("cli.py", "queue.py", "exchange.py"):
        (tmp_path / decoy).write_text("raise SystemExit('imported from the cwd')\n")
    consumer_args = {"workers": ["--seconds", 0]}.get(folder,
                                                      ARGS[f"{folder}/consumer"])
    # What the consumer prints for each message it has dealt with.
    handled = {"workers": " done$", "rpc": " sent$"}.get(folder, " received$")
    for cwd in (ROOT, tmp_path):
        with Script(folder, "consumer", *consumer_args, cwd=cwd) as consumer:
            consumer.ready()
            status, out, errors = run(folder, "producer", *ARGS[f"{folder}/producer"],
                                      cwd=cwd)
            assert (status, errors) == (0, []), cwd
            # confirms/producer.py says how many in one line per strategy.
            confirmed = re.findall(r"^Published and confirmed (\d+)", "\n".join(out),
                                   re.MULTILINE)
            consumer.wait_for(handled, count=len(bodies(out, "sent"))
                              + sum(map(int, confirmed)))
        assert (consumer.process.returncode, consumer.stderr) == (0, []), cwd


@pytest.mark.offline
@pytest.mark.parametrize("script", SCRIPTS)
def test_unknown_option_prints_usage(script):
    status, _, errors = run(*script.split("/"), *ARGS[script], "--bogus")
    assert status == 2
    assert errors[0].startswith("usage: ") and "Traceback" not in "".join(errors)


@pytest.mark.offline
@pytest.mark.parametrize("script", SCRIPTS)
def test_unreachable_broker_is_one_line(script):
    port = closed_port()
    env = {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F"}
    status, _, errors = run(*script.split("/"), *ARGS[script], env=env, timeout=10)
    line = one_clean_line(errors)
    assert status == 1
    assert f"127.0.0.1:{port}; is it running? Start it: docker start rabbitmq" in line
    assert line.endswith("installed as a package: sudo systemctl start rabbitmq-server")


@pytest.mark.offline
@pytest.mark.parametrize("host, line", [
    # Another machine's broker: no advice to start one here. (Linux connects
    # 0.0.0.0 to this machine, so nothing leaves it; the advice goes by name.)
    ("0.0.0.0:{port}", "cannot reach RabbitMQ at 0.0.0.0:{port}; "
     "check the host name, the port, and any firewall on the way"),
    ("rabbitmq.invalid:5672",
     "cannot find rabbitmq.invalid:5672: check the host name in AMQP_URL")])
def test_a_broker_elsewhere_is_one_line_that_fits(host, line):
    port = closed_port()
    env = {"AMQP_URL": f"amqp://guest:guest@{host}/%2F".format(port=port)}
    status, _, errors = run("basic", "producer", env=env, timeout=20)
    assert status == 1
    assert one_clean_line(errors) == f"producer.py: {line.format(port=port)}"


@pytest.mark.offline
def test_no_node_of_several_answering_is_one_line_naming_them_all():
    first, second = closed_port(), closed_port()
    env = {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{first}/%2F,"
                       f"amqp://guest:secret@127.0.0.1:{second}/%2F"}
    status, _, errors = run("basic", "consumer", env=env, timeout=20)
    assert status == 1
    assert one_clean_line(errors) == (
        f"consumer.py: cannot reach RabbitMQ at 127.0.0.1:{first} or "
        f"127.0.0.1:{second}; is it running? Start it: docker start rabbitmq (or "
        "the README's docker run line), or, installed as a package: sudo systemctl "
        "start rabbitmq-server")


@pytest.mark.parametrize("folder, queue", [("basic", "basic.greetings"),
                                           ("confirms", "confirms.messages")])
def test_the_first_node_that_answers_is_used(folder, queue):
    # A cluster's URL with its first node down: the script goes on to the next,
    # with BlockingConnection (basic) as with SelectConnection (confirms).
    env = {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F,{url()}"}
    status, out, errors = run(folder, "producer", *ARGS[f"{folder}/producer"], env=env)
    assert (status, errors, len(out)) == (0, [], 5 if folder == "basic" else 3)
    if folder == "basic":
        assert take(queue) == [body.encode() for body in bodies(out, "sent")]
    else:  # five messages by each of the three strategies
        assert len(take(queue)) == 15


@pytest.fixture(scope="module")
def not_amqp():
    with NotAMQP() as ports:
        yield {"silent": ports.silent, "web": ports.web}


@pytest.mark.offline
@pytest.mark.parametrize("kind, line", [
    ("silent", "took the connection but never answered: a broker that hangs, or "
               "not the AMQP port"),
    ("web", "answered, but not in AMQP: check the port in AMQP_URL")])
def test_a_port_that_does_not_speak_amqp_is_one_line_in_every_script(not_amqp, kind,
                                                                     line):
    port = not_amqp[kind]
    env = {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F?stack_timeout=1"}
    scripts = [Script(*script.split("/"), *ARGS[script], env=env)
               for script in SCRIPTS]  # all at once: a second or two in all
    for script, name in zip(scripts, SCRIPTS):
        assert script.wait(30) == 1, (name, script.stderr)
        assert one_clean_line(script.stderr) == (
            f"{name.split('/')[1]}.py: 127.0.0.1:{port} {line} (5672 is AMQP, 5671 "
            "with TLS; 15672 is the management UI, for a browser)")


@pytest.mark.parametrize("script", SCRIPTS)
def test_wrong_password_is_one_line_without_the_password(script):
    env = {"AMQP_URL": url(password="Sesame-42")}
    status, out, errors = run(*script.split("/"), *ARGS[script], env=env, timeout=10)
    line = one_clean_line(errors)
    assert status == 1 and "refused the user name or password" in line
    assert "Sesame-42" not in line + "".join(out)


@pytest.mark.offline
@pytest.mark.parametrize("script", ["routing/producer", "routing/consumer",
                                    "topic/producer", "topic/consumer",
                                    "rpc/producer"])
def test_missing_argument_prints_usage(script):
    status, out, errors = run(*script.split("/"))
    assert status == 2 and out == []
    assert errors[0].startswith("usage: ") and "required" in errors[-1]


BAD_URLS = {
    "port not a number": ("amqp://guest:Sesame-42@localhost:port/%2F",
                          "AMQP_URL is not a valid broker URL"),
    "wrong scheme": ("http://guest:Sesame-42@localhost:5672/",
                     "it must look like amqp://user:password@host:5672/%2F"),
    "empty": ("", "it must look like amqp://user:password@host:5672/%2F"),
    "broken IPv6 host": ("amqp://guest:Sesame-42@[::1/%2F",
                         "AMQP_URL is not a valid broker URL"),
    "bad heartbeat": ("amqp://guest:Sesame-42@localhost/%2F?heartbeat=often",
                      "AMQP_URL is not a valid broker URL"),
}


@pytest.mark.offline
@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("case", BAD_URLS)
def test_bad_amqp_url_is_one_line(script, case):
    url, message = BAD_URLS[case]
    status, out, errors = run(*script.split("/"), *ARGS[script],
                              env={"AMQP_URL": url}, timeout=10)
    line = one_clean_line(errors)
    assert status == 1 and message in line
    assert "Sesame-42" not in line + "".join(out)


@pytest.mark.offline
@pytest.mark.parametrize("script", ["basic/producer", "basic/consumer",
                                    "pubsub/producer", "pubsub/consumer",
                                    "workers/consumer", "rpc/consumer"])
def test_extra_argument_prints_usage(script):
    status, out, errors = run(*script.split("/"), "extra")
    assert status == 2 and out == []
    assert errors[0].startswith("usage: ") and "unrecognized" in errors[-1]


@pytest.mark.parametrize("script", CONSUMERS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_consumer_ends_quietly_on_signal(script, signum):
    with Script(*script.split("/"), *ARGS[script]) as consumer:
        consumer.ready()
        # The readiness line arrived through a pipe while the consumer still
        # runs: output is flushed line by line, not when the process ends.
        assert consumer.process.poll() is None
        assert consumer.signal(signum) == 0
        assert consumer.stderr == []


def test_a_queue_declared_with_other_arguments_is_one_line():
    # Someone else's basic.greetings, with a length limit ours does not set.
    with broker_connection() as connection:
        channel = connection.channel()
        channel.queue_delete("basic.greetings")
        channel.queue_declare("basic.greetings", durable=True,
                              arguments={"x-max-length": 10})
    try:
        status, out, errors = run("basic", "producer")
    finally:
        with broker_connection() as connection:
            connection.channel().queue_delete("basic.greetings")
    line = one_clean_line(errors)
    assert status == 1 and out == []
    assert line.startswith("producer.py: RabbitMQ refused: PRECONDITION_FAILED")


@pytest.mark.offline
def test_cli_py_is_the_same_in_every_folder():
    # Each folder has its own copy so that it runs alone; a fix made in one
    # folder must be made in all.
    # (Which folders these are is checked beside the tour: test_diagrams.py.)
    copies = {(ROOT / folder / "cli.py").read_bytes() for folder in FOLDERS}
    assert len(copies) == 1, "cli.py differs between folders"


@pytest.mark.offline
def test_a_short_password_is_hidden_and_the_message_kept_whole():
    env = {"AMQP_URL": "amqp://guest:a@localhost:port/%2F"}
    status, _, errors = run("basic", "producer", env=env)
    assert status == 1
    assert one_clean_line(errors) == ("producer.py: AMQP_URL is not a valid broker "
                                      "URL: Port could not be cast to integer value "
                                      "as 'port'")


def test_a_reader_that_stops_reading_ends_the_consumer_quietly():
    # python consumer.py | head -n 2
    with Script("basic", "consumer", stdout_lines=2) as consumer:
        consumer.ready()
        status, first, _ = run("basic", "producer")
        assert status == 0
        # head has read its two lines and gone. The consumer may have printed
        # all five into the pipe before that: it notices only when it next
        # prints, as with a real head, so send it more.
        consumer.readers[0].join(15)
        status, more, _ = run("basic", "producer")
        assert status == 0
        assert consumer.wait(15) == 0 and consumer.stderr == []
    # What it had no chance to take is still there, in order.
    left = take("basic.greetings")
    sent = [body.encode() for body in bodies(first + more, "sent")]
    assert left == sent[len(sent) - len(left):]


def test_unknown_virtual_host_is_one_line():
    env = {"AMQP_URL": url(vhost="no-such-vhost")}
    status, _, errors = run("basic", "consumer", env=env, timeout=10)
    assert status == 1
    assert "refused the virtual host in AMQP_URL" in one_clean_line(errors)
