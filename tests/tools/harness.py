"""Run the tutorial's scripts as separate processes, the way a reader does.

The tests, the tour (``make tour``) and the transcripts in the docs all use
this one module, so what they show is what the scripts really print. It also
holds the one way the tests wait (``until``) and read the scripts' output
lines (``bodies``).
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The patterns' folders: each has a cli.py of its own, so that it runs alone.
FOLDERS = sorted(path.parent.name for path in ROOT.glob("*/cli.py"))
READY = "To exit press CTRL+C"
SHOWN = []  # every Script whose command line was echoed, in order
RUNNING = set()  # every Script started and not yet ended
WAITING = []  # [(what, since)]: the waits under way, for a timeout's report
# A script's output line: what it carries, then what happened to it.
LINE = re.compile(r"^(?P<body>.*) (?P<word>sent|received|done|failed)"
                  r"(?P<again> \(redelivered\))?$")


def until(condition, timeout, what, interval=0.1, changed=None):
    """Wait until condition() is true; return its value. Past timeout
    seconds, fail with a line that says what was awaited and for how long.
    changed: a threading.Condition notified when condition may have changed
    (no polling then); otherwise poll every interval seconds."""
    started = time.monotonic()
    WAITING.append((what, started))
    try:
        while not (value := condition()):
            left = started + timeout - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{what}: not within {timeout} s")
            if changed is None:
                time.sleep(min(interval, left))  # poll what cannot notify us
            else:
                with changed:
                    changed.wait(min(left, 0.1))
        return value
    finally:
        WAITING.remove((what, started))
        took = time.monotonic() - started
        if took > timeout / 2:  # shown with a failing test's output
            print(f"slow step: {what} took {took:.1f} s of its {timeout} s")


def bodies(lines, word, redelivered=None):
    """The message or task of each output line that ends in word ("sent",
    "received", "done", "failed"); redelivered: True or False keeps only
    the lines with or without "(redelivered)"."""
    found = []
    for line in lines:
        match = LINE.match(line)
        if match and match["word"] == word and (
                redelivered is None or bool(match["again"]) == redelivered):
            found.append(match["body"])
    return found


class Script:
    """One script running in the background, its output read line by line.
    As a context manager, it is stopped on leaving: Ctrl+C, then kill."""

    def __init__(self, folder, name, *args, label=None, echo=None, env=None,
                 cwd=None, stdout_lines=None, command=None, stdin=None,
                 extra_env=None, shown=None):
        """stdout_lines: stop reading stdout after that many, as head -n does;
        command: run it instead of python folder/name.py (another client);
        stdin: an open file to read standard input from; extra_env: more
        environment, not shown in the command line; shown: the command line
        to show instead of python name.py args (a shell loop)."""
        self.label = label or name
        self.stdout_lines = stdout_lines
        self.echo = echo
        self.stdout, self.stderr = [], []
        # When each stdout and stderr line came, time.monotonic().
        self.times, self.stderr_times = [], []
        self.changed = threading.Condition()
        cwd = cwd or ROOT / folder
        path = os.path.relpath(ROOT / folder / f"{name}.py", cwd)
        self.process = subprocess.Popen(
            command or [sys.executable, path, *map(str, args)],
            cwd=cwd, env={**os.environ, **(env or {}), **(extra_env or {})},
            stdin=stdin or subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        RUNNING.add(self)
        self.readers = [
            threading.Thread(target=self._read, args=(pipe, lines), daemon=True)
            for pipe, lines in ((self.process.stdout, self.stdout),
                                (self.process.stderr, self.stderr))]
        # The command as a reader types it: it pastes into bash unchanged.
        self.argv = [*(f"{key}={value}" for key, value in (env or {}).items()),
                     "python", f"{name}.py", *map(str, args)]
        settings = [f"{key}={shlex.quote(value)}" for key, value in (env or {}).items()]
        self.command_line = " ".join(
            ["$", *settings, shown or shlex.join(self.argv[len(settings):])])
        if echo:
            SHOWN.append(self)
            echo(self.label, self.command_line)
        for reader in self.readers:
            reader.start()

    def _read(self, pipe, lines):
        for line in pipe:
            with self.changed:
                (self.times if lines is self.stdout
                 else self.stderr_times).append(time.monotonic())
                lines.append(line.rstrip("\n"))
                if self.echo:
                    self.echo(self.label, line.rstrip("\n"))
                self.changed.notify_all()
            if lines is self.stdout and len(lines) == self.stdout_lines:
                pipe.close()
                break
        with self.changed:
            self.changed.notify_all()

    def ended(self):
        """True once the process exited and all its output was read."""
        return self.process.poll() is not None and not any(
            reader.is_alive() for reader in self.readers)

    def wait_until(self, done, timeout, what):
        """Wait until done() is true, at most timeout seconds; fail at once
        if the script ends first."""
        def settled():
            return done() or self.ended()

        try:
            until(settled, timeout, f"{self.label}: {what}", changed=self.changed)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.tail()}") from None
        if not done():
            raise AssertionError(f"{self.label} ended (status "
                                 f"{self.process.returncode}) before {what}\n"
                                 f"{self.tail()}")

    def tail(self):
        return f"stdout: {self.stdout[-20:]}\nstderr: {self.stderr[-20:]}"

    def wait_for(self, pattern, timeout=15, count=1):
        """Wait for count stdout lines that match pattern; return them."""
        def found():
            return [line for line in self.stdout if re.search(pattern, line)]

        self.wait_until(lambda: len(found()) >= count, timeout,
                        f"{count} line(s) matching {pattern!r}")
        return found()

    def ready(self, timeout=15, count=1):
        """Wait for the count-th readiness line (more than one: reconnected)."""
        self.wait_for(re.escape(READY), timeout, count)
        return self

    def signal(self, signum=signal.SIGINT, timeout=10):
        """Send signum (Ctrl+C by default) and return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout=15):
        self.process.wait(timeout)
        for reader in self.readers:
            reader.join(timeout)
        RUNNING.discard(self)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.wait()

    def stop(self):
        """Ctrl+C; kill if it has not ended 10 s later. The exit status."""
        try:
            return self.signal()
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def run(folder, name, *args, timeout=30, **options):
    """Run a script to its end; return (exit status, stdout lines, stderr lines)."""
    with Script(folder, name, *args, **options) as script:
        try:
            status = script.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{folder}/{name}.py {shlex.join(map(str, args))}: "
                                 f"still running after {timeout} s\n"
                                 f"{script.tail()}") from None
    return status, script.stdout, script.stderr


class Consumers:
    """Start consumers, each with its own arguments, and wait until each is
    ready; on leaving, press Ctrl+C in each and check they all end cleanly."""

    def __init__(self, folder, *argsets, echo=None, env=None, name="consumer"):
        self.folder, self.argsets, self.echo, self.env = folder, argsets, echo, env
        self.name = name
        self.scripts = []

    def __enter__(self):
        try:
            for number, args in enumerate(self.argsets, 1):
                label = self.name if len(self.argsets) == 1 else f"{self.name} {number}"
                self.scripts.append(Script(self.folder, self.name, *args, label=label,
                                           echo=self.echo, env=self.env))
            for script in self.scripts:
                script.ready()
        except BaseException:
            self.kill()
            raise
        return self.scripts

    def __exit__(self, exc_type, *exc_info):
        if exc_type is not None:
            self.kill()
            return
        problems = []
        for script in self.scripts:  # every one, whatever the first did
            if self.echo:
                self.echo(script.label, "^C")
            status = script.stop()
            if status != 0 or script.stderr:
                problems.append(f"{script.label} exited {status}: {script.stderr}")
        assert not problems, "\n".join(problems)

    def kill(self):
        for script in self.scripts:
            script.kill()


def matching(scripts, pattern):
    """All stdout lines of scripts that match pattern."""
    return [line for script in scripts for line in script.stdout
            if re.search(pattern, line)]


def wait_total(scripts, pattern, count, timeout=30):
    """Wait until the scripts together printed count lines matching pattern."""
    try:
        until(lambda: len(matching(scripts, pattern)) >= count, timeout,
              f"{count} lines matching {pattern!r}", changed=scripts[0].changed)
    except AssertionError as error:
        raise AssertionError(
            f"{error}: {len(matching(scripts, pattern))} came; "
            + "; ".join(f"{s.label}: {s.stdout[-20:]} {s.stderr[-20:]}"
                        for s in scripts)) from None
    return matching(scripts, pattern)
