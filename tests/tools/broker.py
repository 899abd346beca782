"""The brokers the tour and the tests run against, and how to get each answering.

Three are known by name:

* ``system``: the broker at AMQP_URL (default: this machine's, port 5672). If
  it does not answer and AMQP_URL names this machine's port 5672, start it as
  root or with password-less sudo (installing Debian's package first when we
  are root), or start its app when the node runs without it. Otherwise say
  how to get a broker (HOW): Docker first, then a package manager. The tests
  control it with rabbitmqctl, as root (or with sudo), or with the command
  RABBITMQCTL names, run as it is: with RabbitMQ in Docker,
  RABBITMQCTL="docker exec rabbitmq rabbitmqctl".
* ``4.3``: RabbitMQ 4.3 from Debian's unstable suite, in a chroot kept under
  ~/.cache, run as its own node on port 5673 beside the system broker.
* ``cluster``: three nodes of that RabbitMQ 4.3 joined in a cluster, on
  ports 5681-5683 (cluster.py); its URL names all three, comma-separated.

Any other name is taken as an AMQP URL of a broker someone else runs.

    python tests/tools/broker.py [NAME ...]        make sure each answers
    python tests/tools/broker.py ctl NAME ARG ...  rabbitmqctl on broker NAME
"""
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pika
from pika import exceptions

from harness import until

# pika 1.5 deprecates BlockingConnection; the set-up and the tests keep it,
# as the scripts do (docs/troubleshooting.rst), without the warning.
warnings.filterwarnings("ignore", "BlockingConnection is deprecated",
                        DeprecationWarning)

SYSTEM_URL = "amqp://guest:guest@localhost:5672/%2F"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
CHROOT = CACHE / "rabbitmq-tutorial" / "rabbitmq-4.3"
# The 4.3 node's own name and ports, so it never meets the system broker.
NODE_43 = """NODENAME=rabbit43@localhost
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=5673
DIST_PORT=25673
ERL_EPMD_PORT=4371
ERL_EPMD_ADDRESS=127.0.0.1
"""
MIRROR = "http://deb.debian.org/debian"
APT = ["-o", "Acquire::Check-Valid-Until=false", "-o", "Acquire::Retries=3"]
HOW = """To get one, run RabbitMQ in Docker:
    docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:4-management
or install it with your package manager and start it:
    sudo apt-get install rabbitmq-server                   (Debian, Ubuntu)
    brew install rabbitmq && brew services start rabbitmq  (macOS)
Either answers at localhost:5672, where AMQP_URL points by default."""


class Fail(Exception):
    """Why a broker cannot be had: one line for the reader."""


class Disturbs(Fail):
    """A test not marked alone would stop or block a node others use."""


def patiently(condition, seconds, what, interval=0.1):
    """harness.until, failing as set-up fails: Fail, one line."""
    try:
        return until(condition, seconds, what, interval=interval)
    except AssertionError as error:
        raise Fail(str(error)) from None


def command(name):
    """The path of an admin command, also where sbin is not on PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def as_root(*args, **kwargs):
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    return subprocess.run([*prefix, *map(str, args)], **kwargs)


def step(*args):
    """Run one set-up command quietly; on failure, show what it said."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = as_root(*args, env=env, capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise Fail(f"{' '.join(map(str, args[:3]))}... failed:\n{tail}")


def rooted():
    """True if we are root or sudo needs no password: starting or installing
    the system's broker takes one of them."""
    if os.geteuid() == 0:
        return True
    try:
        return as_root("true", capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):  # no sudo, or it hangs
        return False


def system_port(url):
    """True if url names this machine's port 5672: the only broker the
    system's rabbitmq-server can be, whatever AMQP_URL says."""
    parts = urlsplit(url)
    return (parts.hostname in ("localhost", "127.0.0.1", "::1")
            and (parts.port or 5672) == 5672)


def where(url):
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5672}"


def check_url(url):
    """Fail with a clear line on a URL pika would misread."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise Fail(f"AMQP_URL is not a valid broker URL: {error}") from None
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise Fail("AMQP_URL is not a valid broker URL: it must look like "
                   "amqp://user:password@host:5672/%2F")


def disrupts(args):
    """True for a rabbitmqctl command that acts on the whole node: stopping
    it, an alarm, a setting every virtual host shares."""
    command = str(args[0]) if args else ""
    return (command in ("stop_app", "start_app", "stop", "shutdown", "reset",
                        "set_vm_memory_high_watermark", "set_disk_free_limit")
            or (command == "eval" and "set_env" in " ".join(map(str, args))))


class Broker:
    def __init__(self, name, url, ctl, as_is=False):
        # ctl: the rabbitmqctl command line, run as root unless as_is.
        self.name, self.url, self.ctl_prefix, self.as_is = name, url, ctl, as_is
        self.ctl_calls = 0  # how often rabbitmqctl ran: the tests' teardown
        # Whether other runs may be using the node meanwhile: then nothing
        # may stop it, raise an alarm or change a node-wide setting (run.py
        # runs the tests marked alone when nothing else does; conftest.py).
        self.shared = False

    def url_with(self, password=None, query=None, vhost=None, port=None):
        """This broker's URL with another password, query, virtual host or
        port (a proxy's on this machine)."""
        parts = urlsplit(self.url)
        netloc = parts.netloc
        if password is not None or port is not None:
            host = "127.0.0.1" if port else parts.hostname
            netloc = (f"{parts.username or 'guest'}:"
                      f"{parts.password if password is None else password}@"
                      f"{host}:{port or parts.port or 5672}")
        return parts._replace(netloc=netloc, query=query or parts.query,
                              path=parts.path if vhost is None else f"/{vhost}"
                              ).geturl()

    def connection(self):
        return pika.BlockingConnection(pika.URLParameters(self.url))

    def answers(self):
        try:
            self.connection().close()
            return True
        except (exceptions.ProbableAuthenticationError,
                exceptions.ProbableAccessDeniedError) as error:
            raise Fail(f"RabbitMQ at {where(self.url)} answers but refuses the "
                       f"user, password or virtual host: {error.args[0]}") from None
        except exceptions.AMQPConnectionError:
            return False

    def version(self):
        with self.connection() as connection:
            properties = connection._impl.server_properties
        version = properties["version"]
        return version.decode() if isinstance(version, bytes) else version

    def ctl(self, *args, timeout=120):
        """rabbitmqctl on this broker's node; a CompletedProcess."""
        if self.ctl_prefix is None:
            raise Fail(f"cannot control the broker at {where(self.url)}: "
                       "rabbitmqctl works only on brokers this machine runs")
        if self.shared and disrupts(args):
            raise Disturbs(f"rabbitmqctl {' '.join(map(str, args))} would "
                           "disturb the other runs on this node: mark the test "
                           "alone")
        self.ctl_calls += 1
        line, how = [*self.ctl_prefix, *args], dict(capture_output=True, text=True,
                                                     timeout=timeout)
        if self.as_is:
            return subprocess.run([str(part) for part in line], **how)
        return as_root(*line, **how)

    def checked(self, *args, timeout=120):
        """rabbitmqctl ARGS, failing with what it said; its output."""
        result = self.ctl(*args, timeout=timeout)
        if result.returncode:
            raise Fail(f"rabbitmqctl {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def ports(self):
        return {urlsplit(url).port or 5672 for url in self.url.split(",")}

    def settings(self):
        """What a test may change on the node and must put back: policies,
        alarms, the memory watermark, and the settings tests lower."""
        return self.checked("-q", "eval", """{
            [{proplists:get_value(vhost, P), proplists:get_value(name, P)}
             || P <- rabbit_policy:list()],
            rabbit_alarm:get_alarms(),
            vm_memory_monitor:get_vm_memory_high_watermark(),
            [application:get_env(rabbit, K) || K <- [consumer_timeout,
             channel_tick_interval, max_message_size]]}.""").strip()

    def shown(self, shown, *args):
        """rabbitmqctl ARGS; if shown is a list, it gets the command as a
        reader types it, then what rabbitmqctl said (the transcripts)."""
        output = self.checked(*args)
        if shown is not None:
            shown += [f"$ sudo rabbitmqctl {shlex.join(args)}", *output.splitlines()]
        return output

    @contextlib.contextmanager
    def policy(self, name, pattern, definition, shown=None):
        """A policy on the queues whose names match pattern, in the block."""
        self.shown(shown, "set_policy", "--apply-to", "queues", name, pattern,
                   json.dumps(definition))
        try:
            yield
        finally:
            self.checked("clear_policy", name)

    @contextlib.contextmanager
    def consumer_timeout(self, queue, milliseconds, shown=None):
        """Lower the consumer timeout for queue while in the with block."""
        if self.major_minor() >= (3, 12):
            with self.policy("short-timeout", f"^{re.escape(queue)}$",
                             {"consumer-timeout": milliseconds}, shown):
                yield
            return
        # Before 3.12 only the broker-wide setting exists. Channels check it
        # once a minute, unless their tick interval is shorter.
        def setting(name):
            return self.checked("eval", f"application:get_env(rabbit, {name}).")

        def put(timeout, tick, shown=None):
            self.shown(shown, "eval", f"application:set_env(rabbit, consumer_timeout, "
                       f"{timeout}), application:set_env(rabbit, "
                       f"channel_tick_interval, {tick}).")

        was = [re.sub(r"\D", "", setting(name)) or "undefined"
               for name in ("consumer_timeout", "channel_tick_interval")]
        put(milliseconds, 1000, shown)
        try:
            yield
        finally:
            put(*was)

    def major_minor(self):
        return tuple(map(int, self.version().split(".")[:2]))

    @contextlib.contextmanager
    def memory_alarm(self):
        """A memory alarm while in the with block: the broker blocks every
        connection that publishes, as when it runs out of memory."""
        was = self.checked("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")
        self.checked("set_vm_memory_high_watermark", "absolute", "1")
        try:
            # In force once the node reports it, not when the command returns.
            patiently(lambda: "memory" in self.checked(
                "eval", "rabbit_alarm:get_alarms()."), 15, "the memory alarm in force",
                interval=0.2)
            yield
        finally:
            absolute = re.fullmatch(r"\{absolute,(\d+)\}", was.strip())
            self.checked("set_vm_memory_high_watermark",
                         *(["absolute", absolute[1]] if absolute else [was.strip()]))

    @contextlib.contextmanager
    def max_message_size(self, size):
        """The largest message the broker takes, lowered to size where the
        broker allows it at run time (3.x); yields the limit in force."""
        was = int(re.sub(r"\D", "", self.checked(
            "eval", "application:get_env(rabbit, max_message_size).")))
        if self.major_minor() >= (4, 0):  # read once, when the broker starts
            yield was
            return
        def put(value):
            self.checked("eval", f"application:set_env(rabbit, max_message_size, "
                         f"{value}).")

        put(size)
        try:
            yield size
        finally:
            put(was)

    def node_runs(self):
        """True if the node answers rabbitmqctl (its app may be stopped)."""
        try:
            return self.ctl("ping", timeout=30).returncode == 0
        except (Fail, OSError, subprocess.TimeoutExpired):
            return False

    def wait(self, seconds=120):
        # Poll: the broker takes a few seconds to boot.
        patiently(self.answers, seconds, f"RabbitMQ answering at {where(self.url)}",
                  interval=0.5)

    def ensure(self):
        check_url(self.url)
        try:
            if self.answers():
                return
        except OSError as error:  # pika lets some out: a name not found, say
            raise Fail(f"no RabbitMQ answers at {where(self.url)}: {error}.\n"
                       f"{HOW}") from None
        # Starting this machine's broker cannot help a URL that names
        # another host or port (4.3 and the cluster run nodes of their own).
        if self.ctl_prefix is None or (self.name == "system" and not self.as_is
                                       and not system_port(self.url)):
            raise Fail(f"no RabbitMQ answers at {where(self.url)}.\n{HOW}")
        if self.as_is:  # RABBITMQCTL: no root needed, but a node to reach
            if not self.node_runs():
                raise Fail(f"no RabbitMQ answers at {where(self.url)}, and "
                           f"RABBITMQCTL ({shlex.join(self.ctl_prefix)}) reaches "
                           f"no node.\n{HOW}")
        elif not rooted():
            raise Fail(f"no RabbitMQ answers at {where(self.url)}, and only root "
                       f"can start one on this machine.\n{HOW}")
        if self.node_runs():
            print(f"RabbitMQ's node runs but its app is stopped: starting it "
                  f"({self.name})", flush=True)
            self.ctl("start_app")
        else:
            print(f"Starting RabbitMQ ({self.name}) at {where(self.url)}...",
                  flush=True)
            self.start()
        self.wait()

    def start(self):
        server = command("rabbitmq-server")
        if server is None:
            if os.geteuid() != 0 or command("apt-get") is None:
                raise Fail(f"no RabbitMQ answers at {where(self.url)} and none "
                           f"is installed.\n{HOW}")
            print("Installing RabbitMQ from Debian's packages...", flush=True)
            step("apt-get", "update", "-qq")
            step("apt-get", "install", "-y", "-qq", "rabbitmq-server")
            server = command("rabbitmq-server")
        # Not step(): the detached node would hold its output pipe open.
        if as_root(server, "-detached").returncode:
            raise Fail(f"{server} -detached failed: see its output above.\n{HOW}")


class Chroot(Broker):
    """RabbitMQ 4.3 from Debian unstable, in a chroot made with debootstrap."""

    # As the rabbitmq user of the chroot, at home, where its Erlang cookie is.
    AS_RABBITMQ = ("chroot", "--userspec=rabbitmq:rabbitmq", CHROOT, "env",
                   "HOME=/var/lib/rabbitmq", "sh", "-c",
                   'cd "$HOME" && exec "$@"', "sh")

    def __init__(self):
        super().__init__("4.3", "amqp://guest:guest@127.0.0.1:5673/%2F",
                         [*self.AS_RABBITMQ, "rabbitmqctl"])

    def prepare(self):
        """The chroot, ready for a node to start (this one, or the cluster's)."""
        if not (CHROOT / ".ready").exists():
            self.provision()
        # The node reads its memory use from /proc.
        if subprocess.run(["mountpoint", "-q", CHROOT / "proc"]).returncode:
            as_root("mount", "-t", "proc", "proc", CHROOT / "proc", check=True)

    def ensure(self):
        self.prepare()
        super().ensure()

    def start(self):
        as_root(*self.AS_RABBITMQ, "setsid", "rabbitmq-server", "-detached",
                check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)

    def provision(self):
        debian = command("apt-get") and Path("/etc/debian_version").exists()
        if os.geteuid() != 0 or not debian:
            raise Fail("RabbitMQ 4.3 is set up only as root on Debian or Ubuntu; "
                       "test your own broker only with: make test RABBITMQ=system")
        if command("debootstrap") is None:
            print("Installing debootstrap from Debian's packages...", flush=True)
            step("apt-get", "update", "-qq")
            step("apt-get", "install", "-y", "-qq", "debootstrap")
        print(f"Setting up RabbitMQ 4.3 in {CHROOT} (a few minutes, once)...",
              flush=True)
        if CHROOT.exists():
            subprocess.run(["umount", CHROOT / "proc"], stderr=subprocess.DEVNULL)
            shutil.rmtree(CHROOT)
        CHROOT.parent.mkdir(parents=True, exist_ok=True)
        step("debootstrap", "--variant=minbase", "trixie", CHROOT, MIRROR)
        (CHROOT / "etc/apt/sources.list").write_text(f"deb {MIRROR} unstable main\n")
        (CHROOT / "etc/hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
        # Install only: the node is started by ensure(), never by the package.
        policy = CHROOT / "usr/sbin/policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        step("chroot", CHROOT, "apt-get", *APT, "update")
        step("chroot", CHROOT, "apt-get", *APT, "install", "-y",
             "--no-install-recommends", "rabbitmq-server")
        (CHROOT / "etc/rabbitmq/rabbitmq-env.conf").write_text(NODE_43)
        (CHROOT / ".ready").touch()


def named(name):
    if name == "system":
        url = os.environ.get("AMQP_URL", SYSTEM_URL)
        local = urlsplit(url).hostname in ("localhost", "127.0.0.1", "::1")
        given = os.environ.get("RABBITMQCTL")
        if given:
            return Broker("system", url, shlex.split(given), as_is=True)
        return Broker("system", url, ["rabbitmqctl"] if local else None)
    if name == "4.3":
        return Chroot()
    if name == "cluster":
        import cluster  # it builds on this module
        return cluster.Cluster()
    return Broker(name, name, None)


def under_test():
    """The broker the tests run against: RABBITMQ names it (default system);
    AMQP_URL, if it names the same node, says in which virtual host."""
    found = named(os.environ.get("RABBITMQ", "system"))
    given = os.environ.get("AMQP_URL")
    if given and found.name != "system" and (
            Broker("given", given, None).ports() == found.ports()):
        found.url = given  # run.py's lanes, side by side on one node
    return found


def main(args):
    if args[:1] == ["ctl"]:
        result = named(args[1]).ctl(*args[2:])
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode
    for name in args or ["system"]:
        broker = named(name)
        try:
            broker.ensure()
        except Fail as error:
            sys.exit(f"broker {name}: {error}")
        print(f"RabbitMQ {broker.version()} answers at {where(broker.url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
