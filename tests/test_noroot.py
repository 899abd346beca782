"""A reader with no root and no sudo, as on a laptop with RabbitMQ in Docker:
a user of its own, with its own copy of the repository, runs make there.

Creating that user takes root: these tests are marked so (run.py leaves
them out, and says so, when it runs without root). The last one runs the
reader's whole make test, about as long as the system broker's lane: it runs
when named, as make test RABBITMQ=noroot does."""
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import broker
from conftest import BROKER, rabbitmqctl
from harness import ROOT

# Of this run: another, side by side, has its own user and virtual host.
READER = f"tutorial-reader-{os.getpid()}"
VHOST = f"tutorial-noroot-{os.getpid()}"
# Setting the reader up includes its .venv, from PyPI. What these tests
# check is the set-up's, whatever the broker's version: once a run.
pytestmark = [pytest.mark.timeout(1800), pytest.mark.root, pytest.mark.once]
# A network of its own, up, where nothing listens: as with this machine's
# broker stopped.
OWN_NETWORK = ("unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh")
NETWORK = {"SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE",
           "CURL_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy",
           "http_proxy", "no_proxy"}
# What ensure() prints when it starts or installs a broker.
STARTING = ("Starting RabbitMQ", "starting it", "Installing RabbitMQ")


def as_reader(*args, env=None, timeout=60, prefix=()):
    return subprocess.run([*prefix, broker.command("runuser"), "-u", READER, "--",
                           *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=timeout)


def running(uid):
    """The command lines of the processes uid runs (not those that have
    ended, and wait only for their parent to read their status)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, KeyError):  # ended meanwhile
            fields = dict(line.split(":", 1)
                          for line in status.read_text().splitlines())
            if (int(fields["Uid"].split()[0]) == uid
                    and fields["State"].split()[0] not in ("Z", "X")):
                command = (status.parent / "cmdline").read_bytes()
                found.append((int(status.parent.name),
                              command.replace(b"\0", b" ").decode().strip()))
    return found


def copy_repository(folder):
    """The files git tracks, as they are now: a reader's clone."""
    listed = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                            capture_output=True, text=True, timeout=60).stdout
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, folder / name
        if source.exists():  # not deleted in the work tree
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)


def python_folder():
    """The folder of root's python3 if the reader can run it with venv
    (pyenv's, under /root, it cannot); else the machine's, /usr/bin."""
    found = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"],
                           capture_output=True, text=True, timeout=60).stdout
    for folder in (os.path.dirname(found.strip()), "/usr/bin"):
        if folder and as_reader(f"{folder}/python3", "-c",
                                "import ensurepip, venv").returncode == 0:
            return folder
    pytest.fail(f"{READER} can run no python3 with venv")


@pytest.fixture(scope="module")
def make():
    """make TARGET in the reader's copy, as the reader, with AMQP_URL, on
    this machine's network or (network=False) on one of its own, where
    nothing answers; (status, output). Fails if it leaves anything
    running as the reader. The copy's .venv is made first, from PyPI."""
    home = Path(tempfile.mkdtemp(prefix=f"{READER}-"))
    subprocess.run(["useradd", "--home-dir", home, "--no-create-home",
                    "--shell", "/bin/sh", READER], check=True, timeout=60)
    uid = pwd.getpwnam(READER).pw_uid
    try:
        copy_repository(home / "tutorial")
        subprocess.run(["chown", "-R", f"{READER}:", home], check=True, timeout=60)
        # Only what a reader's shell has; the machine's settings for reaching
        # PyPI and npm (pip's, and the certificates its network needs).
        env = {"PATH": f"{python_folder()}:/usr/local/bin:/usr/bin:/bin",
               "LANG": "C.UTF-8", "HOME": str(home),
               **{key: value for key, value in os.environ.items()
                  if key.startswith(("PIP_", "NPM_CONFIG_")) or key in NETWORK}}

        def run(target, amqp_url=broker.SYSTEM_URL, network=True, more=None,
                timeout=600):
            result = as_reader("make", "-C", home / "tutorial", target,
                               env={**env, "AMQP_URL": amqp_url, **(more or {})},
                               timeout=timeout,
                               prefix=() if network else OWN_NETWORK)
            output = result.stdout + result.stderr
            left = running(uid)
            assert not left, f"left running as {READER}: {left}\n{output}"
            return result.returncode, output

        status, output = run(".venv/installed")
        assert status == 0, output
        run.home = home
        yield run
    finally:
        for pid, _ in running(uid):  # after a make that timed out
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["userdel", READER], timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_make_tour_runs_without_root_on_a_broker_that_answers(make):
    # Its own virtual host: the tests running on this broker never see it.
    rabbitmqctl("add_vhost", VHOST)
    try:
        rabbitmqctl("set_permissions", "-p", VHOST,
                    urlsplit(BROKER.url).username or "guest", ".*", ".*", ".*")
        status, output = make("tour", BROKER.url_with(vhost=VHOST))
    finally:
        rabbitmqctl("delete_vhost", VHOST)
    assert status == 0, output
    assert "The tour is over: every pattern ran end to end." in output, output


def closed_port_url():
    """A URL that names this machine, but a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"amqp://guest:guest@127.0.0.1:{probe.getsockname()[1]}/%2F"


@pytest.mark.parametrize("target, network",
                         [("tour", True), ("test", True), ("tour", False)])
def test_with_no_broker_make_says_how_to_get_one_and_starts_nothing(
        make, target, network):
    # On this machine's network, a port where nothing listens: starting the
    # broker here could not help. On a network of its own, the default URL:
    # the broker here does not answer, and sudo asks for a password.
    url = closed_port_url() if network else broker.SYSTEM_URL
    status, output = make(target, url, network=network)
    assert status != 0, output
    assert "Traceback" not in output, output
    why = "." if network else ", and only root can start one on this machine."
    assert (f"broker system: no RabbitMQ answers at {broker.where(url)}{why}\n"
            f"{broker.HOW}\n") in output, output
    assert not [word for word in STARTING if word in output], output


def test_as_root_nothing_is_started_for_a_url_naming_another_port():
    # Root could start this machine's broker, but it would answer on 5672.
    url = closed_port_url()
    result = subprocess.run(
        [sys.executable, ROOT / "tests" / "tools" / "broker.py", "system"],
        env={**os.environ, "AMQP_URL": url}, capture_output=True, text=True,
        timeout=180)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"broker system: no RabbitMQ answers at "
                             f"{broker.where(url)}.\n{broker.HOW}\n")


@pytest.mark.reader
def test_make_test_passes_as_a_user_without_root(make):
    # As with RabbitMQ in Docker, the reader controls the broker without root:
    # there with docker exec, here with the node's Erlang cookie in its home,
    # which lets the rabbitmqctl behind Debian's wrapper (root only) reach it.
    cookie = make.home / ".erlang.cookie"
    shutil.copy("/var/lib/rabbitmq/.erlang.cookie", cookie)
    shutil.chown(cookie, READER, READER)
    cookie.chmod(0o400)
    status, output = make("test", more={
        "RABBITMQ": "system",
        "RABBITMQCTL": "/usr/lib/rabbitmq/bin/rabbitmqctl"}, timeout=1500)
    lines = output.splitlines()
    assert status == 0, output
    assert any(re.fullmatch(r"RabbitMQ [\d.]+: \d+ passed", line)
               for line in lines), output
    assert re.search(r"^total: \d+ passed, 0 failed$", output, re.M), output
    # What needs root is said, not silently left out.
    assert "Not run without root:" in output, output
